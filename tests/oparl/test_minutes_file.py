"""The published minutes PDF as an OParl File: the Meeting's `resultsProtocol`."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from meetings.documents import publish_minutes_document
from meetings.models import Meeting, MinutesDocument
from meetings.oparl.withdrawals import recording_withdrawals
from tests.factories import OSLO, bring_to, make_case, make_item, make_meeting
from tests.oparl.documents import store_minutes

API = "http://moter.example.no/oparl/v1/"
PORTAL = "http://moter.example.no/"
SCHEMA = "https://schema.oparl.org/1.1/"
State = Meeting.State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def meeting(body_x, coop_a):
    meeting = make_meeting(body_x, start=datetime.datetime(2020, 9, 11, 10, tzinfo=OSLO))
    make_item(meeting, case=make_case(coop_a), decision="Vedtatt.", outcome="adopted")
    return meeting


def get(api, path: str, **params) -> dict:
    response = api.get(API + path, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_published_minutes_have_their_pdf_as_results_protocol(
    api, schemas, meeting, secretary_a, body_x
):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    document = store_minutes(meeting, b"%PDF-1.7 referatet")

    data = get(api, f"meeting/{meeting.pk}")

    protocol = data["resultsProtocol"]
    download = PORTAL + f"moter/{meeting.pk}/referat.pdf"
    assert protocol["id"] == API + f"file/minutes/{meeting.pk}"
    assert protocol["type"] == SCHEMA + "File"
    assert protocol["name"] == f"Referat fra møte i {body_x.name} 11. september 2020"
    assert protocol["fileName"] == document.download_name
    assert protocol["mimeType"] == "application/pdf"
    assert protocol["size"] == len(b"%PDF-1.7 referatet")
    assert protocol["moteportal:sha256Checksum"] == document.sha256
    assert protocol["accessUrl"] == protocol["downloadUrl"] == download
    assert protocol["meeting"] == [API + f"meeting/{meeting.pk}"]
    assert protocol["date"] == timezone.localdate(document.created).isoformat()
    schemas.validate(data)
    # The embedded File is the File its own URL answers, and the portal serves its bytes.
    assert get(api, f"file/minutes/{meeting.pk}") == protocol
    response = api.get(protocol["downloadUrl"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 referatet"


def test_the_file_is_the_latest_version_created_with_the_first(api, meeting, secretary_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    first = store_minutes(meeting, b"%PDF v1")
    MinutesDocument.objects.filter(pk=first.pk).update(
        created=timezone.now() - datetime.timedelta(days=3)
    )
    second = store_minutes(meeting, b"%PDF versjon 2")

    protocol = get(api, f"file/minutes/{meeting.pk}")

    assert protocol["fileName"].endswith("-v2.pdf")
    assert protocol["size"] == second.size
    assert protocol["moteportal:sha256Checksum"] == second.sha256
    first.refresh_from_db()
    assert datetime.datetime.fromisoformat(protocol["created"]) == first.created.replace(
        microsecond=0
    )
    assert protocol["modified"] >= protocol["created"]


@pytest.mark.parametrize("state", [State.NOTICE_SENT, State.HELD, State.APPROVED])
def test_minutes_not_yet_published_have_no_file_even_when_a_pdf_is_stored(
    api, meeting, secretary_a, coop_a, state
):
    bring_to(meeting, state, secretary_a)
    store_minutes(meeting)  # as if stored too early: the API must still not show it

    assert "resultsProtocol" not in get(api, f"meeting/{meeting.pk}")
    assert api.get(API + f"file/minutes/{meeting.pk}").status_code == 404
    files = get(api, f"body/{coop_a.pk}/files")["data"]
    assert not [f for f in files if "/file/minutes/" in f["id"]]


def test_published_minutes_without_a_stored_pdf_have_no_file(api, meeting, secretary_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    assert "resultsProtocol" not in get(api, f"meeting/{meeting.pk}")
    assert api.get(API + f"file/minutes/{meeting.pk}").status_code == 404


def test_the_sha512_checksum_appears_once_computed(api, meeting, secretary_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    store_minutes(meeting, b"%PDF-1.7 referatet")
    assert "sha512Checksum" not in get(api, f"file/minutes/{meeting.pk}")

    call_command("oparl_checksums", stdout=io.StringIO())

    expected = hashlib.sha512(b"%PDF-1.7 referatet").hexdigest()
    assert get(api, f"file/minutes/{meeting.pk}")["sha512Checksum"] == expected
    assert get(api, f"meeting/{meeting.pk}")["resultsProtocol"]["sha512Checksum"] == expected
    # A new version has no checksum until the command runs again: never the old one.
    store_minutes(meeting, b"%PDF-1.7 rettet")
    assert "sha512Checksum" not in get(api, f"file/minutes/{meeting.pk}")


def test_the_files_list_has_the_minutes_after_the_case_documents_and_attachments(
    api, schemas, meeting, secretary_a, coop_a
):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    store_minutes(meeting)

    files = get(api, f"body/{coop_a.pk}/files")["data"]

    assert [f["id"] for f in files][-1] == API + f"file/minutes/{meeting.pk}"
    for file in files:
        schemas.validate(file)


def test_a_new_version_makes_the_meeting_and_its_file_modified(api, meeting, secretary_a, coop_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    store_minutes(meeting, b"%PDF v1")
    since = timezone.now().isoformat()
    assert get(api, f"body/{coop_a.pk}/files", modified_since=since)["data"] == []

    store_minutes(meeting, b"%PDF v2")

    files = get(api, f"body/{coop_a.pk}/files", modified_since=since)["data"]
    assert [f["id"] for f in files] == [API + f"file/minutes/{meeting.pk}"]
    meetings = get(api, f"body/{coop_a.pk}/meetings", modified_since=since)["data"]
    assert [m["id"] for m in meetings] == [API + f"meeting/{meeting.pk}"]
    assert meetings[0]["resultsProtocol"]["modified"] <= meetings[0]["modified"]


def test_a_deleted_meeting_leaves_its_minutes_file_as_deleted(api, schemas, meeting, secretary_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    store_minutes(meeting)
    pk, cooperation = meeting.pk, meeting.body.cooperation_id
    since = timezone.now().isoformat()

    with transaction.atomic(), recording_withdrawals(meeting):
        meeting.delete()

    file = get(api, f"file/minutes/{pk}")
    assert file["deleted"] is True
    assert file["accessUrl"] == PORTAL + f"moter/{pk}/referat.pdf"
    schemas.validate(file)
    # (The case document goes too: its case was on no other public agenda.)
    listed = get(api, f"body/{cooperation}/files", modified_since=since)["data"]
    assert API + f"file/minutes/{pk}" in [f["id"] for f in listed if f.get("deleted")]


def test_omit_internal_leaves_the_results_protocol_out(api, meeting, secretary_a, coop_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    store_minutes(meeting)
    assert "resultsProtocol" in get(api, f"body/{coop_a.pk}/meetings")["data"][0]
    bare = get(api, f"body/{coop_a.pk}/meetings", omit_internal="true")["data"][0]
    assert "resultsProtocol" not in bare


def test_the_file_describes_the_pdf_the_portal_really_serves(api, schemas, meeting, secretary_a):
    """One real render (WeasyPrint, a second or two): the name, size and checksum agree."""
    bring_to(meeting, State.PUBLISHED, secretary_a)
    document = publish_minutes_document(meeting)
    call_command("oparl_checksums", stdout=io.StringIO())

    protocol = get(api, f"file/minutes/{meeting.pk}")

    response = api.get(protocol["downloadUrl"])
    content = b"".join(response.streaming_content)
    assert protocol["fileName"] in response["Content-Disposition"]
    assert protocol["fileName"] == document.download_name
    assert protocol["size"] == len(content)
    assert protocol["moteportal:sha256Checksum"] == hashlib.sha256(content).hexdigest()
    assert protocol["sha512Checksum"] == hashlib.sha512(content).hexdigest()
    schemas.validate(protocol)
