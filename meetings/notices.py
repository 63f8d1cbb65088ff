"""The notice (innkalling) by e-mail: HTML and text, with an iCalendar invitation.

A module of its own because it does I/O. Each member gets a message of their own, so one bad
address cannot stop the others; every message goes through the outbox (`outbox.py`), so what
failed is reported back, written to the meeting's log and tried again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urljoin

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar, Event, vCalAddress

from cooperation.models import Membership

from .models import Meeting, MeetingEvent
from .outbox import OutgoingEmail, queue


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
    # A link, never an attachment: the notice with its case documents can be large, and the
    # members' version is fetched only by those who log in. The address is stable, so the
    # link goes out before the task worker has stored the PDF (the address says so until).
    pdf_url = urljoin(url, reverse("meetings:notice_pdf_members", args=[meeting.pk]))
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "meeting": meeting,
            "items": items,
            "added": added,
            "url": url,
            "pdf_url": pdf_url,
        }
        subject = render_to_string("emails/notice_subject.txt", context).strip()
        text = render_to_string("emails/notice.txt", context)
        html = render_to_string("emails/notice.html", context)
    kind = OutgoingEmail.Kind.SUPPLEMENTARY_NOTICE if supplementary else OutgoingEmail.Kind.NOTICE
    emails = []
    for membership in recipients(meeting):
        person = membership.person
        if not person.email:
            report.without_address.append(person.name)
            continue
        email = OutgoingEmail(
            meeting=meeting,
            person=person,
            kind=kind,
            to=person.email,
            subject=subject,
            text=text,
            html=html,
        )
        email.attach(
            "innkalling.ics",
            invitation(meeting, host=host, url=url, email=person.email, name=person.name),
            "text/calendar; method=REQUEST; charset=utf-8",
        )
        emails.append(email)
    for email in queue(emails):
        if email.send(log=False):
            report.sent.append(email.person.name)
        else:
            report.failed.append(email.person.name)
    failed = f"{', '.join(report.failed)} (prøves igjen)" if report.failed else "ingen"
    MeetingEvent.log(
        meeting,
        MeetingEvent.Kind.EMAIL,
        by=by,
        note=(
            f"{'Tilleggsinnkalling' if supplementary else 'Innkalling'} sendt på e-post til "
            f"{len(report.sent)}. "
            f"Feilet: {failed}. "
            f"Uten e-postadresse: {', '.join(report.without_address) or 'ingen'}."
        ),
    )
    return report
