"""Item numbers: assigned when the notice goes out, per body and year, gap-free and unique."""

import datetime
import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from meetings.models import AgendaItem, Meeting
from tests.factories import OSLO, make_body, make_item, make_meeting, make_secretary


def meeting_with_items(body, count, start=None):
    meeting = make_meeting(body, start=start or datetime.datetime(2022, 2, 15, 10, tzinfo=OSLO))
    for position in range(1, count + 1):
        make_item(meeting, title=f"Sak {position}", position=position)
    return meeting


@pytest.mark.django_db
def test_items_have_no_number_until_the_notice_is_sent(body_x):
    meeting = meeting_with_items(body_x, 3)
    assert [item.number for item in meeting.items.all()] == ["", "", ""]


@pytest.mark.django_db
def test_numbers_follow_the_agenda_order_as_nn_slash_yy(body_x, secretary_a):
    meeting = meeting_with_items(body_x, 3)
    meeting.items.filter(title="Sak 3").update(position=0)
    meeting.send_notice(by=secretary_a)
    items = list(meeting.items.order_by("position"))
    assert [(i.title, i.number) for i in items] == [
        ("Sak 3", "01/22"),
        ("Sak 1", "02/22"),
        ("Sak 2", "03/22"),
    ]
    assert items[0].number_label == "Sak 01/22"


@pytest.mark.django_db
def test_numbering_continues_through_the_year_and_restarts_the_next(body_x, secretary_a):
    first = meeting_with_items(body_x, 2, datetime.datetime(2022, 2, 15, 10, tzinfo=OSLO))
    second = meeting_with_items(body_x, 3, datetime.datetime(2022, 11, 3, 10, tzinfo=OSLO))
    next_year = meeting_with_items(body_x, 1, datetime.datetime(2023, 1, 20, 10, tzinfo=OSLO))
    for meeting in (first, second, next_year):
        meeting.send_notice(by=secretary_a)
    assert [i.number for i in second.items.all()] == ["03/22", "04/22", "05/22"]
    assert [i.number for i in next_year.items.all()] == ["01/23"]


@pytest.mark.django_db
def test_the_year_is_the_meeting_year_in_norwegian_time(body_x, secretary_a):
    # 23:30 on New Year's Eve in Oslo is already the new year in UTC – but not in Oslo.
    meeting = meeting_with_items(body_x, 1, datetime.datetime(2022, 12, 31, 23, 30, tzinfo=OSLO))
    meeting.send_notice(by=secretary_a)
    assert meeting.items.get().number == "01/22"


@pytest.mark.django_db
def test_bodies_number_independently(coop_a, secretary_a):
    board, council = make_body(coop_a, name="Styret"), make_body(coop_a, name="Rådet")
    for body in (board, council):
        meeting_with_items(body, 2).send_notice(by=secretary_a)
    assert sorted(AgendaItem.objects.values_list("body__name", "sequence")) == [
        ("Rådet", 1),
        ("Rådet", 2),
        ("Styret", 1),
        ("Styret", 2),
    ]


@pytest.mark.django_db
def test_bodies_that_number_plainly_count_from_one_at_every_meeting(coop_a, secretary_a):
    group = make_body(coop_a, name="Faggruppe for næringssamarbeid", numbering="per_meeting")
    for _ in range(2):
        meeting = meeting_with_items(group, 3)
        meeting.send_notice(by=secretary_a)
        assert [i.number for i in meeting.items.all()] == ["1", "2", "3"]
        assert meeting.items.first().number_label == "1."


@pytest.mark.django_db
def test_sending_the_notice_records_the_numbers_in_the_log(body_x, secretary_a):
    meeting = meeting_with_items(body_x, 2)
    meeting.send_notice(by=secretary_a)
    assert meeting.events.filter(kind="numbers_assigned").get().note == "01/22, 02/22"


@pytest.mark.django_db
def test_a_duplicate_number_is_refused_by_the_database(body_x, secretary_a):
    meeting = meeting_with_items(body_x, 1)
    meeting.send_notice(by=secretary_a)
    other = meeting_with_items(body_x, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        other.items.update(year=2022, sequence=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_notices_sent_at_the_same_moment_number_gap_free_and_unique(coop_a):
    body = make_body(coop_a, name="Representantskapet")
    secretaries = [make_secretary(coop_a, f"sekretar{n}") for n in range(20)]
    meetings = [meeting_with_items(body, 3) for _ in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    def send(meeting, secretary):
        try:
            barrier.wait(timeout=30)
            Meeting.objects.get(pk=meeting.pk).send_notice(by=secretary)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(meetings, secretaries, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert errors == []
    numbers = sorted(AgendaItem.objects.filter(body=body).values_list("sequence", flat=True))
    assert numbers == list(range(1, 61))
    for meeting in meetings:
        sequences = [i.sequence for i in meeting.items.order_by("position")]
        assert sequences == list(range(sequences[0], sequences[0] + 3)), "one meeting, one run"
