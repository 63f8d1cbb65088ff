"""Each move of a meeting's life: who may make it, from where, and what it records."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from cooperation.domain import DomainError, NotAllowed
from meetings.models import Meeting, MeetingEvent
from tests.factories import LIFE_ARGUMENTS, OSLO, make_body, make_item, make_meeting

State = Meeting.State

MOVES = {
    "send_notice": (State.PLANNED, State.NOTICE_SENT),
    "record_held": (State.NOTICE_SENT, State.HELD),
    "send_minutes_for_approval": (State.HELD, State.IN_APPROVAL),
    "record_minutes_approved": (State.IN_APPROVAL, State.APPROVED),
    "publish": (State.APPROVED, State.PUBLISHED),
}
PATH = list(MOVES)


def move(meeting, name, by, **kwargs):
    arguments = LIFE_ARGUMENTS.get(name, dict)() | kwargs
    getattr(meeting, name)(by=by, **arguments)


def bring_to(meeting, state, by):
    for name in PATH:
        if meeting.state == state:
            return
        move(meeting, name, by)
    assert meeting.state == state


@pytest.fixture
def meeting(body_x):
    meeting = make_meeting(body_x)
    make_item(meeting, title="Godkjenning av innkalling og saksliste")
    return meeting


@pytest.mark.django_db
def test_a_meeting_goes_from_planned_to_published_recording_each_move(meeting, secretary_a):
    for name in PATH:
        move(meeting, name, secretary_a)
    meeting.refresh_from_db()
    assert meeting.state == State.PUBLISHED
    assert meeting.notice_sent_at and meeting.published_at
    changes = list(
        meeting.events.filter(kind=MeetingEvent.Kind.STATE_CHANGE).values_list(
            "from_state", "to_state", "actor__username"
        )
    )
    assert changes == [(*MOVES[name], "sekretar") for name in PATH]


ILLEGAL_MOVES = [
    (name, state)
    for name in PATH
    for state in State
    if state not in (MOVES[name][0], State.CANCELLED)
    # Minutes signed on paper at the meeting are recorded as approved straight from held.
    and (name, state) != ("record_minutes_approved", State.HELD)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "state"), ILLEGAL_MOVES)
def test_every_move_from_a_wrong_state_is_refused_with_a_message(meeting, secretary_a, name, state):
    bring_to(meeting, state, secretary_a)
    events_before = meeting.events.count()
    with pytest.raises(DomainError) as error:
        move(meeting, name, secretary_a)
    assert str(meeting.get_state_display()) in error.value.message
    meeting.refresh_from_db()
    assert meeting.state == state
    assert meeting.events.count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.PLANNED, State.NOTICE_SENT])
def test_a_meeting_not_yet_held_can_be_cancelled_with_a_reason(meeting, secretary_a, state):
    bring_to(meeting, state, secretary_a)
    meeting.cancel(by=secretary_a, reason="Lederen er syk")
    meeting.refresh_from_db()
    assert meeting.state == State.CANCELLED
    assert meeting.cancelled_reason == "Lederen er syk"
    assert meeting.events.last().note == "Lederen er syk"


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.HELD, State.IN_APPROVAL, State.PUBLISHED])
def test_a_held_meeting_cannot_be_cancelled(meeting, secretary_a, state):
    bring_to(meeting, state, secretary_a)
    with pytest.raises(DomainError):
        meeting.cancel(by=secretary_a)


@pytest.mark.django_db
def test_nothing_moves_a_cancelled_meeting(meeting, secretary_a):
    meeting.cancel(by=secretary_a)
    for name in PATH:
        with pytest.raises(DomainError):
            move(meeting, name, secretary_a)


@pytest.mark.django_db
def test_minutes_out_for_approval_can_be_withdrawn_for_more_work(meeting, secretary_a):
    bring_to(meeting, State.IN_APPROVAL, secretary_a)
    meeting.withdraw_minutes_from_approval(by=secretary_a, reason="Feil i sak 3")
    assert meeting.state == State.HELD
    last = meeting.events.last()
    assert (last.from_state, last.to_state, last.note) == (
        State.IN_APPROVAL,
        State.HELD,
        "Feil i sak 3",
    )


@pytest.mark.django_db
def test_a_meeting_cannot_be_recorded_as_held_before_it_starts(body_x, secretary_a):
    import django.utils.timezone as tz

    meeting = make_meeting(body_x, start=tz.now() + datetime.timedelta(days=2))
    meeting.send_notice(by=secretary_a)
    with pytest.raises(DomainError) as error:
        meeting.record_held(by=secretary_a)
    assert "ikke begynt" in error.value.message
    assert Meeting.objects.get(pk=meeting.pk).state == State.NOTICE_SENT


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member_x", "chair_x", "secretary_b", "anonymous"])
def test_only_the_secretariat_of_the_cooperation_may_move_a_meeting(meeting, request, who):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        meeting.send_notice(by=user)
    meeting.refresh_from_db()
    assert meeting.state == State.PLANNED


@pytest.mark.django_db
def test_a_superuser_may_move_any_meeting(meeting, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="pw")
    meeting.send_notice(by=admin)
    assert meeting.state == State.NOTICE_SENT


@pytest.mark.django_db
def test_the_domain_message_is_in_norwegian_by_default(meeting, secretary_a):
    meeting.send_notice(by=secretary_a)
    with pytest.raises(DomainError) as error:
        meeting.send_notice(by=secretary_a)
    assert "innkalling" in error.value.message.lower()


@pytest.mark.django_db
def test_a_meeting_cannot_end_before_it_starts():
    start = datetime.datetime(2024, 3, 14, 10, 0, tzinfo=OSLO)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_meeting(make_body(), start=start, end=start - datetime.timedelta(hours=1))


@pytest.mark.django_db
def test_a_meeting_cannot_be_published_without_a_date_in_the_database(meeting, secretary_a):
    bring_to(meeting, State.APPROVED, secretary_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(state=State.PUBLISHED)
