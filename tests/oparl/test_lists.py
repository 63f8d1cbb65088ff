"""External lists: stable keyset pages both ways, omit_internal, derived legislative terms."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from meetings.models import Meeting
from meetings.oparl.published import election_year
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

API = "http://moter.example.no/oparl/v1/"

pytestmark = pytest.mark.django_db


def walk(api, url: str, direction: str) -> list[list[str]]:
    """The ids on each page, following `next` (or `prev`) until there is none."""
    pages = []
    while url:
        page = api.get(url).json()
        pages.append([obj["id"] for obj in page["data"]])
        url = page["links"].get(direction)
    return pages


@pytest.fixture
def organizations(coop_a, body_x):
    """Five bodies and four member organisations: one list of two tables."""
    for n in range(4):
        make_body(coop_a, name=f"Faggruppe {n}")
        make_organisation(coop_a, name=f"Kommune {n}")
    bodies = [
        API + f"organization/{pk}"
        for pk in coop_a.bodies.order_by("pk").values_list("pk", flat=True)
    ]
    members = [
        API + f"organization/member/{pk}"
        for pk in coop_a.organisations.order_by("pk").values_list("pk", flat=True)
    ]
    return bodies + members


def test_next_links_walk_every_entry_once_in_a_stable_order(api, coop_a, organizations):
    pages = walk(api, f"{API}body/{coop_a.pk}/organizations?limit=2", "next")
    assert [len(page) for page in pages] == [2, 2, 2, 2, 1]
    assert sum(pages, []) == organizations


def test_prev_links_walk_back_from_the_last_page_to_the_first(api, coop_a, organizations):
    pages = walk(api, f"{API}body/{coop_a.pk}/organizations?limit=2&before=end", "prev")
    assert pages[0] == organizations[-2:]
    assert sorted(set(sum(pages, [])), key=organizations.index) == organizations
    # Every page but the last is full, so walking back ends on the first page itself (which
    # may overlap the page after it).
    assert pages[-1] == organizations[:2]
    assert all(len(page) == 2 for page in pages)


def test_a_list_of_one_page_has_no_next_and_no_prev(api, coop_a, organizations):
    links = api.get(f"{API}body/{coop_a.pk}/organizations").json()["links"]
    assert set(links) == {"first", "self", "last"}


def test_an_entry_added_while_a_client_pages_is_not_shown_twice(api, coop_a, organizations):
    first = api.get(f"{API}body/{coop_a.pk}/organizations?limit=3").json()
    make_body(coop_a, name="Ny gruppe")
    rest = walk(api, first["links"]["next"], "next")
    seen = [obj["id"] for obj in first["data"]] + sum(rest, [])
    assert len(seen) == len(set(seen)) == len(organizations) + 1


def test_omit_internal_leaves_the_embedded_objects_out(api, schemas, coop_a, body_x, secretary_a):
    case = make_case(coop_a)
    meeting = make_meeting(body_x)
    make_item(meeting, case=case)
    bring_to(meeting, Meeting.State.PUBLISHED, secretary_a)
    make_membership(body_x, make_person(coop_a))
    for path, embedded in [
        ("meetings", {"agendaItem", "location"}),
        ("papers", {"consultation", "mainFile", "auxiliaryFile"}),
        ("people", {"membership"}),
    ]:
        full = api.get(f"{API}body/{coop_a.pk}/{path}").json()["data"][0]
        bare = api.get(f"{API}body/{coop_a.pk}/{path}?omit_internal=true").json()["data"][0]
        assert embedded & set(full), path
        assert not embedded & set(bare), path
        schemas.validate(bare)
    assert (
        "agendaItem" in api.get(f"{API}body/{coop_a.pk}/meetings?omit_internal=0").json()["data"][0]
    )


def test_list_pages_embed_items_and_case_documents_without_their_long_texts(
    api, schemas, coop_a, body_x, secretary_a
):
    minutes = "Sekretariatet orienterte om saken. " * 3000  # ~100 KB per item
    decision = "Styret slutter seg til forslaget. " * 300  # ~10 KB
    meeting = make_meeting(body_x)
    for _ in range(3):
        case = make_case(coop_a, background="Bakgrunn for saken. " * 3000)
        make_item(meeting, case=case, minutes_text=minutes, decision=decision, outcome="adopted")
    bring_to(meeting, Meeting.State.PUBLISHED, secretary_a)
    texts = {"resolutionText", "moteportal:minutesText"}

    page = api.get(f"{API}body/{coop_a.pk}/meetings")
    detail = api.get(f"{API}meeting/{meeting.pk}")

    # Measured: the list page 2.4 KB; the meeting itself 348 KB, as the page was before.
    assert len(page.content) < 10_000 < 300_000 < len(detail.content)
    [listed] = page.json()["data"]
    schemas.validate(listed)
    assert [item["result"] for item in listed["agendaItem"]] == ["Vedtatt"] * 3
    assert not [item for item in listed["agendaItem"] if texts & set(item)]
    assert all(texts <= set(item) for item in detail.json()["agendaItem"])
    # The entries of a list are complete: the agenda items' own list has every text.
    items = api.get(f"{API}body/{coop_a.pk}/agenda-items").json()["data"]
    assert all(item["moteportal:minutesText"] == minutes for item in items)
    # Papers: the embedded case document leaves its text out on list pages only.
    papers = api.get(f"{API}body/{coop_a.pk}/papers")
    assert len(papers.content) < 20_000
    assert all("text" not in paper["mainFile"] for paper in papers.json()["data"])
    paper = api.get(papers.json()["data"][0]["id"]).json()
    assert "Bakgrunn for saken." in paper["mainFile"]["text"]


@pytest.mark.parametrize("state", [Meeting.State.NOTICE_SENT, Meeting.State.PUBLISHED])
def test_an_item_embedded_in_its_meeting_is_the_item_at_its_own_url(
    api, schemas, coop_a, body_x, secretary_a, state
):
    """A meeting's items are read apart from the items' own rows (a page embeds hundreds of
    them): the same JSON, order and stamps included, less the long texts on list pages."""
    meeting = make_meeting(body_x)
    exempt_case = make_case(
        coop_a, is_exempt=True, exemption_basis="Offl. § 14 første ledd", public_title="Sak"
    )
    case = make_case(coop_a)
    counted = {"vote": "counted", "votes_for": 5, "votes_against": 2}
    make_item(meeting, case=case, decision="Vedtatt.", outcome="adopted", position=3, **counted)
    make_item(meeting, case=exempt_case, decision="Unntatt.", outcome="adopted", position=1)
    make_item(meeting, title="Lukket", is_exempt=True, exemption_basis="Offl. § 13", position=1)
    make_item(meeting, title="Orienteringer", minutes_text="Orientert.", vote="unanimous")
    bring_to(meeting, state, secretary_a)
    # Stamps an hour apart (the API shows whole seconds): a case newer than its item and the
    # meeting, an item newer than the meeting, the meeting newer than the other items.
    later = timezone.now() + datetime.timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(modified=later)
    meeting.items.filter(title="Lukket").update(modified=later)

    own = {
        item["id"]: item for item in api.get(f"{API}body/{coop_a.pk}/agenda-items").json()["data"]
    }
    embedded = api.get(f"{API}meeting/{meeting.pk}").json()["agendaItem"]
    [listed] = api.get(f"{API}body/{coop_a.pk}/meetings").json()["data"]

    assert [item["order"] for item in embedded] == [1, 2, 3, 4]
    assert embedded == [own[item["id"]] for item in embedded]
    texts = {"resolutionText", "moteportal:minutesText"}
    brief = [{k: v for k, v in own[item["id"]].items() if k not in texts} for item in embedded]
    assert listed["agendaItem"] == brief
    schemas.validate(listed)
    if state == Meeting.State.PUBLISHED:
        # Withheld first (position 1, by id), then the counted vote, then the unanimous one.
        assert [item.get("result") for item in embedded] == [
            None,
            None,
            "Vedtatt – 5 for, 2 mot, 0 blanke",
            "enstemmig",
        ]
        assert "resolutionText" not in embedded[0]  # the exempt case's decision


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (datetime.date(2023, 9, 30), 2019),
        (datetime.date(2023, 10, 1), 2023),
        (datetime.date(2027, 12, 31), 2027),
        (datetime.date(2020, 6, 23), 2019),
    ],
)
def test_the_election_period_of_a_day_begins_on_1_october_every_fourth_year(day, year):
    assert election_year(day) == year


def test_legislative_terms_run_from_the_first_public_meeting_to_today(
    api, schemas, coop_a, body_x, secretary_a
):
    meeting = make_meeting(body_x, start=datetime.datetime(2020, 6, 23, 9, tzinfo=OSLO))
    bring_to(meeting, Meeting.State.NOTICE_SENT, secretary_a)
    expected = list(range(2019, election_year(timezone.localdate()) + 1, 4))

    body = api.get(f"{API}body/{coop_a.pk}").json()
    listed = api.get(f"{API}body/{coop_a.pk}/legislative-terms").json()

    assert [term["startDate"][:4] for term in body["legislativeTerm"]] == list(map(str, expected))
    assert listed["data"] == body["legislativeTerm"]
    term = api.get(f"{API}legislative-term/{coop_a.pk}/2019").json()
    schemas.validate(term)
    assert term["name"] == "Valgperioden 2019–2023"
    assert (term["startDate"], term["endDate"]) == ("2019-10-01", "2023-09-30")


def test_a_term_ends_the_day_before_the_next_begins(api, coop_a):
    terms = api.get(f"{API}body/{coop_a.pk}/legislative-terms").json()["data"]
    current = terms[-1]
    start = datetime.date.fromisoformat(current["startDate"])
    assert (start.month, start.day) == (10, 1)
    assert datetime.date.fromisoformat(current["endDate"]) == datetime.date(start.year + 4, 9, 30)


def test_the_api_root_leads_to_the_system(api):
    response = api.get(API)
    assert response.status_code == 302
    assert response["Location"].endswith("/oparl/v1/system")
