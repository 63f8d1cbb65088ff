"""The agenda builder: a case is found by searching, never picked from a list of them all, and
a move or removal answers with the agenda only."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from meetings.forms import AgendaCaseSearchForm
from meetings.models import Meeting
from tests.factories import OSLO, make_body, make_case

HTMX = {"HX-Request": "true"}
pytestmark = pytest.mark.django_db


@pytest.fixture
def as_secretary(client, secretary_a):
    client.force_login(secretary_a)
    # The first request of a session records when it was last active; the query counts
    # pinned below are those of the requests after it.
    client.get("/")
    return client


@pytest.fixture
def planned(body_x, secretary_a):
    return Meeting.plan(
        body=body_x,
        by=secretary_a,
        start=datetime.datetime(2026, 12, 10, 10, tzinfo=OSLO),
        place="Oslo rådhus",
    )


@pytest.fixture
def mandate(coop_a):
    return make_case(coop_a, year=2026, sequence=12, title="Revidert mandat for faggruppen")


def search(client, meeting, query, **headers):
    return client.get(
        f"/sekretariat/moter/{meeting.pk}/saker/sok/", {"case_query": query}, headers=headers
    )


def offered(response) -> list[str]:
    """The cases offered as radio buttons, by their reference."""
    ids = re.findall(r'<input type="radio" name="case" value="(\d+)"', response.text)
    return [Case.objects.get(pk=pk).reference for pk in ids]


def add(client, meeting, data, **headers):
    return client.post(
        f"/sekretariat/moter/{meeting.pk}/saker/ny/", {"kind": "decision", **data}, headers=headers
    )


# The search


@pytest.mark.parametrize("query", ["12/2026", "12/26", "2026/12", "sak 12/26", " 12 / 2026 "])
def test_a_case_is_found_by_its_number_as_people_write_it(as_secretary, planned, mandate, query):
    make_case(mandate.cooperation, year=2026, sequence=13, title="Budsjett")
    make_case(mandate.cooperation, year=2012, sequence=26, title="Eldre sak")
    response = search(as_secretary, planned, query, **HTMX)
    assert offered(response) == ["2026/12"]


def test_a_case_is_found_by_words_of_its_title_newest_first(as_secretary, planned, coop_a):
    make_case(coop_a, year=2025, sequence=4, title="Mandat for faggruppe for næringssamarbeid")
    make_case(coop_a, year=2026, sequence=2, title="Nytt mandat for faggruppen")
    make_case(coop_a, year=2026, sequence=3, title="Budsjett 2027")
    assert offered(search(as_secretary, planned, "MANDAT faggrupp", **HTMX)) == [
        "2026/2",
        "2025/4",
    ]


def test_the_search_leaves_out_cases_on_the_agenda_and_other_cooperations(
    as_secretary, planned, mandate, coop_b, secretary_a
):
    make_case(coop_b, year=2026, sequence=14, title="Revidert mandat i en annen region")
    other = make_case(mandate.cooperation, year=2026, sequence=15, title="Mandat på sakslisten")
    planned.add_item(by=secretary_a, case=other)
    assert offered(search(as_secretary, planned, "mandat", **HTMX)) == ["2026/12"]


def test_the_htmx_search_answers_with_a_short_list_only(as_secretary, planned, coop_a):
    limit = AgendaCaseSearchForm.MAX_MATCHES
    for sequence in range(1, limit + 3):
        make_case(coop_a, year=2026, sequence=sequence, title=f"Høringssak {sequence}")
    response = search(as_secretary, planned, "høringssak", **HTMX)
    assert "<html" not in response.text and 'id="case-matches"' in response.text
    assert len(offered(response)) == limit
    assert offered(response)[0] == f"2026/{limit + 2}"
    assert 'class="help"' in response.text, "it says that there are more"


def test_nothing_is_listed_for_an_empty_search_and_no_match_is_said(as_secretary, planned, mandate):
    empty = search(as_secretary, planned, "", **HTMX)
    assert offered(empty) == [] and "<p" not in empty.text
    nothing = search(as_secretary, planned, "vindkraft", **HTMX)
    assert offered(nothing) == [] and "<p" in nothing.text


def test_without_htmx_the_search_shows_the_workspace_with_the_matches(
    as_secretary, planned, mandate
):
    response = search(as_secretary, planned, "mandat")
    assert "<html" in response.text and 'id="agenda"' in response.text
    assert offered(response) == ["2026/12"]
    assert 'value="mandat"' in response.text


def test_the_search_costs_five_queries_however_many_cases(
    as_secretary, planned, coop_a, django_assert_num_queries
):
    for sequence in range(1, 31):
        make_case(coop_a, year=2026, sequence=sequence, title=f"Sak {sequence}")
    # session, user, staff check, the meeting, the matching cases (at most eleven)
    with django_assert_num_queries(5):
        search(as_secretary, planned, "sak", **HTMX)


# Adding without JavaScript: what was typed is looked up when the form is sent


def test_a_case_is_added_by_its_number_without_javascript(as_secretary, planned, mandate):
    response = add(as_secretary, planned, {"case_query": "12/2026"})
    assert response.status_code == 302
    assert planned.items.filter(case=mandate).exists()


def test_a_case_is_added_by_a_title_fragment_matching_it_alone(as_secretary, planned, mandate):
    make_case(mandate.cooperation, title="Budsjett 2027")
    assert add(as_secretary, planned, {"case_query": "revidert mandat"}).status_code == 302
    assert planned.items.filter(case=mandate).exists()


def test_no_match_is_explained_next_to_the_search_field(as_secretary, planned, mandate):
    response = add(as_secretary, planned, {"case_query": "vindkraft"})
    assert response.status_code == 422
    [error] = response.context["add_form"].errors["case_query"]
    assert "vindkraft" in error
    assert 'aria-invalid="true"' in response.text
    assert planned.items.count() == 2


def test_several_matches_are_explained_and_offered_to_choose_from(as_secretary, planned, mandate):
    budget = make_case(mandate.cooperation, year=2026, sequence=20, title="Mandat og budsjett")
    response = add(as_secretary, planned, {"case_query": "mandat"})
    assert response.status_code == 422
    assert response.context["add_form"].errors["case_query"]
    assert offered(response) == ["2026/20", "2026/12"]
    chosen = add(as_secretary, planned, {"case_query": "mandat", "case": budget.pk})
    assert chosen.status_code == 302
    assert planned.items.filter(case=budget).exists()


def test_a_search_and_a_new_title_together_are_one_too_many(as_secretary, planned, mandate):
    response = add(as_secretary, planned, {"case_query": "mandat", "new_title": "Ny sak"})
    assert response.status_code == 422 and "én av dem" in response.text
    assert not Case.objects.filter(title="Ny sak").exists()


def test_a_case_on_the_agenda_already_cannot_be_sent_again(as_secretary, planned, mandate):
    assert add(as_secretary, planned, {"case": mandate.pk}).status_code == 302
    again = add(as_secretary, planned, {"case": mandate.pk})
    assert again.status_code == 422
    assert planned.items.filter(case=mandate).count() == 1


# HTMX answers


def test_an_htmx_add_answers_with_an_empty_form_and_the_agenda_out_of_band(
    as_secretary, planned, mandate
):
    response = add(as_secretary, planned, {"case": mandate.pk, "case_query": "mandat"}, **HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="agenda-add"')
    assert re.search(r'<section id="agenda"[^>]*hx-swap-oob="true"', response.text)
    assert "Revidert mandat for faggruppen" in response.text
    assert 'value="mandat"' not in response.text, "the search field is emptied"


def test_an_invalid_htmx_add_answers_with_the_form_only(as_secretary, planned):
    response = add(as_secretary, planned, {"case_query": "vindkraft"}, **HTMX)
    assert response.status_code == 422
    assert 'id="agenda-add"' in response.text and 'id="agenda"' not in response.text


def test_a_move_answers_with_the_agenda_only_and_never_reads_the_cases(
    as_secretary, planned, coop_a, secretary_a
):
    for sequence in range(1, 31):
        make_case(coop_a, year=2026, sequence=sequence, title=f"Sak {sequence}")
    first, second = planned.items.order_by("position")
    url = f"/sekretariat/moter/{planned.pk}/saker/{second.pk}/flytt-opp/"
    with CaptureQueriesContext(connection) as queries:
        response = as_secretary.post(url, headers=HTMX)
    assert response.text.lstrip().startswith('<section id="agenda"')
    assert 'id="agenda-add"' not in response.text and 'name="case_query"' not in response.text
    assert not [q for q in queries if 'FROM "cases_case"' in q["sql"]]
    assert list(planned.items.order_by("position")) == [second, first]


@pytest.mark.parametrize("cases", [1, 40])
def test_a_move_costs_the_same_queries_however_many_cases_the_cooperation_has(
    as_secretary, coop_a, secretary_a, django_assert_num_queries, cases
):
    group = make_body(coop_a, name="Faggruppe")
    meeting = Meeting.plan(
        body=group, by=secretary_a, start=datetime.datetime(2026, 12, 1, 10, tzinfo=OSLO), place="X"
    )
    for sequence in range(1, cases + 1):
        case = make_case(coop_a, year=2026, sequence=sequence, title=f"Sak {sequence}")
        if sequence <= 3:
            meeting.add_item(by=secretary_a, case=case)
    item = meeting.items.order_by("position").last()
    url = f"/sekretariat/moter/{meeting.pk}/saker/{item.pk}/flytt-opp/"
    # session, user, staff check, the meeting, the item, then the move (savepoint, the
    # meeting's items locked, two position updates, release) and the agenda's items with
    # their cases: no list of the cooperation's cases
    with django_assert_num_queries(11):
        as_secretary.post(url, headers=HTMX)


def test_a_removal_answers_with_the_agenda_only(as_secretary, planned):
    item = planned.items.first()
    response = as_secretary.post(
        f"/sekretariat/moter/{planned.pk}/saker/{item.pk}/fjern/", headers=HTMX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="agenda"')
    assert 'id="agenda-add"' not in response.text


def test_the_workspace_lists_no_cases_until_searched(as_secretary, planned, mandate):
    page = as_secretary.get(f"/sekretariat/moter/{planned.pk}/").text
    assert "Revidert mandat" not in page and 'name="case"' not in page
    assert re.search(r'<input type="search" name="case_query"[^>]*hx-get="[^"]*/saker/sok/"', page)
