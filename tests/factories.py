"""Plain factory functions: every argument has a sensible default, overrides by keyword."""

from __future__ import annotations

import datetime
import itertools
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case
from cooperation.models import (
    Body,
    Cooperation,
    Membership,
    Organisation,
    Person,
    StaffMembership,
)
from meetings.models import AgendaItem, Attendance, Meeting

OSLO = ZoneInfo("Europe/Oslo")
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix} {next(_counter)}"


def make_user(username: str | None = None, **overrides):
    username = username or unique("user").replace(" ", "")
    user = get_user_model().objects.create_user(username=username, password="pw", **overrides)
    return user


def make_cooperation(**overrides) -> Cooperation:
    name = overrides.pop("name", None) or unique("Samarbeid")
    return Cooperation.objects.create(
        name=name, slug=overrides.pop("slug", name.lower().replace(" ", "-")), **overrides
    )


def make_secretary(cooperation: Cooperation, username: str | None = None):
    user = make_user(username)
    StaffMembership.objects.create(cooperation=cooperation, user=user)
    return user


def make_organisation(cooperation: Cooperation, **overrides) -> Organisation:
    fields = {"name": unique("Kommune"), "kind": Organisation.Kind.MUNICIPALITY, **overrides}
    return Organisation.objects.create(cooperation=cooperation, **fields)


def make_body(cooperation: Cooperation | None = None, **overrides) -> Body:
    cooperation = cooperation or make_cooperation()
    name = overrides.pop("name", None) or unique("Styret")
    fields = {
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "kind": Body.Kind.BOARD,
        "is_political": True,
        # Approval tests choose the rule; this one needs no chair recorded to walk a meeting.
        "approval_rule": Body.ApprovalRule.NEXT_MEETING,
        **overrides,
    }
    return Body.objects.create(cooperation=cooperation, **fields)


def make_person(cooperation: Cooperation, **overrides) -> Person:
    return Person.objects.create(
        cooperation=cooperation, name=overrides.pop("name", None) or unique("Person"), **overrides
    )


def make_membership(body: Body, person: Person | None = None, **overrides) -> Membership:
    person = person or make_person(body.cooperation)
    fields = {"role": Membership.Role.MEMBER, "start": datetime.date(2020, 1, 1), **overrides}
    return Membership.objects.create(body=body, person=person, **fields)


def make_case(cooperation: Cooperation, **overrides) -> Case:
    fields = {"title": unique("Sak om regional utvikling"), "year": 2024, **overrides}
    if "sequence" in fields:
        return Case.objects.create(cooperation=cooperation, **fields)
    return Case.create_for(cooperation, **fields)


def make_meeting(body: Body | None = None, **overrides) -> Meeting:
    body = body or make_body()
    start = overrides.pop("start", None) or datetime.datetime(2024, 3, 14, 10, 0, tzinfo=OSLO)
    fields = {"place": "Oslo rådhus", "end": start + datetime.timedelta(hours=2), **overrides}
    if fields.get("state") in (Meeting.State.APPROVED, Meeting.State.PUBLISHED):
        # Made in its state, as an archive import does: approved when it was published.
        fields.setdefault("approved_at", fields.get("published_at") or start)
    return Meeting.objects.create(body=body, start=start, **fields)


def make_item(meeting: Meeting, **overrides) -> AgendaItem:
    if "case" not in overrides and "title" not in overrides:
        overrides["title"] = unique("Orienteringer")
    position = overrides.pop("position", None)
    if position is None:
        position = meeting.items.count() + 1
    return AgendaItem.objects.create(meeting=meeting, position=position, **overrides)


def make_attendance(meeting: Meeting, person: Person, **overrides) -> Attendance:
    return Attendance.objects.create(meeting=meeting, person=person, **overrides)


LIFE = [
    ("send_notice", Meeting.State.NOTICE_SENT),
    ("record_held", Meeting.State.HELD),
    ("send_minutes_for_approval", Meeting.State.IN_APPROVAL),
    ("record_minutes_approved", Meeting.State.APPROVED),
    ("publish", Meeting.State.PUBLISHED),
]


# What each move needs besides the user: a deadline for the approval, and how minutes that
# were not approved in the system were approved (tests of approvals approve for real).
LIFE_ARGUMENTS = {
    "send_minutes_for_approval": lambda: {
        "deadline": timezone.localdate() + datetime.timedelta(days=14)
    },
    "record_minutes_approved": lambda: {"note": "Signert av møteleder."},
}


def bring_to(meeting: Meeting, state: str, by) -> Meeting:
    """Move a meeting along its life through the real state methods until it is in `state`.

    Bodies made by make_body approve at their next meeting, so no chair need be recorded."""
    reached_states = [Meeting.State.PLANNED] + [reached for _method, reached in LIFE]
    start = reached_states.index(meeting.state)
    for method, reached in LIFE[start:]:
        if meeting.state == state:
            break
        arguments = LIFE_ARGUMENTS.get(method, dict)()
        getattr(meeting, method)(by=by, **arguments)
        assert meeting.state == reached
    assert meeting.state == state
    return meeting
