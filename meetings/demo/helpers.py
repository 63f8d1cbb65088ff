"""Building blocks the demo builders share: times, archive imports, items, a meeting's life."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from cases.models import Case
from cooperation.domain import DomainError
from cooperation.models import Body, Cooperation, Organisation, Person
from meetings.models import AgendaItem, Attendance, FollowUp, Meeting, MeetingEvent
from meetings.public_record import changing

State = Meeting.State

# The fields a secretary writes after the meeting; the rest of an item is drafted before it.
MINUTES_FIELDS = AgendaItem.MINUTES_FIELDS


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    """A moment in Norwegian local time (settings.TIME_ZONE), summer time included."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def days_from_today(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A working day `days` from today at a local time; a weekend moves on to the Monday."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return at(day.year, day.month, day.day, hour, minute)


def body(cooperation: Cooperation, slug: str) -> Body:
    return Body.objects.get(cooperation=cooperation, slug=slug)


def person(cooperation: Cooperation, name: str) -> Person:
    return Person.objects.get(cooperation=cooperation, name=name)


def organisation(cooperation: Cooperation, name: str) -> Organisation:
    return Organisation.objects.get(cooperation=cooperation, name=name)


def archive_case(cooperation: Cooperation, *, year: int, sequence: int, **fields) -> Case:
    """A case from the archive that keeps its old reference (year/sequence)."""
    case = Case(cooperation=cooperation, year=year, sequence=sequence, **fields)
    case.full_clean()
    case.save()
    return case


def import_archive_meeting(
    body: Body,
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    place: str = "",
    title: str = "",
) -> Meeting:
    """A meeting imported from the archive: published long ago, numbers kept as they were.

    Its dates of notice and publication are not in the documents; a week before and two
    weeks after the meeting are plausible and keep the meeting's history in order.
    """
    meeting = Meeting.objects.create(
        body=body,
        title=title,
        start=start,
        end=end,
        place=place,
        state=State.PUBLISHED,
        notice_sent_at=start - datetime.timedelta(days=7),
        published_at=end + datetime.timedelta(days=14),
        approved_at=end + datetime.timedelta(days=10),
    )
    MeetingEvent.objects.create(
        meeting=meeting,
        kind=MeetingEvent.Kind.STATE_CHANGE,
        to_state=State.PUBLISHED,
        note="Importert fra arkivet",
    )
    return meeting


def add_item(meeting: Meeting, position: int, **fields) -> AgendaItem:
    """An agenda item; `sequence` and `year` are given only for items from the archive."""
    established = fields.pop("established_bodies", [])
    item = AgendaItem.objects.create(meeting=meeting, position=position, **fields)
    if established:
        item.established_bodies.set(established)
    return item


def add_attendance(meeting: Meeting, rows: list[dict]) -> None:
    """Attendance in the order of the minutes: dicts of Attendance fields."""
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, position=position, **row)
        for position, row in enumerate(rows, start=1)
    )


Drafted = list[tuple[AgendaItem, dict, list[dict]]]


def plan_meeting(
    body: Body,
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    place: str = "",
    items: list[dict],
) -> tuple[Meeting, Drafted]:
    """A planned meeting with its agenda drafted; the minutes fields are kept for later.

    Returns the meeting and, per item, (item, minutes fields, follow-ups) for `live`.
    """
    meeting = Meeting.objects.create(body=body, start=start, end=end, place=place)
    drafted = []
    for position, spec in enumerate(items, start=1):
        spec = dict(spec)
        follow_ups = spec.pop("follow_ups", [])
        minutes = {key: spec.pop(key) for key in list(spec) if key in MINUTES_FIELDS}
        drafted.append((add_item(meeting, position, **spec), minutes, follow_ups))
    return meeting, drafted


