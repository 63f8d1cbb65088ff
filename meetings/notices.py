"""The notice (innkalling) by e-mail: HTML and text, with an iCalendar invitation.

A module of its own because it does I/O. Each member gets a message of their own, so one bad
address cannot stop the others; what failed is reported back and written to the meeting's log.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from icalendar import Calendar, Event, vCalAddress

from cooperation.models import Membership

from .models import Meeting, MeetingEvent

logger = logging.getLogger(__name__)


@dataclass
class NoticeReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    without_address: list[str] = field(default_factory=list)


def calendar_uid(meeting: Meeting, host: str) -> str:
    """The same UID as in the calendar feeds, so the invitation and the feed are one event."""
    return f"meeting-{meeting.pk}@{host}"


def invitation(meeting: Meeting, *, host: str, url: str, email: str, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Regionalt samarbeid//Møter//NO")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", calendar_uid(meeting, host))
    event.add("summary", meeting.title or meeting.body.name)
    event.add("dtstart", timezone.localtime(meeting.start))
    event.add(
        "dtend", timezone.localtime(meeting.end or meeting.start + datetime.timedelta(hours=2))
    )
    event.add("dtstamp", timezone.now())
    event.add("sequence", 0)
    if meeting.place:
        event.add("location", meeting.place)
    event.add("url", url)
    event.add("description", url)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = meeting.body.cooperation.name
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["cn"] = name
    attendee.params["rsvp"] = "TRUE"
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def recipients(meeting: Meeting) -> list[Membership]:
    day = timezone.localtime(meeting.start).date()
    return list(
        meeting.body.memberships.current(day).select_related("person").order_by("person__name")
    )


def send_notice_emails(
    meeting: Meeting, *, host: str, url: str, by, supplementary: bool = False
) -> NoticeReport:
    """E-mail the notice to every current member of the body (deputies included).

    A supplementary notice (tilleggssaksliste) lists what was added since the notice, then
    the whole agenda as it now stands.
    """
    report = NoticeReport()
    items = list(meeting.items.select_related("case"))
    added = list(meeting.supplementary_items().select_related("case")) if supplementary else []
    with translation.override(settings.LANGUAGE_CODE):
        context = {"meeting": meeting, "items": items, "added": added, "url": url}
        subject = render_to_string("emails/notice_subject.txt", context).strip()
        text = render_to_string("emails/notice.txt", context)
        html = render_to_string("emails/notice.html", context)
    for membership in recipients(meeting):
        person = membership.person
        if not person.email:
            report.without_address.append(person.name)
            continue
        message = EmailMultiAlternatives(subject, text, to=[person.email])
        message.attach_alternative(html, "text/html")
        message.attach(
            "innkalling.ics",
            invitation(meeting, host=host, url=url, email=person.email, name=person.name),
            "text/calendar; method=REQUEST; charset=utf-8",
        )
        try:
            message.send()
        except Exception:  # every failure is reported to the secretary, none is fatal
            logger.exception("Notice to %s for meeting %s failed", person.email, meeting.pk)
            report.failed.append(person.name)
        else:
            report.sent.append(person.name)
    MeetingEvent.objects.create(
        meeting=meeting,
        actor=by if by.is_authenticated else None,
        kind=MeetingEvent.Kind.STATE_CHANGE,
        note=(
            f"{'Tilleggsinnkalling' if supplementary else 'Innkalling'} sendt på e-post til "
            f"{len(report.sent)}. "
            f"Feilet: {', '.join(report.failed) or 'ingen'}. "
            f"Uten e-postadresse: {', '.join(report.without_address) or 'ingen'}."
        ),
    )
    return report
