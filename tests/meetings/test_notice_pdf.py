"""The notice as stored, checksummed, tagged PDF/A, in a public and a members' version."""

import base64
import datetime
import hashlib
import io
import shutil
import subprocess
import threading
from unittest import mock

import pikepdf
import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from cases.models import Attachment
from cooperation.domain import DomainError
from meetings import pdf
from meetings.documents import NoticeDocument, publish_notice_documents
from meetings.models import Meeting
from tests.conftest import QUEUEING, skip_or_fail
from tests.factories import (
    OSLO,
    bring_to,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_person,
    make_user,
)
from tests.meetings.test_pdf_tasks import DATABASE_BACKEND, run_worker

# The notice's PDFs are laid out in the request, as `make run` does (tests/conftest.py).
pytestmark = pytest.mark.renders_pdfs

State = Meeting.State
Audience = NoticeDocument.Audience
SECRET_NAME = "Kari Demodatter Lien"
SECRET_PROPOSAL = "Kari Demodatter Lien tilsettes som direktør fra 1. mars."
SECRET_BACKGROUND = "Innstillingsutvalget intervjuet fire kandidater i januar."
SECRET_ATTACHMENTS = ["Lønnsoversikt for sekretariatet", "CV Kari Demodatter Lien"]
SECRET_ITEM = "Personalsak: avskjed av Ola Hemmelig"
BUDGET_PROPOSAL = "Styret vedtar budsjettet for 2027 med en ramme på 12,4 millioner kroner."
BUDGET_BACKGROUND = "Budsjettet bygger på kontingenten fra de 14 kommunene."
BUDGET_ASSESSMENT = "Sekretariatet mener rammen er forsvarlig."


@pytest.fixture
def meeting(body_x, secretary_a):
    """A called meeting of Styret: a public case with a public and an exempt attachment, an
    exempt case, and an item exempt on its own."""
    coop = body_x.cooperation
    meeting = make_meeting(
        body_x,
        start=datetime.datetime(2026, 11, 12, 10, tzinfo=OSLO),
        place="Oslo rådhus",
        video_url="https://video.example.invalid/styret",
    )
    make_item(meeting, title="Godkjenning av innkalling og saksliste", kind="formality")
    budget = make_case(
        coop,
        title="Budsjett 2027",
        responsible=make_person(coop, name="Sara Sekretær"),
        proposed_decision=BUDGET_PROPOSAL,
        background=BUDGET_BACKGROUND,
        assessment=BUDGET_ASSESSMENT,
    )
    Attachment.objects.create(
        case=budget, title="Budsjettforslag 2027", file="cases/x/budsjett.pdf", size=120_000
    )
    Attachment.objects.create(
        case=budget,
        title=SECRET_ATTACHMENTS[0],
        file="cases/x/lonn.pdf",
        is_exempt=True,
        exemption_basis="Offl. § 25",
        position=1,
    )
    make_item(meeting, case=budget)
    appointment = make_case(
        coop,
        title=f"Tilsetting av direktør – {SECRET_NAME}",
        public_title="Tilsetting av direktør",
        is_exempt=True,
        exemption_basis="Offl. § 25",
        proposed_decision=SECRET_PROPOSAL,
        background=SECRET_BACKGROUND,
    )
    Attachment.objects.create(case=appointment, title=SECRET_ATTACHMENTS[1], file="cases/x/cv.pdf")
    make_item(meeting, case=appointment)
    make_item(
        meeting,
        title=SECRET_ITEM,
        public_title="Personalsak",
        is_exempt=True,
        exemption_basis="Offl. § 13 jf. fvl. § 13 første ledd nr. 1",
    )
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    return meeting


@pytest.fixture
def documents(meeting):
    return publish_notice_documents(meeting)


@pytest.fixture(params=list(Audience), ids=str)
def document(request, documents):
    return documents[request.param]


def open_pdf(document: NoticeDocument) -> pikepdf.Pdf:
    with document.file.open("rb") as file:
        return pikepdf.open(io.BytesIO(file.read()))


def pdf_text(document: NoticeDocument) -> str:
    if not shutil.which("pdftotext"):
        skip_or_fail("needs pdftotext (apt-get install poppler-utils)")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", document.file.path, "-"],
        check=True,
        capture_output=True,
    )
    return " ".join(result.stdout.decode().split())


def public_url(meeting: Meeting) -> str:
    return f"/moter/{meeting.pk}/innkalling.pdf"


def members_url(meeting: Meeting) -> str:
    return f"/moter/{meeting.pk}/innkalling-medlemmer.pdf"