def live(
    meeting: Meeting,
    *,
    by,
    until: str,
    drafted: Drafted = (),
    attendance: list[dict] = (),
    cancel_reason: str = "",
) -> Meeting:
    """Move a planned meeting through its life up to `until` with the model's own methods.

    The methods check each move and record who made it. Attendance, minutes and follow-ups
    are written once the meeting is held; at the end the steps are dated around the meeting.
    """
    if until == State.PLANNED:
        return meeting
    meeting.send_notice(by=by)
    if until == State.CANCELLED:
        meeting.cancel(by=by, reason=cancel_reason)
        return meeting
    if until == State.NOTICE_SENT:
        return _date_the_steps(meeting)
    meeting.record_held(by=by)
    add_attendance(meeting, list(attendance))
    for item, minutes, follow_ups in drafted:
        if minutes:
            item.save_minutes(by=by, expected_version=item.version, **minutes)
        for follow_up in follow_ups:
            FollowUp.objects.create(item=item, **follow_up)
    if until == State.HELD:
        return _date_the_steps(meeting)
    sent = send_for_approval(meeting, by=by)
    if until != State.IN_APPROVAL:
        approve(meeting, by=by)
    if until == State.PUBLISHED:
        meeting.publish(by=by)
    if meeting.state != until:
        raise ValueError(f"{meeting} stopped at {meeting.state}, not {until} (sent: {sent})")
    return _date_the_steps(meeting)


def send_for_approval(meeting: Meeting, *, by) -> bool:
    """Out for approval by the body's rule, the chair and the first members present as the
    approvers; False when the demo meeting recorded no chair (an archive signed on paper)."""
    present = meeting.attendances.filter(
        role__in=Attendance.PRESENT_ROLES, is_chair=False, person__isnull=False
    ).select_related("person")
    members = [a.person for a in present[: meeting.body.approvers_count]]
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    try:
        meeting.send_minutes_for_approval(by=by, deadline=deadline, members=members)
    except DomainError:
        return False
    return True


def approve(meeting: Meeting, *, by) -> None:
    """The approvers who have a demo login approve in the system; other minutes were signed
    on paper, and the secretariat records that."""
    approvers = list(meeting.approvers.select_related("person__user"))
    if meeting.state == State.IN_APPROVAL and approvers and all(a.person.user for a in approvers):
        digest = meeting.minutes_digest()
        for approver in approvers:
            meeting.approve_minutes(by=approver.person.user, digest=digest)
        return
    meeting.record_minutes_approved(by=by, note="Referatet ble signert på papir.")


def _date_the_steps(meeting: Meeting) -> Meeting:
    """Date the recorded steps as they would have happened around the meeting, never after now.

    The methods stamp each step with the moment the demo is loaded; a meeting held weeks ago
    would then show a notice sent after it was held.
    """
    now = timezone.now()
    end = meeting.end or meeting.start
    notice = meeting.start - datetime.timedelta(days=9)
    while notice.weekday() >= 5:
        notice -= datetime.timedelta(days=1)
    when = {
        State.NOTICE_SENT: notice,
        State.HELD: end,
        State.IN_APPROVAL: end + datetime.timedelta(days=2),
        State.APPROVED: end + datetime.timedelta(days=6),
        State.PUBLISHED: end + datetime.timedelta(days=7),
    }
    when = {state: min(moment, now) for state, moment in when.items()}
    # The dates are printed in the notice and the minutes: a change to the public record.
    with changing(meeting):
        _date_events_and_meeting(meeting, when)
    meeting.refresh_from_db()
    return meeting


def _date_events_and_meeting(meeting: Meeting, when: dict) -> None:
    for event in meeting.events.all():
        if event.kind == MeetingEvent.Kind.NUMBERS_ASSIGNED:
            state = State.NOTICE_SENT
        else:
            state = event.to_state
        if state in when:
            MeetingEvent.objects.filter(pk=event.pk).update(at=when[state])
    fields = {}
    if meeting.notice_sent_at:
        fields["notice_sent_at"] = when[State.NOTICE_SENT]
    if meeting.published_at:
        fields["published_at"] = when[State.PUBLISHED]
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
