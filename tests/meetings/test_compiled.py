"""Queries compiled once per process (meetings/compiled.py) give what the ORM gives."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from meetings.compiled import Compiled, number_marker
from meetings.models import UNDER_WAY, Meeting
from meetings.views.public import (
    BODY_KEY,
    CASE_KEY,
    MEETING_KEY,
    PUBLISHED_STAMPS,
    UPCOMING_STAMPS,
)
from tests.factories import (
    OSLO,
    bring_to,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_person,
)

State = Meeting.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def now(coop_a, body_x, secretary_a):
    """Published meetings with cases, one exempt; meetings ahead, one under way; the time
    they were made at."""
    now = timezone.now()
    for day, title in ((3, "Regional plan"), (10, "Budsjett 2025")):
        meeting = make_meeting(body_x, start=datetime.datetime(2024, 3, day, 10, tzinfo=OSLO))
        make_item(meeting, case=make_case(coop_a, title=title))
        bring_to(meeting, State.PUBLISHED, secretary_a)
    exempt = make_case(
        coop_a,
        title="Ansettelse",
        public_title="Tilsetting",
        is_exempt=True,
        exemption_basis="§ 25",
    )
    ahead = make_meeting(body_x, start=now + datetime.timedelta(days=4))
    make_item(ahead, case=exempt)
    bring_to(ahead, State.NOTICE_SENT, secretary_a)
    under_way = make_meeting(body_x, start=now - datetime.timedelta(hours=2))
    bring_to(under_way, State.NOTICE_SENT, secretary_a)
    return now


def test_the_home_page_lists_compiled_give_what_the_orm_gives(now):
    for moment in (now, now + datetime.timedelta(days=1), now + UNDER_WAY):
        values = {"now": moment, "under_way": moment - UNDER_WAY}
        expected = list(UPCOMING_STAMPS.build(**values))
        assert UPCOMING_STAMPS.rows(**values) == expected
    assert len(UPCOMING_STAMPS.rows(now=now, under_way=now - UNDER_WAY)) == 2
    assert PUBLISHED_STAMPS.rows() == list(PUBLISHED_STAMPS.build())
    assert len(PUBLISHED_STAMPS.rows()) == 2


def test_the_case_key_compiled_gives_what_the_orm_gives(now):
    for case in Case.objects.values_list("year", "sequence"):
        values = {"cooperation": "osloregionen", "year": case[0], "sequence": case[1]}
        assert CASE_KEY.rows(**values) == list(CASE_KEY.build(**values))
    assert CASE_KEY.rows(cooperation="agder", year=case[0], sequence=case[1]) == []


@pytest.mark.parametrize(
    "url",
    [
        "/saker/osloregionen/99999-1/",
        "/saker/osloregionen/2020-99999999999/",
        "/saker/osloregionen/0-0/",
        f"/saker/osloregionen/2020-{2**64}/",
        f"/moter/{2**63}/",
        f"/moter/{2**64}/",
    ],
)
def test_a_number_out_of_any_range_is_not_found(client, now, url):
    assert client.get(url).status_code == 404


def test_every_value_is_asked_for(now):
    with pytest.raises(TypeError, match="needs"):
        UPCOMING_STAMPS.rows(now=now)


def test_a_query_whose_value_is_not_a_parameter_is_refused(now):
    # The ORM writes a slice's bounds into the SQL: no request could put its value there.
    first = Compiled(lambda n: Meeting.objects.values("pk")[:n], n=number_marker(0))
    with pytest.raises(RuntimeError, match="does not pass"):
        first.rows(n=3)


def test_the_body_key_compiled_gives_what_the_orm_gives(now, coop_a, body_x):
    make_membership(body_x, make_person(coop_a, name="Anne Solheim"))
    for today in (timezone.localdate(), datetime.date(2024, 3, 5), datetime.date(1990, 1, 1)):
        values = {"cooperation": "osloregionen", "slug": body_x.slug, "today": today}
        assert BODY_KEY.rows(**values) == list(BODY_KEY.build(**values))
        assert len(BODY_KEY.rows(**values)) == 1
    assert BODY_KEY.rows(cooperation="osloregionen", slug="ukjent", today=today) == []


def test_the_meeting_key_compiled_gives_what_the_orm_gives(now):
    for pk in [*Meeting.objects.values_list("pk", flat=True), 0, 2**40]:
        assert MEETING_KEY.rows(pk=pk) == list(MEETING_KEY.build(pk=pk))
    assert len(MEETING_KEY.rows(pk=Meeting.objects.first().pk)) == 1
