"""Queries compiled once per process (meetings/compiled.py) give what the ORM gives."""

import datetime
import itertools
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import timezone

from cases.models import Case
from meetings.compiled import Compiled, number_marker
from meetings.filters import DecisionFilter, MeetingFilter
from meetings.models import UNDER_WAY, Meeting
from meetings.pagination import CompiledPages, keyset_page
from meetings.views.public import (
    BODY_KEY,
    CASE_KEY,
    DECISION_PAGES,
    DECISION_ROWS,
    MEETING_KEY,
    MEETING_PAGES,
    MEETING_ROWS,
    PUBLISHED_STAMPS,
    UPCOMING_STAMPS,
)
from tests.factories import (
    OSLO,
    bring_to,
    make_body,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_organisation,
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


# The archive lists: one compiled query per shape of request (pagination.CompiledPages).


@pytest.fixture
def archive(coop_a, body_x, secretary_a):
    """Published meetings of two bodies over two years, several on the same day (ties on the
    date), with items of two kinds and outcomes; body_x has a member from an organisation."""
    other = make_body(coop_a, name="Representantskapet")
    oslo = make_organisation(coop_a, name="Oslo kommune")
    make_membership(body_x, make_person(coop_a, name="Kari Nordmann"), on_behalf_of=oslo)
    for n in range(14):
        body = body_x if n % 3 else other
        start = datetime.datetime(2021 + n % 2, 3, 1 + n // 4, 10, tzinfo=OSLO)
        meeting = make_meeting(body, start=start)
        make_item(meeting, title=f"Sak {n}", decision="Vedtatt.", outcome="adopted")
        make_item(meeting, title=f"Orientering {n}", kind="orientation", outcome="noted")
        bring_to(meeting, State.PUBLISHED, secretary_a)
    return {
        "organ": body_x.pk,
        "aar": 2022,
        "type": "decision",
        "utfall": "adopted",
        "organisasjon": oslo.pk,
    }


def shapes(names):
    """Every combination of the given filters."""
    return [dict(c) for r in range(len(names) + 1) for c in itertools.combinations(names, r)]


@pytest.mark.parametrize(
    ("pages", "filter_class", "rows"),
    [
        (MEETING_PAGES, MeetingFilter, MEETING_ROWS),
        (DECISION_PAGES, DecisionFilter, DECISION_ROWS),
    ],
    ids=["meetings", "decisions"],
)
def test_every_shape_of_an_archive_page_gives_what_the_orm_gives(
    archive, pages, filter_class, rows
):
    small = CompiledPages(pages.build, date_field=pages.date_field, size=3)
    names = [name for name in archive if name in filter_class.base_filters]
    compared = 0
    for chosen in shapes([(name, archive[name]) for name in names]):
        for order in ("nyeste", "eldste"):
            filterset = filter_class(QueryDict(urlencode({**chosen, "rekkefolge": order})))
            assert filterset.is_valid(), filterset.errors
            newest_first = filterset.newest_first

            def expected(filterset=filterset, newest_first=newest_first, **cursor):
                queryset = filterset.qs.values(*rows)
                return keyset_page(
                    queryset,
                    date_field=pages.date_field,
                    newest_first=newest_first,
                    size=3,
                    **cursor,
                )

            first = expected()
            assert small.page(filterset.parameters(), newest_first=newest_first) == first
            if first.next_cursor:
                cursor = {"after": first.next_cursor}
                assert small.page(
                    filterset.parameters(), newest_first=newest_first, **cursor
                ) == expected(**cursor)
                after = expected(**cursor)
                back = {"before": after.previous_cursor}
                assert (
                    small.page(filterset.parameters(), newest_first=newest_first, **back)
                    == expected(**back)
                    == first
                )
                compared += 1
    # Each filter alone (and none) leaves more than a page, in both orders.
    assert compared >= 2 * (len(names) + 1)


def test_a_year_is_its_two_moments_and_a_body_its_id(archive, body_x):
    filterset = MeetingFilter(QueryDict(f"organ={body_x.pk}&aar=2022&rekkefolge=eldste"))
    assert filterset.is_valid()
    assert filterset.parameters() == {
        "organ": body_x.pk,
        "aar_start": datetime.datetime(2022, 1, 1, tzinfo=timezone.get_current_timezone()),
        "aar_end": datetime.datetime(2023, 1, 1, tzinfo=timezone.get_current_timezone()),
    }
    assert not filterset.newest_first


def test_an_archive_page_without_filters_builds_no_form(client, archive, monkeypatch):
    # The form is kept for a minute: the first request renders it, the next need no form.
    cursor = client.get("/moter/").context["page"].next_cursor
    built = []
    monkeypatch.setattr(MeetingFilter, "__init__", lambda *args, **kwargs: built.append(args))
    assert client.get("/moter/").status_code == 200
    assert client.get(f"/moter/?etter={cursor}").status_code == 200
    assert built == []
    # A filter named is checked, by the form.
    monkeypatch.undo()
    assert "ble ikke forstått" in client.get("/moter/?aar=tjue").text
