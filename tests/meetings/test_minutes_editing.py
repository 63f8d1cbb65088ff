"""Saving minutes: optimistic locking per item, so nothing is ever silently overwritten."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from cooperation.domain import DomainError, NotAllowed
from meetings.models import AgendaItem, EditConflict, Meeting
from tests.factories import make_item, make_meeting


@pytest.fixture
def held_meeting(body_x, secretary_a):
    meeting = make_meeting(body_x)
    make_item(meeting, title="Orienteringer")
    make_item(meeting, title="Strategiske føringer 2025–2028")
    meeting.send_notice(by=secretary_a)
    meeting.record_held(by=secretary_a)
    return meeting


@pytest.mark.django_db
def test_a_save_with_the_current_version_is_kept_and_bumps_the_version(held_meeting, secretary_a):
    item = held_meeting.items.first()
    item.save_minutes(by=secretary_a, expected_version=1, minutes_text="Innkalling godkjent.")
    item.refresh_from_db()
    assert (item.minutes_text, item.version) == ("Innkalling godkjent.", 2)


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_carries_the_other_text(held_meeting, secretary_a):
    item = held_meeting.items.first()
    item.save_minutes(by=secretary_a, expected_version=1, minutes_text="Først lagret")
    with pytest.raises(EditConflict) as conflict:
        item.save_minutes(by=secretary_a, expected_version=1, minutes_text="Sist lagret")
    assert conflict.value.current.minutes_text == "Først lagret"
    assert "Noen andre lagret" in conflict.value.message
    item.refresh_from_db()
    assert (item.minutes_text, item.version) == ("Først lagret", 2)


@pytest.mark.django_db
def test_two_items_of_one_meeting_are_edited_independently(held_meeting, secretary_a):
    first, second = held_meeting.items.all()
    first.save_minutes(by=secretary_a, expected_version=1, decision="Tatt til orientering.")
    second.save_minutes(by=secretary_a, expected_version=1, decision="Faggruppen sluttet seg.")
    assert list(held_meeting.items.values_list("version", flat=True)) == [2, 2]


@pytest.mark.django_db
def test_approved_minutes_cannot_be_saved_only_corrected(held_meeting, secretary_a):
    held_meeting.send_minutes_for_approval(by=secretary_a)
    held_meeting.record_minutes_approved(by=secretary_a, note="Signert av møteleder.")
    item = held_meeting.items.first()
    with pytest.raises(DomainError) as error:
        item.save_minutes(by=secretary_a, expected_version=1, minutes_text="Endret i etterkant")
    assert "rettelse" in error.value.message
    assert not isinstance(error.value, EditConflict)
    assert AgendaItem.objects.get(pk=item.pk).minutes_text == ""


@pytest.mark.django_db
def test_the_save_checks_the_state_under_the_meetings_lock(held_meeting, secretary_a):
    # The meeting was approved after this object was loaded: the stale copy must not win.
    item = held_meeting.items.select_related("meeting").first()
    Meeting.objects.filter(pk=held_meeting.pk).update(state=Meeting.State.IN_APPROVAL)
    Meeting.objects.filter(pk=held_meeting.pk).update(
        state=Meeting.State.APPROVED, approved_at=timezone.now()
    )
    with pytest.raises(DomainError):
        item.save_minutes(by=secretary_a, expected_version=1, minutes_text="For sent")
    assert AgendaItem.objects.get(pk=item.pk).version == 1


@pytest.mark.django_db
def test_a_counted_vote_without_numbers_is_explained(held_meeting, secretary_a):
    item = held_meeting.items.first()
    with pytest.raises(DomainError) as error:
        item.save_minutes(by=secretary_a, expected_version=1, vote="counted", votes_for=5)
    assert "stemmer for og mot" in error.value.message


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member_x", "chair_x", "secretary_b"])
def test_only_the_secretariat_saves_minutes(held_meeting, request, who):
    item = held_meeting.items.first()
    with pytest.raises(NotAllowed):
        item.save_minutes(by=request.getfixturevalue(who), expected_version=1, decision="Nei")


@pytest.mark.django_db
def test_only_minutes_fields_can_be_saved_this_way(held_meeting, secretary_a):
    with pytest.raises(ValueError):
        held_meeting.items.first().save_minutes(by=secretary_a, expected_version=1, sequence=9)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_people_saving_one_item_a_hundred_times_lose_nothing(held_meeting, secretary_a):
    item_id = held_meeting.items.first().pk
    outcomes = {"kept": [], "conflicts": 0, "errors": []}
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def edit(writer: int) -> None:
        try:
            barrier.wait(timeout=30)
            for n in range(100):
                item = AgendaItem.objects.select_related("meeting").get(pk=item_id)
                text = f"skriver {writer}, lagring {n}"
                expected = item.version
                try:
                    item.save_minutes(by=secretary_a, expected_version=expected, minutes_text=text)
                    with lock:
                        outcomes["kept"].append((expected + 1, text))
                except EditConflict:
                    with lock:
                        outcomes["conflicts"] += 1
        except Exception as error:  # collected and asserted below
            outcomes["errors"].append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert outcomes["errors"] == []
    kept = sorted(outcomes["kept"])
    assert len(kept) + outcomes["conflicts"] == 400
    # Every kept save made exactly one new version, in an unbroken chain, and the last one
    # is what the item holds: no save was told "kept" and then silently overwritten.
    assert [version for version, _text in kept] == list(range(2, len(kept) + 2))
    final = AgendaItem.objects.get(pk=item_id)
    assert (final.version, final.minutes_text) == kept[-1]
