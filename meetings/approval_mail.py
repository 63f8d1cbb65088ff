"""E-mails about the approval of the minutes: the request, the reminder, the lapse.

Plain text, one message per person, so one bad address cannot stop the others; each batch
is written to the meeting's log, what failed is reported back to the secretary, and every
message goes through the outbox (`outbox.py`), which tries a failed one again. Links are
absolute (settings.SITE_URL): the reminders go out from cron, outside any request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cooperation.models import Body, Person

from .approvals import Approval, Approver
from .models import Meeting, MeetingEvent
from .outbox import OutgoingEmail, queue

# A reminder goes out this many days before the deadline, once.
REMINDER_DAYS = 2


@dataclass
class MailReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    without_address: list[str] = field(default_factory=list)


def member_url(meeting: Meeting) -> str:
    return settings.SITE_URL + reverse("meetings:member_meeting", args=[meeting.pk])


def _send(meeting: Meeting, people: list[Person], template: str, report: MailReport, **extra):
    with translation.override(settings.LANGUAGE_CODE):
        context = {"meeting": meeting, "url": member_url(meeting), **extra}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
    emails = []
    for person in people:
        if not person.email:
            report.without_address.append(person.name)
            continue
        emails.append(
            OutgoingEmail(
                meeting=meeting,
                person=person,
                kind=OutgoingEmail.Kind(template),
                to=person.email,
                subject=subject,
                text=text,
            )
        )
    for email in queue(emails):
        if email.send(log=False):
            report.sent.append(email.person.name)
        else:
            report.failed.append(email.person.name)
    notes = [f"{subject}: {', '.join(report.sent) or '-'}"]
    if report.failed:
        notes.append(f"feilet, prøves igjen: {', '.join(report.failed)}")
    MeetingEvent.log(meeting, MeetingEvent.Kind.EMAIL, note="; ".join(notes))
    return report


def approval_readers(meeting: Meeting) -> list[Person]:
    """Who is asked to read the draft: the approvers, or for a body that approves at its
    next meeting, every member of the body."""
    if meeting.approval_rule == Body.ApprovalRule.NEXT_MEETING:
        day = timezone.localtime(meeting.start).date()
        return [
            m.person
            for m in meeting.body.memberships.current(day)
            .select_related("person")
            .order_by("person__name")
        ]
    return [a.person for a in meeting.approvers.select_related("person")]


def send_approval_requests(meeting: Meeting) -> MailReport:
    """Ask the approvers to read and approve the draft minutes, by the deadline."""
    return _send(meeting, approval_readers(meeting), "approval_request", MailReport())


def tell_lapsed(meeting_pk: int, person_ids: list[int]) -> MailReport:
    """Tell those whose approval lapsed that the text changed and what to do."""
    meeting = Meeting.objects.select_related("body").get(pk=meeting_pk)
    people = list(Person.objects.filter(pk__in=person_ids).order_by("name"))
    return _send(meeting, people, "approval_lapsed", MailReport())


def send_reminders(*, today=None) -> list[MailReport]:
    """Remind, once, the approvers who have not approved the current text when the deadline
    is at most REMINDER_DAYS away. Safe to run as often as cron likes."""
    today = today or timezone.localdate()
    meetings = Meeting.objects.filter(
        state=Meeting.State.IN_APPROVAL,
        approval_deadline__gte=today,
        approval_deadline__lte=today + timezone.timedelta(days=REMINDER_DAYS),
    ).select_related("body")
    reports = []
    for meeting in meetings:
        digest = meeting.minutes_digest()
        approved = set(
            Approval.objects.filter(meeting=meeting, digest=digest).values_list(
                "person_id", flat=True
            )
        )
        waiting = [
            a
            for a in meeting.approvers.filter(reminded_at__isnull=True).select_related("person")
            if a.person_id not in approved
        ]
        if not waiting:
            continue
        report = _send(meeting, [a.person for a in waiting], "approval_reminder", MailReport())
        Approver.objects.filter(pk__in=[a.pk for a in waiting]).update(reminded_at=timezone.now())
        reports.append(report)
    return reports
