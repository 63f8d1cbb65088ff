"""Subscriptions: Atom feeds of published minutes, iCalendar feeds of meetings."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from cooperation.models import Body, Cooperation

from ..models import Meeting
from ..notices import calendar_uid

FEED_ITEMS = 30
CALENDAR_PAST_DAYS = 365


class MinutesFeed(Feed):
    """The latest published minutes, of all bodies or of one."""

    feed_type = Atom1Feed

    def get_object(self, request, cooperation: str | None = None, slug: str | None = None):
        if cooperation is None:
            return None
        return get_object_or_404(
            Body.objects.select_related("cooperation"), cooperation__slug=cooperation, slug=slug
        )

    def title(self, body: Body | None) -> str:
        if body is None:
            return _("Published minutes")
        return _("Published minutes: %(body)s") % {"body": body.name}

    def link(self, body: Body | None) -> str:
        if body is None:
            return reverse("meetings:meeting_list")
        return reverse("meetings:body_detail", args=[body.cooperation.slug, body.slug])

    def subtitle(self, body: Body | None) -> str:
        return _("Minutes of meetings, as they are published.")

    def items(self, body: Body | None):
        meetings = Meeting.objects.with_published_minutes().select_related("body__cooperation")
        if body is not None:
            meetings = meetings.for_body(body)
        return meetings.order_by("-published_at", "-pk")[:FEED_ITEMS]

    def item_title(self, meeting: Meeting) -> str:
        local = timezone.localtime(meeting.start)
        return _("Minutes: %(meeting)s, %(date)s") % {
            "meeting": meeting.title or meeting.body.name,
            "date": local.strftime("%d.%m.%Y"),
        }

    def item_description(self, meeting: Meeting) -> str:
        return _("%(body)s (%(cooperation)s). Place: %(place)s.") % {
            "body": meeting.body.name,
            "cooperation": meeting.body.cooperation.name,
            "place": meeting.place or "–",
        }

    def item_link(self, meeting: Meeting) -> str:
        return reverse("meetings:meeting_detail", args=[meeting.pk])

    def item_guid(self, meeting: Meeting) -> str:
        return f"urn:moter:meeting:{meeting.pk}:minutes"

    item_guid_is_permalink = False

    def item_pubdate(self, meeting: Meeting) -> datetime.datetime:
        return meeting.published_at

    def item_updateddate(self, meeting: Meeting) -> datetime.datetime:
        return meeting.modified


def calendar_response(request: HttpRequest, name: str, meetings) -> HttpResponse:
    """An iCalendar feed calendar programs can subscribe to (Europe/Oslo, stable UIDs)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Regionalt samarbeid//Møter//NO")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Oslo")
    host = request.get_host().split(":")[0]
    for meeting in meetings:
        event = Event()
        event.add("uid", calendar_uid(meeting, host))
        event.add("summary", meeting.title or meeting.body.name)
        event.add("dtstart", timezone.localtime(meeting.start))
        end = meeting.end or meeting.start + datetime.timedelta(hours=2)
        event.add("dtend", timezone.localtime(end))
        event.add("dtstamp", meeting.modified)
        event.add("last-modified", meeting.modified)
        if meeting.place:
            event.add("location", meeting.place)
        event.add(
            "url", request.build_absolute_uri(reverse("meetings:meeting_detail", args=[meeting.pk]))
        )
        cancelled = meeting.state == Meeting.State.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        # Each change of the meeting is a new revision for calendar programs.
        event.add("sequence", int(meeting.modified.timestamp()) // 60 % 2_000_000_000)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="moter.ics"'
    return response


def calendar_meetings(**filters):
    since = timezone.now() - datetime.timedelta(days=CALENDAR_PAST_DAYS)
    return (
        Meeting.objects.with_public_agenda()
        .filter(start__gte=since, **filters)
        .select_related("body")
        .order_by("start")
    )


@require_safe
def body_calendar(request: HttpRequest, cooperation: str, slug: str) -> HttpResponse:
    body = get_object_or_404(Body, cooperation__slug=cooperation, slug=slug)
    return calendar_response(request, body.name, calendar_meetings(body=body))


@require_safe
def cooperation_calendar(request: HttpRequest, cooperation: str) -> HttpResponse:
    cooperation = get_object_or_404(Cooperation, slug=cooperation)
    return calendar_response(
        request, cooperation.name, calendar_meetings(body__cooperation=cooperation)
    )