def send(client, meeting, secretary, action="send-innkalling"):
    client.force_login(secretary)
    return client.post(f"/sekretariat/moter/{meeting.pk}/{action}/", follow=True)


# The document itself


def test_both_versions_identify_themselves_as_pdf_a_2a(document):
    with open_pdf(document) as archive:
        metadata = archive.open_metadata()
        assert metadata["pdfaid:part"] == "2"
        assert metadata["pdfaid:conformance"] == "A"
        assert archive.pdf_version == "1.7"
        assert "/OutputIntents" in archive.Root


def test_both_versions_are_tagged_in_bokmal_with_a_title(document):
    with open_pdf(document) as archive:
        assert archive.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in archive.Root
        assert str(archive.Root.Lang) == "nb"
        title = str(archive.docinfo.Title)
        assert "Styret" in title and "12. november 2026" in title
        assert archive.open_metadata()["dc:title"] == title
        assert archive.Root.ViewerPreferences.DisplayDocTitle is True


def test_every_font_is_embedded(document):
    with open_pdf(document) as archive:
        fonts = [
            font
            for page in archive.pages
            for font in page.Resources.get("/Font", pikepdf.Dictionary()).values()
        ]
        assert fonts
        for font in fonts:
            descriptor = (
                font.DescendantFonts[0].FontDescriptor
                if "/DescendantFonts" in font
                else font.FontDescriptor
            )
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys())


def test_every_page_has_the_body_date_and_page_number_in_its_header(document):
    text = pdf_text(document)
    with open_pdf(document) as archive:
        pages = len(archive.pages)
    assert text.count("Styret · 12. november 2026") == pages
    assert f"Side 1 av {pages}" in text


def test_the_notice_holds_the_meeting_the_numbered_agenda_and_the_case_documents(document):
    text = pdf_text(document)
    for expected in [
        "Styret, Osloregionen",
        "torsdag 12. november 2026 kl. 10.00–12.00",
        "Oslo rådhus",
        "https://video.example.invalid/styret",
        "Saksliste",
        "Sak 01/26 Godkjenning av innkalling og saksliste",
        "Sak 02/26 Budsjett 2027",
        "Saksansvarlig: Sara Sekretær",
        "Forslag til vedtak",
        BUDGET_PROPOSAL,
        "Saksfremstilling",
        BUDGET_BACKGROUND,
        "Sekretariatets vurdering",
        BUDGET_ASSESSMENT,
        "Vedlegg",
        "Budsjettforslag 2027 (117,2 KB)",
    ]:
        assert expected in text


def test_the_public_version_shows_exempt_items_by_their_public_title_and_basis_only(documents):
    text = pdf_text(documents[Audience.PUBLIC])
    assert "Sak 03/26 Tilsetting av direktør" in text
    assert "Unntatt offentlighet (Offl. § 25)." in text
    assert "Sak 04/26 Personalsak" in text
    assert "Unntatt offentlighet (Offl. § 13 jf. fvl. § 13 første ledd nr. 1)." in text
    for secret in [SECRET_NAME, SECRET_PROPOSAL, SECRET_BACKGROUND, SECRET_ITEM, "Hemmelig"]:
        assert secret not in text
    for title in SECRET_ATTACHMENTS:
        assert title not in text


def test_the_members_version_holds_the_exempt_titles_and_documents_marked_as_exempt(documents):
    text = pdf_text(documents[Audience.MEMBERS])
    assert f"Sak 03/26 Tilsetting av direktør – {SECRET_NAME}" in text
    assert f"Sak 04/26 {SECRET_ITEM}" in text
    for secret in [SECRET_PROPOSAL, SECRET_BACKGROUND, *SECRET_ATTACHMENTS]:
        assert secret in text
    assert "Unntatt offentlighet (Offl. § 25)." in text
    assert f"{SECRET_ATTACHMENTS[0]} (unntatt, Offl. § 25)" in text


def test_the_public_version_is_built_from_nothing_exempt(meeting):
    # The template is handed no exempt text at all, whatever it might print.
    entries = pdf.notice_entries(meeting, members=False)
    handed = repr(entries) + "".join(
        f"{entry.case.proposed_decision}{entry.case.background}{entry.case.assessment}"
        for entry in entries
        if entry.case
    )
    for secret in [SECRET_NAME, SECRET_PROPOSAL, SECRET_BACKGROUND, SECRET_ITEM]:
        assert secret not in handed
    assert all(not a.is_exempt for entry in entries for a in entry.attachments)


# Storing and versions


