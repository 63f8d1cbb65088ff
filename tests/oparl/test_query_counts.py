"""Every list page and object costs the same number of queries for 1 and for 25 rows."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile

from cases.models import Attachment
from meetings.models import Meeting
from tests.factories import (
    OSLO,
    make_attendance,
    make_body,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_organisation,
    make_person,
)
from tests.oparl.documents import store_minutes, store_notice

API = "http://moter.example.no/oparl/v1/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(coop_a, body_x, settings, tmp_path):
    """`rows` of everything: bodies, organisations, people, meetings, cases, attachments."""

    def build(rows: int) -> dict:
        settings.MEDIA_ROOT = tmp_path
        start = datetime.datetime(2024, 1, 1, 10, tzinfo=OSLO)
        related = make_case(coop_a, title="Tidligere sak")
        meeting = None
        for n in range(rows):
            make_body(coop_a, name=f"Arbeidsgruppe {n}", kind="working_group", parent=body_x)
            organisation = make_organisation(coop_a)
            person = make_person(coop_a)
            make_membership(body_x, person, on_behalf_of=organisation)
            case = make_case(coop_a)
            case.references.add(related)
            attachment = Attachment(case=case, title=f"Vedlegg {n}", size=1)
            attachment.file.save(f"vedlegg-{n}.txt", ContentFile(b"x"), save=True)
            # Published as the archive import does it: the state methods cost time, not queries.
            meeting = make_meeting(
                body_x,
                start=start + datetime.timedelta(days=n),
                state=Meeting.State.PUBLISHED,
                notice_sent_at=start,
                published_at=start + datetime.timedelta(days=n + 7),
            )
            make_item(meeting, case=case, decision="Vedtatt.", outcome="adopted")
            make_item(meeting, case=related, decision="Tatt til orientering.", outcome="noted")
            make_attendance(meeting, person)
            store_minutes(meeting)
            store_minutes(meeting, b"%PDF rettet")  # a correction: the latest version counts
            store_notice(meeting)
            store_notice(meeting, b"%PDF tilleggsinnkalling")  # a supplementary notice
            # The members' version, of a higher version number: never shown, never queried.
            for version in range(3):
                store_notice(meeting, b"%%PDF medlemmer %d" % version, audience="members")
        return {"coop": coop_a.pk, "body": body_x.pk, "meeting": meeting.pk, "case": related.pk}

    return build


# List -> queries, with what they are.
LISTS = {
    # 1 the cooperations, with the start of their first public meeting
    "bodies": 1,
    # 1 the cooperation; 2 the bodies, 3 their memberships; 4 the member organisations
    "body/{coop}/organizations": 4,
    # 1 the cooperation; 2 the people, 3 their memberships
    "body/{coop}/people": 3,
    # 1 the cooperation; 2 the memberships
    "body/{coop}/memberships": 2,
    # 1 the cooperation; 2 the meetings with body, 3 their items with cases, 4 participants,
    # 5 their minutes PDFs' latest versions with checksums, 6 their public notice PDFs' latest
    # versions with checksums
    "body/{coop}/meetings": 6,
    # 1 the cooperation; 2 the meetings with a place
    "body/{coop}/locations": 2,
    # 1 the cooperation; 2 the items with meeting and case
    "body/{coop}/agenda-items": 2,
    # 1 the cooperation; 2 the items with a case, with meeting and case
    "body/{coop}/consultations": 2,
    # 1 the cooperation; 2 the cases with cooperation, 3 their treatments, 4 their files,
    # 5 the public cases they refer to
    "body/{coop}/papers": 5,
    # 1 the cooperation; 2 the case documents; 3 the attachments with case and checksum;
    # 4 the meetings with published minutes PDFs, with body, 5 the PDFs' latest versions;
    # 6 the meetings with public notice PDFs, with body, 7 the PDFs' latest versions
    "body/{coop}/files": 7,
    # 1 the cooperation with the start of its first public meeting (terms are derived)
    "body/{coop}/legislative-terms": 1,
    # 1 the body exists; 2 its meetings, 3 their items, 4 participants, 5 minutes PDFs,
    # 6 notice PDFs
    "organization/{body}/meetings": 6,
    # 1 the body exists; 2 its items with a case
    "organization/{body}/consultations": 2,
}
# Object -> queries: the object and what it embeds.
OBJECTS = {
    # 1 the meeting with body, 2 its items with cases, 3 who attended, 4 its minutes PDF,
    # 5 its notice PDF
    "meeting/{meeting}": 5,
    # 1 the meeting with body, 2 the latest version of its minutes PDF with checksum
    "file/minutes/{meeting}": 2,
    # 1 the meeting with body, 2 the latest public version of its notice PDF with checksum
    "file/notice/{meeting}": 2,
    # 1 the case, 2 its treatments, 3 its files, 4 the cases it refers to
    "paper/{case}": 4,
    # 1 the body, 2 its memberships
    "organization/{body}": 2,
    # 1 the cooperation with the start of its first public meeting
    "body/{coop}": 1,
}


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize(("path", "queries"), LISTS.items())
def test_a_list_page_costs_the_same_queries_for_one_and_many_rows(
    api, world, django_assert_num_queries, rows, path, queries
):
    ids = world(rows)
    with django_assert_num_queries(queries):
        response = api.get(API + path.format(**ids))
    assert response.status_code == 200
    assert response.json()["data"]


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize("path", ["body/{coop}/meetings", "body/{coop}/files"])
def test_modified_since_adds_one_query_for_the_withdrawn(
    api, world, django_assert_num_queries, rows, path
):
    ids = world(rows)
    with django_assert_num_queries(LISTS[path] + 1):
        api.get(API + path.format(**ids), {"modified_since": "2020-01-01T00:00:00+01:00"})


# A list of meetings kept as JSON (lists.list_page) -> queries: 1 the owner exists; 2 the
# meetings with the stamps of all they show; (3 the withdrawn ones, with modified_since).
KEPT = {"body/{coop}/meetings": 2, "organization/{body}/meetings": 2}


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize("since", [False, True])
@pytest.mark.parametrize(("path", "queries"), KEPT.items())
def test_a_kept_list_page_costs_the_same_queries_for_one_and_many_rows(
    api, world, django_assert_num_queries, rows, since, path, queries
):
    ids = world(rows)
    params = {"modified_since": "2020-01-01T00:00:00+01:00"} if since else {}
    first = api.get(API + path.format(**ids), params).content
    with django_assert_num_queries(queries + since):
        assert api.get(API + path.format(**ids), params).content == first


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize(("path", "queries"), OBJECTS.items())
def test_an_object_costs_the_same_queries_however_much_it_embeds(
    api, world, django_assert_num_queries, rows, path, queries
):
    ids = world(rows)
    with django_assert_num_queries(queries):
        response = api.get(API + path.format(**ids))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 25])
def test_the_paper_of_many_treatments_costs_the_same(api, world, django_assert_num_queries, rows):
    ids = world(rows)  # the related case is treated at every meeting
    with django_assert_num_queries(OBJECTS["paper/{case}"]):
        paper = api.get(API + f"paper/{ids['case']}").json()
    assert len(paper["consultation"]) == rows


@pytest.mark.parametrize("rows", [1, 25])
def test_every_meeting_of_a_page_embeds_its_notice_and_minutes_pdfs_for_the_same_queries(
    api, world, django_assert_num_queries, rows
):
    ids = world(rows)
    with django_assert_num_queries(LISTS["body/{coop}/meetings"]):
        meetings = api.get(API + "body/{coop}/meetings".format(**ids)).json()["data"]
    assert len(meetings) == rows
    assert all(m["resultsProtocol"]["fileName"].endswith("-v2.pdf") for m in meetings)
    # The latest public version of the notice, never the members' (v3).
    assert all(m["invitation"]["fileName"].endswith("-v2.pdf") for m in meetings)
    assert not [m for m in meetings if "medlemmer" in m["invitation"]["fileName"]]
