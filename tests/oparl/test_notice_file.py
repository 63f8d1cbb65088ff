"""The notice PDF as an OParl File: the Meeting's `invitation`, the public version only.

The members' version of the notice holds what is exempt from public access (full titles,
exempt case documents): nothing of it — not its bytes, size, checksums, file name or the
moment it was stored — may ever show in the API.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from meetings.documents import NoticeDocument, publish_notice_documents
from meetings.models import Meeting
from meetings.oparl.models import NoticeChecksum, Tombstone
from meetings.oparl.withdrawals import recording_withdrawals
from tests.factories import OSLO, bring_to, make_case, make_item, make_meeting
from tests.oparl.documents import store_minutes, store_notice

API = "http://moter.example.no/oparl/v1/"
PORTAL = "http://moter.example.no/"
SCHEMA = "https://schema.oparl.org/1.1/"
State = Meeting.State
MEMBERS = NoticeDocument.Audience.MEMBERS
PUBLIC_PDF = b"%PDF-1.7 innkalling, offentlig versjon"
MEMBERS_PDF = b"%PDF-1.7 innkalling, medlemmenes versjon: Personalsak Ola Hemmelig"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def meeting(body_x, coop_a):
    meeting = make_meeting(body_x, start=datetime.datetime(2020, 9, 11, 10, tzinfo=OSLO))
    make_item(meeting, case=make_case(coop_a), decision="Vedtatt.", outcome="adopted")
    make_item(
        meeting,
        title="Personalsak: Ola Hemmelig",
        public_title="Personalsak",
        is_exempt=True,
        exemption_basis="Offl. § 25",
    )
    return meeting


def get(api, path: str, **params) -> dict:
    response = api.get(API + path, params)
    assert response.status_code == 200, response.content
    return response.json()


def everything_about(api, meeting: Meeting) -> str:
    """The meeting, its notice File, and the lists that show them, as one text."""
    cooperation = meeting.body.cooperation_id
    since = {"modified_since": "2000-01-01T00:00:00+01:00"}
    answers = [
        api.get(API + f"meeting/{meeting.pk}").json(),
        api.get(API + f"file/notice/{meeting.pk}").json(),
        get(api, f"body/{cooperation}/meetings"),
        get(api, f"body/{cooperation}/meetings", **since),
        get(api, f"organization/{meeting.body_id}/meetings"),
        get(api, f"body/{cooperation}/files"),
        get(api, f"body/{cooperation}/files", **since),
    ]
    return json.dumps(answers, ensure_ascii=False)


def assert_nothing_of(members: NoticeDocument, text: str) -> None:
    with members.file.open("rb") as handle:
        content = handle.read()
    assert members.sha256 not in text
    assert hashlib.sha512(content).hexdigest() not in text
    assert members.download_name not in text
    assert "medlemmer" not in text
    assert f"notices/{members.meeting_id}/members" not in text
    assert reverse("meetings:notice_pdf_members", args=[members.meeting_id]) not in text


def test_a_sent_notice_has_its_public_pdf_as_invitation(api, schemas, meeting, secretary_a, body_x):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    document = store_notice(meeting, PUBLIC_PDF)

    data = get(api, f"meeting/{meeting.pk}")

    invitation = data["invitation"]
    download = PORTAL + f"moter/{meeting.pk}/innkalling.pdf"
    assert invitation["id"] == API + f"file/notice/{meeting.pk}"
    assert invitation["type"] == SCHEMA + "File"
    assert invitation["name"] == f"Innkalling til møte i {body_x.name} 11. september 2020"
    assert invitation["fileName"] == document.download_name
    assert invitation["fileName"].startswith("innkalling-")
    assert invitation["mimeType"] == "application/pdf"
    assert invitation["size"] == len(PUBLIC_PDF)
    assert invitation["moteportal:sha256Checksum"] == document.sha256
    assert invitation["accessUrl"] == invitation["downloadUrl"] == download
    assert invitation["meeting"] == [API + f"meeting/{meeting.pk}"]
    assert invitation["date"] == timezone.localdate(document.created).isoformat()
    assert "resultsProtocol" not in data  # the minutes are not published yet
    schemas.validate(data)
    # The embedded File is the File its own URL answers, and the portal serves its bytes.
    assert get(api, f"file/notice/{meeting.pk}") == invitation
    response = api.get(invitation["downloadUrl"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PUBLIC_PDF


def test_a_meeting_with_only_the_members_version_has_no_invitation(
    api, meeting, secretary_a, coop_a
):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    before = get(api, f"meeting/{meeting.pk}")
    members = store_notice(meeting, MEMBERS_PDF, audience=MEMBERS)
    call_command("oparl_checksums", stdout=io.StringIO())

    data = get(api, f"meeting/{meeting.pk}")

    assert "invitation" not in data
    assert api.get(API + f"file/notice/{meeting.pk}").status_code == 404
    files = get(api, f"body/{coop_a.pk}/files")["data"]
    assert not [f for f in files if "/file/notice/" in f["id"]]
    # Storing it did not even make the meeting look modified, and no checksum was computed.
    assert data["modified"] == before["modified"]
    assert not NoticeChecksum.objects.exists()
    assert_nothing_of(members, everything_about(api, meeting))


def test_the_file_is_the_public_version_however_many_members_versions_there_are(
    api, schemas, meeting, secretary_a
):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    public = store_notice(meeting, PUBLIC_PDF)
    NoticeDocument.objects.filter(pk=public.pk).update(
        created=timezone.now() - datetime.timedelta(days=2)
    )
    public.refresh_from_db()
    # Later, and of higher version numbers, than the public version.
    for n in range(3):
        members = store_notice(meeting, MEMBERS_PDF + b" v%d" % n, audience=MEMBERS)
    call_command("oparl_checksums", stdout=io.StringIO())

    file = get(api, f"file/notice/{meeting.pk}")

    assert file["fileName"] == public.download_name
    assert file["size"] == len(PUBLIC_PDF)
    assert file["moteportal:sha256Checksum"] == public.sha256
    assert file["sha512Checksum"] == hashlib.sha512(PUBLIC_PDF).hexdigest()
    assert file["date"] == timezone.localdate(public.created).isoformat()
    assert datetime.datetime.fromisoformat(file["created"]) == public.created.replace(microsecond=0)
    schemas.validate(file)
    assert get(api, f"meeting/{meeting.pk}")["invitation"] == file
    # What is downloaded from the File's URL is the public version's bytes.
    assert b"".join(api.get(file["downloadUrl"]).streaming_content) == PUBLIC_PDF
    # The checksums were computed for the public version only.
    assert list(NoticeChecksum.objects.values_list("document", flat=True)) == [public.pk]
    assert_nothing_of(members, everything_about(api, meeting))


def test_the_file_is_the_latest_public_version_created_with_the_first(api, meeting, secretary_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    first = store_notice(meeting, b"%PDF v1")
    NoticeDocument.objects.filter(pk=first.pk).update(
        created=timezone.now() - datetime.timedelta(days=3)
    )
    second = store_notice(meeting, b"%PDF tilleggsinnkalling")  # a supplementary notice
    store_notice(meeting, MEMBERS_PDF, audience=MEMBERS)

    file = get(api, f"file/notice/{meeting.pk}")

    assert file["fileName"].endswith("-v2.pdf")
    assert "medlemmer" not in file["fileName"]
    assert file["size"] == second.size
    assert file["moteportal:sha256Checksum"] == second.sha256
    first.refresh_from_db()
    assert datetime.datetime.fromisoformat(file["created"]) == first.created.replace(microsecond=0)
    assert file["modified"] >= file["created"]


def test_a_planned_meeting_has_no_notice_file_even_when_a_pdf_is_stored(api, meeting, coop_a):
    store_notice(meeting)  # as if stored too early: the API must still not show it
    assert api.get(API + f"meeting/{meeting.pk}").status_code == 404
    assert api.get(API + f"file/notice/{meeting.pk}").status_code == 404
    files = get(api, f"body/{coop_a.pk}/files")["data"]
    assert not [f for f in files if "/file/notice/" in f["id"]]


def test_a_sent_notice_without_a_stored_pdf_has_no_file(api, meeting, secretary_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    assert "invitation" not in get(api, f"meeting/{meeting.pk}")
    assert api.get(API + f"file/notice/{meeting.pk}").status_code == 404


def test_a_cancelled_meeting_keeps_its_invitation(api, schemas, meeting, secretary_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    store_notice(meeting)
    meeting.cancel(by=secretary_a, reason="Ikke beslutningsdyktig.")

    data = get(api, f"meeting/{meeting.pk}")

    assert data["cancelled"] is True
    assert data["invitation"]["id"] == API + f"file/notice/{meeting.pk}"
    schemas.validate(data)


def test_the_sha512_checksum_appears_once_computed(api, meeting, secretary_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    store_notice(meeting, PUBLIC_PDF)
    assert "sha512Checksum" not in get(api, f"file/notice/{meeting.pk}")

    call_command("oparl_checksums", stdout=io.StringIO())

    expected = hashlib.sha512(PUBLIC_PDF).hexdigest()
    assert get(api, f"file/notice/{meeting.pk}")["sha512Checksum"] == expected
    assert get(api, f"meeting/{meeting.pk}")["invitation"]["sha512Checksum"] == expected
    # A new version has no checksum until the command runs again: never the old one.
    store_notice(meeting, b"%PDF-1.7 tilleggsinnkalling")
    assert "sha512Checksum" not in get(api, f"file/notice/{meeting.pk}")


def test_the_files_list_has_the_notices_after_the_minutes(
    api, schemas, meeting, secretary_a, coop_a
):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    store_notice(meeting)
    store_notice(meeting, MEMBERS_PDF, audience=MEMBERS)
    store_minutes(meeting)

    files = get(api, f"body/{coop_a.pk}/files")["data"]

    assert [f["id"] for f in files][-2:] == [
        API + f"file/minutes/{meeting.pk}",
        API + f"file/notice/{meeting.pk}",
    ]
    for file in files:
        schemas.validate(file)
    # A published meeting has both, and both validate embedded.
    data = get(api, f"meeting/{meeting.pk}")
    assert {"invitation", "resultsProtocol"} <= set(data)
    schemas.validate(data)


def test_the_files_list_pages_through_the_notices(api, body_x, secretary_a, coop_a):
    meetings = []
    for n in range(3):
        meeting = make_meeting(body_x, start=datetime.datetime(2021, 1, 1 + n, 10, tzinfo=OSLO))
        bring_to(meeting, State.NOTICE_SENT, secretary_a)
        store_notice(meeting, b"%%PDF %d" % n)
        store_notice(meeting, MEMBERS_PDF, audience=MEMBERS)
        meetings.append(meeting)

    seen, url = [], API + f"body/{coop_a.pk}/files?limit=2"
    while url:
        page = api.get(url).json()
        seen += [f["id"] for f in page["data"]]
        url = page["links"].get("next")

    assert seen == [API + f"file/notice/{m.pk}" for m in meetings]


def test_a_new_public_version_makes_the_meeting_and_its_file_modified(
    api, meeting, secretary_a, coop_a
):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    store_notice(meeting, b"%PDF v1")
    since = timezone.now().isoformat()
    assert get(api, f"body/{coop_a.pk}/files", modified_since=since)["data"] == []

    store_notice(meeting, MEMBERS_PDF, audience=MEMBERS)  # the members' version: nothing
    assert get(api, f"body/{coop_a.pk}/files", modified_since=since)["data"] == []
    assert get(api, f"body/{coop_a.pk}/meetings", modified_since=since)["data"] == []

    store_notice(meeting, b"%PDF v2")

    files = get(api, f"body/{coop_a.pk}/files", modified_since=since)["data"]
    assert [f["id"] for f in files] == [API + f"file/notice/{meeting.pk}"]
    meetings = get(api, f"body/{coop_a.pk}/meetings", modified_since=since)["data"]
    assert [m["id"] for m in meetings] == [API + f"meeting/{meeting.pk}"]
    assert meetings[0]["invitation"]["modified"] <= meetings[0]["modified"]


def test_a_deleted_meeting_leaves_its_notice_file_as_deleted(api, schemas, meeting, secretary_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    store_notice(meeting)
    store_notice(meeting, MEMBERS_PDF, audience=MEMBERS)
    pk, cooperation = meeting.pk, meeting.body.cooperation_id
    since = timezone.now().isoformat()

    with transaction.atomic(), recording_withdrawals(meeting):
        meeting.delete()

    file = get(api, f"file/notice/{pk}")
    assert file["deleted"] is True
    assert file["accessUrl"] == PORTAL + f"moter/{pk}/innkalling.pdf"
    schemas.validate(file)
    listed = get(api, f"body/{cooperation}/files", modified_since=since)["data"]
    assert API + f"file/notice/{pk}" in [f["id"] for f in listed if f.get("deleted")]
    meeting_stone = get(api, f"meeting/{pk}")
    assert meeting_stone["deleted"] is True


def test_a_deleted_meeting_with_only_the_members_version_leaves_no_notice_file(
    api, meeting, secretary_a
):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    store_notice(meeting, MEMBERS_PDF, audience=MEMBERS)
    pk = meeting.pk

    with transaction.atomic(), recording_withdrawals(meeting):
        meeting.delete()

    assert not Tombstone.objects.filter(kind=Tombstone.Kind.NOTICE).exists()
    assert api.get(API + f"file/notice/{pk}").status_code == 404


def test_omit_internal_leaves_the_invitation_out(api, meeting, secretary_a, coop_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    store_notice(meeting)
    assert "invitation" in get(api, f"body/{coop_a.pk}/meetings")["data"][0]
    bare = get(api, f"body/{coop_a.pk}/meetings", omit_internal="true")["data"][0]
    assert "invitation" not in bare


def test_the_file_describes_the_public_pdf_the_portal_really_serves(
    api, schemas, meeting, secretary_a
):
    """Real renders (WeasyPrint, a second or two each): the name, size and checksums are the
    public version's, and nothing of the members' version shows."""
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    documents = publish_notice_documents(meeting)
    public, members = documents[NoticeDocument.Audience.PUBLIC], documents[MEMBERS]
    assert public.sha256 != members.sha256
    call_command("oparl_checksums", stdout=io.StringIO())

    invitation = get(api, f"file/notice/{meeting.pk}")

    response = api.get(invitation["downloadUrl"])
    content = b"".join(response.streaming_content)
    assert invitation["fileName"] in response["Content-Disposition"]
    assert invitation["fileName"] == public.download_name
    assert invitation["size"] == len(content) == public.size
    assert invitation["moteportal:sha256Checksum"] == hashlib.sha256(content).hexdigest()
    assert invitation["moteportal:sha256Checksum"] == public.sha256
    assert invitation["sha512Checksum"] == hashlib.sha512(content).hexdigest()
    schemas.validate(invitation)
    assert_nothing_of(members, everything_about(api, meeting))