def test_the_files_are_stored_per_audience_and_nothing_half_written_is_left(documents):
    for audience, document in documents.items():
        folder = f"notices/{document.meeting.pk}/{audience}"
        assert document.file.name == f"{folder}/{document.sha256}.pdf"
        assert default_storage.listdir(folder) == ([], [f"{document.sha256}.pdf"])
        assert document.version == 1
        assert document.size == default_storage.size(document.file.name)


def test_an_unchanged_notice_is_not_rendered_again(documents, meeting):
    with mock.patch("meetings.pdf.html_to_pdf") as renderer:
        again = publish_notice_documents(meeting)
    renderer.assert_not_called()
    assert {a: d.pk for a, d in again.items()} == {a: d.pk for a, d in documents.items()}
    assert NoticeDocument.objects.filter(meeting=meeting).count() == 2


def test_only_a_sent_notice_is_stored(body_x):
    meeting = make_meeting(body_x)
    make_item(meeting)
    with mock.patch("meetings.pdf.html_to_pdf") as renderer, pytest.raises(DomainError):
        publish_notice_documents(meeting)
    renderer.assert_not_called()


# Sending from the workspace


@pytest.fixture
def planned(body_x, coop_a):
    make_membership(
        body_x, make_person(coop_a, name="Ingar Vaskinn", email="ingar@example.invalid")
    )
    meeting = make_meeting(body_x, start=datetime.datetime(2026, 12, 10, 10, tzinfo=OSLO))
    make_item(meeting, title="Jernbanekampanje for Osloregionen")
    return meeting


@pytest.mark.django_db
def test_sending_the_notice_stores_both_versions_links_them_and_mails_the_members_link(
    client, planned, secretary_a
):
    send(client, planned, secretary_a)
    public = planned.notice_documents.get(audience=Audience.PUBLIC)
    planned.notice_documents.get(audience=Audience.MEMBERS)
    [message] = mail.outbox
    link = f"http://testserver/moter/{planned.pk}/innkalling-medlemmer.pdf"
    assert link in message.body
    html, _mimetype = message.alternatives[0]
    assert f'href="{link}"' in html
    assert [name for name, _content, _type in message.attachments] == ["innkalling.ics"]
    client.logout()
    page = client.get(f"/moter/{planned.pk}/").text
    assert public_url(planned) in page and public.sha256 in page
    assert members_url(planned) not in page


@pytest.mark.django_db
def test_a_supplementary_notice_stores_new_versions_and_keeps_the_old_ones(
    client, planned, secretary_a
):
    send(client, planned, secretary_a)
    first = planned.notice_documents.get(audience=Audience.PUBLIC)
    planned.add_supplementary_item(by=secretary_a, title="Høringssvar om NTP")
    send(client, planned, secretary_a, action="send-tilleggsinnkalling")
    second = planned.notice_documents.filter(audience=Audience.PUBLIC).first()
    assert second.version == 2
    assert planned.notice_documents.filter(audience=Audience.MEMBERS).first().version == 2
    assert default_storage.exists(first.file.name) and default_storage.exists(second.file.name)
    text = pdf_text(second)
    assert "Lagt til på sakslisten etter innkallingen: • Sak 02/26 Høringssvar om NTP" in text
    assert "Høringssvar om NTP" not in pdf_text(first)

    client.logout()
    response = client.get(public_url(planned))
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == second.sha256
    assert response["Content-Disposition"].endswith(
        'filename="innkalling-styret-2026-12-10-v2.pdf"'
    )


@pytest.mark.django_db
def test_a_failed_render_loses_no_notice_and_the_command_makes_it_later(
    client, planned, secretary_a, caplog
):
    with mock.patch("meetings.pdf.html_to_pdf", side_effect=RuntimeError("no fonts")):
        send(client, planned, secretary_a)
    planned.refresh_from_db()
    assert planned.state == State.NOTICE_SENT
    # The immediate backend of development renders in the request: its failure is logged
    # (the worker's show in the workspace, tests/meetings/test_pdf_tasks.py).
    assert f"A PDF of meeting {planned.pk} could not be made" in caplog.text
    assert not planned.notice_documents.exists()
    # The link's address is stable: it answers "being made" until the PDF is stored.
    [message] = mail.outbox
    assert f"/moter/{planned.pk}/innkalling-medlemmer.pdf" in message.body
    client.force_login(secretary_a)
    waiting = client.get(members_url(planned))
    assert waiting.status_code == 503 and waiting["Retry-After"] == "30"

    out = io.StringIO()
    call_command("render_notice_pdfs", stdout=out)
    assert planned.notice_documents.count() == 2
    assert "2 PDF-innkallinger lagret." in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_render_holds_no_database_lock(client, planned, secretary_a):
    """In production the request only enqueues (in its transaction, ADR 15) and the task
    worker lays the PDFs out outside any transaction. (The immediate backend of development
    renders inside the request's transaction.)"""
    render = pdf.html_to_pdf
    in_transaction = []

    def render_and_look(html: str) -> bytes:
        in_transaction.append(connection.in_atomic_block)
        return render(html)

    with (
        override_settings(TASKS=DATABASE_BACKEND),
        mock.patch("meetings.pdf.html_to_pdf", side_effect=render_and_look),
    ):
        send(client, planned, secretary_a)
        assert in_transaction == []
        run_worker()
    assert in_transaction == [False, False]
    assert planned.notice_documents.count() == 2


# Downloads and who may make them


def test_the_stored_checksum_is_that_of_the_served_file(client, documents, secretary_a):
    client.force_login(secretary_a)
    for audience, url in [(Audience.PUBLIC, public_url), (Audience.MEMBERS, members_url)]:
        document = documents[audience]
        response = client.get(url(document.meeting))
        assert response.status_code == 200
        served = b"".join(response.streaming_content)
        assert served.startswith(b"%PDF-1.7")
        assert hashlib.sha256(served).hexdigest() == document.sha256
        assert len(served) == document.size
        assert response["Content-Type"] == "application/pdf"
        assert response["ETag"] == f'"{document.sha256}"'
        digest = base64.b64encode(hashlib.sha256(served).digest()).decode()
        assert response["Repr-Digest"] == f"sha-256=:{digest}:"
    assert response["Content-Disposition"] == (
        'inline; filename="innkalling-styret-2026-11-12-medlemmer.pdf"'
    )


def test_the_members_version_is_kept_out_of_shared_caches(client, documents, member_x):
    client.force_login(member_x)
    response = client.get(members_url(documents[Audience.MEMBERS].meeting))
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert "public" in client.get(public_url(documents[Audience.PUBLIC].meeting))["Cache-Control"]


def test_anyone_may_download_the_public_version(client, documents):
    assert client.get(public_url(documents[Audience.PUBLIC].meeting)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in_for_the_members_version(client, documents):
    meeting = documents[Audience.MEMBERS].meeting
    response = client.get(members_url(meeting))
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logg-inn/")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member_x", 200),
        ("chair_x", 200),
        ("secretary_a", 200),
        ("member_y", 403),
        ("secretary_b", 403),
    ],
)
def test_the_members_version_is_for_the_body_and_its_secretariat(
    client, request, documents, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(members_url(documents[Audience.MEMBERS].meeting))
    assert response.status_code == status


def test_a_member_who_left_the_body_before_the_meeting_is_refused(client, body_x, documents):
    user = make_user("tidligere")
    make_membership(
        body_x,
        make_person(body_x.cooperation, user=user),
        end=datetime.date(2026, 6, 30),
    )
    client.force_login(user)
    assert client.get(members_url(documents[Audience.MEMBERS].meeting)).status_code == 403


def test_before_the_notice_both_versions_are_404(client, body_x, secretary_a):
    meeting = make_meeting(body_x)
    make_item(meeting)
    assert client.get(public_url(meeting)).status_code == 404
    client.force_login(secretary_a)
    assert client.get(members_url(meeting)).status_code == 404


def test_a_cancelled_meeting_keeps_its_notice(client, documents, meeting, secretary_a):
    meeting.cancel(by=secretary_a, reason="For få saker.")
    assert client.get(public_url(meeting)).status_code == 200


def test_an_unknown_meeting_is_404(client, db):
    assert client.get("/moter/987654/innkalling.pdf").status_code == 404


def test_a_post_is_405(client, documents, secretary_a):
    meeting = documents[Audience.PUBLIC].meeting
    assert client.post(public_url(meeting)).status_code == 405
    client.force_login(secretary_a)
    assert client.post(members_url(meeting)).status_code == 405


def test_a_client_with_the_current_version_gets_304(client, documents, member_x):
    document = documents[Audience.MEMBERS]
    client.force_login(member_x)
    response = client.get(
        members_url(document.meeting), headers={"if-none-match": f'"{document.sha256}"'}
    )
    assert response.status_code == 304


@pytest.mark.parametrize("versions", [1, 3])
def test_the_downloads_cost_one_query_whatever_the_versions(
    client, documents, member_x, django_assert_num_queries, versions
):
    for document in documents.values():
        for version in range(2, versions + 1):
            NoticeDocument.objects.create(
                meeting=document.meeting,
                audience=document.audience,
                version=version,
                file=document.file.name,
                sha256=document.sha256,
                size=document.size,
                html_sha256=f"{version:064x}",
            )
    meeting = documents[Audience.PUBLIC].meeting
    # The latest public document of a called meeting, with the body for the filename.
    with django_assert_num_queries(1):
        b"".join(client.get(public_url(meeting)).streaming_content)
    client.force_login(member_x)
    # The session, the user, whether it is a staff session (once per session); the latest document
    # with whether the user may read it (the secretariat's, or a seat in the body on the day)
    # and the body; then the session's new expiry (a savepoint, the update, its release).
    with django_assert_num_queries(7):
        response = client.get(members_url(meeting))
        b"".join(response.streaming_content)
    assert response.status_code == 200


# The command


@pytest.fixture
def _renders_only_queued(settings):
    settings.TASKS = QUEUEING


def test_the_command_makes_the_notices_that_lack_a_document(_renders_only_queued, meeting, body_x):
    planned = make_meeting(body_x, start=datetime.datetime(2026, 11, 1, 10, tzinfo=OSLO))
    out = io.StringIO()
    call_command("render_notice_pdfs", stdout=out)
    assert meeting.notice_documents.count() == 2
    assert not planned.notice_documents.exists()
    assert "2 PDF-innkallinger lagret." in out.getvalue()

    with mock.patch("meetings.pdf.html_to_pdf") as renderer:
        call_command("render_notice_pdfs", stdout=io.StringIO())
        call_command("render_notice_pdfs", "--meeting", str(meeting.pk), stdout=io.StringIO())
    renderer.assert_not_called()


def test_the_command_stores_a_new_version_of_a_changed_notice(documents, meeting):
    meeting.items.filter(title="Godkjenning av innkalling og saksliste").update(
        title="Godkjenning av innkalling og saksliste (endret)"
    )
    call_command("render_notice_pdfs", "--meeting", str(meeting.pk), stdout=io.StringIO())
    assert {d.version for d in meeting.notice_documents.all()} == {1, 2}
    assert meeting.notice_documents.count() == 4


def test_the_command_refuses_a_meeting_whose_notice_is_not_sent(body_x, db):
    meeting = make_meeting(body_x)
    with pytest.raises(CommandError):
        call_command("render_notice_pdfs", "--meeting", str(meeting.pk), stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishers_at_once_store_one_version_per_audience(meeting):
    results, errors = [], []

    def publish() -> None:
        try:
            results.append(publish_notice_documents(meeting))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    # Both have found no stored version and rendered before either stores its file.
    both_rendering = threading.Barrier(2, timeout=30)
    render = pdf.html_to_pdf

    def render_together(html: str) -> bytes:
        both_rendering.wait()
        return render(html)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    with mock.patch("meetings.pdf.html_to_pdf", side_effect=render_together):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    for audience in Audience:
        assert len({result[audience].pk for result in results}) == 1
        stored = NoticeDocument.objects.filter(meeting=meeting, audience=audience)
        assert stored.count() == 1
        folder = f"notices/{meeting.pk}/{audience}"
        assert default_storage.listdir(folder)[1] == [f"{stored.get().sha256}.pdf"]


@pytest.mark.django_db
def test_a_case_made_exempt_after_the_notice_leaves_the_public_pdf(
    client, meeting, documents, secretary_a
):
    budget = meeting.items.get(case__title="Budsjett 2027").case
    assert BUDGET_BACKGROUND in pdf_text(documents[Audience.PUBLIC])
    client.force_login(secretary_a)
    response = client.post(
        f"/sekretariat/saksframlegg/{budget.pk}/",
        {
            "case-title": budget.title,
            "case-public_title": "Budsjett",
            "case-kind": budget.kind,
            "case-proposed_decision": BUDGET_PROPOSAL,
            "case-background": BUDGET_BACKGROUND,
            "case-assessment": BUDGET_ASSESSMENT,
            "case-is_exempt": "on",
            "case-exemption_basis": "Offl. § 23 første ledd",
        },
    )
    assert response.status_code == 302, response.content
    latest = NoticeDocument.objects.filter(meeting=meeting, audience=Audience.PUBLIC).first()
    assert latest.version == 2
    assert BUDGET_BACKGROUND not in pdf_text(latest)
    served = b"".join(client.get(f"/moter/{meeting.pk}/innkalling.pdf").streaming_content)
    assert hashlib.sha256(served).hexdigest() == latest.sha256
