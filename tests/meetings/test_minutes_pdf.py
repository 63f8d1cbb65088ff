"""The published minutes as a stored, checksummed, tagged PDF/A (issue 4, item 5)."""

import base64
import datetime
import hashlib
import io
import shutil
import subprocess
import threading
from unittest import mock
from urllib import request as urllib_request

import pikepdf
import pytest
import tinycss2
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from cooperation.domain import DomainError
from meetings import pdf
from meetings.documents import MinutesDocument, publish_minutes_document
from meetings.models import AgendaItem, Attendance, Meeting
from tests.conftest import skip_or_fail
from tests.factories import (
    OSLO,
    bring_to,
    make_attendance,
    make_case,
    make_item,
    make_meeting,
    make_organisation,
    make_person,
)

pytestmark = pytest.mark.urls("tests.meetings.minutes_pdf_urls")

State = Meeting.State
SECRET_MINUTES = "Kandidaten Kari Demodatter Lien ble drøftet inngående"
SECRET_DECISION = "Kari Demodatter Lien tilsettes som direktør"
DECISIONS = [
    "Styret vedtar budsjettet for 2027 med en ramme på 12,4 millioner kroner.",
    "Styret tar orienteringen om regional transportplan til etterretning.",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def meeting(body_x, secretary_a):
    """A published meeting of Styret with the attendance and items a møtebok records."""
    coop = body_x.cooperation
    meeting = make_meeting(
        body_x, start=datetime.datetime(2026, 11, 12, 10, tzinfo=OSLO), place="Oslo rådhus"
    )
    asker = make_organisation(coop, name="Asker kommune")
    baerum = make_organisation(coop, name="Bærum kommune")
    chair = make_person(coop, name="Eli Arnkværn Bryhni")
    member = make_person(coop, name="Nina Mosseby")
    absent = make_person(coop, name="Ola Fraværsen")
    substitute = make_person(coop, name="Petter Varamann")
    staff = make_person(coop, name="Sara Sekretær")
    disqualified = make_person(coop, name="Ivar Inhabil")
    make_attendance(meeting, chair, on_behalf_of=asker, is_chair=True, position=1)
    make_attendance(meeting, member, on_behalf_of=baerum, position=2)
    make_attendance(
        meeting,
        substitute,
        on_behalf_of=baerum,
        role=Attendance.Role.SUBSTITUTE,
        substitute_for=absent,
        position=3,
    )
    make_attendance(meeting, disqualified, on_behalf_of=asker, position=4)
    make_attendance(meeting, absent, role=Attendance.Role.APOLOGIES, position=5)
    make_attendance(meeting, staff, role=Attendance.Role.STAFF, position=6)

    make_item(meeting, title="Godkjenning av innkalling og saksliste", kind="formality")
    budget = make_item(
        meeting,
        case=make_case(coop, title="Budsjett 2027"),
        minutes_text="Sekretariatet la fram forslaget.",
        decision=DECISIONS[0],
        outcome=AgendaItem.Outcome.ADOPTED,
        vote=AgendaItem.Vote.COUNTED,
        votes_for=5,
        votes_against=2,
    )
    budget.disqualified.add(disqualified)
    make_item(
        meeting,
        title="Regional transportplan",
        decision=DECISIONS[1],
        outcome=AgendaItem.Outcome.NOTED,
        vote=AgendaItem.Vote.UNANIMOUS,
    )
    make_item(
        meeting,
        case=make_case(
            coop,
            title="Tilsetting av direktør – Kari Demodatter Lien",
            public_title="Tilsetting av direktør",
            is_exempt=True,
            exemption_basis="Offl. § 25",
        ),
        minutes_text=SECRET_MINUTES,
        decision=SECRET_DECISION,
        outcome=AgendaItem.Outcome.ADOPTED,
    )
    bring_to(meeting, State.PUBLISHED, secretary_a)
    return meeting


@pytest.fixture
def document(meeting):
    return publish_minutes_document(meeting)


def open_pdf(document: MinutesDocument) -> pikepdf.Pdf:
    with document.file.open("rb") as file:
        return pikepdf.open(io.BytesIO(file.read()))


def pdf_text(document: MinutesDocument) -> str:
    if not shutil.which("pdftotext"):
        skip_or_fail("needs pdftotext (apt-get install poppler-utils)")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", document.file.path, "-"],
        check=True,
        capture_output=True,
    )
    return " ".join(result.stdout.decode().split())


def structure_tags(node, seen=None):
    """The structure types (/P, /L, /Table …) of a tagged PDF's structure tree."""
    seen = set() if seen is None else seen
    if isinstance(node, pikepdf.Array):
        for child in node:
            yield from structure_tags(child, seen)
        return
    if not isinstance(node, pikepdf.Dictionary) or node.objgen in seen:
        return
    if node.objgen != (0, 0):
        seen.add(node.objgen)
    if "/S" in node:
        yield str(node.S)
    if "/K" in node:
        yield from structure_tags(node.K, seen)


def download(client, meeting, **headers):
    return client.get(f"/moter/{meeting.pk}/referat.pdf", headers=headers)


def test_the_pdf_identifies_itself_as_pdf_a_2a(document):
    with open_pdf(document) as archive:
        metadata = archive.open_metadata()
        assert metadata["pdfaid:part"] == "2"
        assert metadata["pdfaid:conformance"] == "A"
        assert archive.pdf_version == "1.7"
        assert "/OutputIntents" in archive.Root


def test_the_pdf_is_tagged_in_bokmal_with_a_title(document):
    with open_pdf(document) as archive:
        assert archive.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in archive.Root
        assert str(archive.Root.Lang) == "nb"
        title = "Referat fra møte i Styret 12. november 2026"
        assert str(archive.docinfo.Title) == title
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


def test_attendance_is_lists_and_no_table(document):
    with open_pdf(document) as archive:
        tags = set(structure_tags(archive.Root.StructTreeRoot))
    assert {"/H1", "/H2", "/H3", "/L", "/LI", "/P"} <= tags
    assert "/Table" not in tags


def test_the_text_holds_what_a_motebok_must(document):
    text = pdf_text(document)
    for decision in DECISIONS:
        assert decision in text
    # Body, time and place; who attended, for whom and for which organisation; who was absent;
    # who chaired; the secretariat; each item's vote; the disqualified members.
    for expected in [
        "Styret, Osloregionen",
        "torsdag 12. november 2026 kl. 10.00–12.00",
        "Oslo rådhus",
        "Eli Arnkværn Bryhni, Asker kommune (møteleder)",
        "Nina Mosseby, Bærum kommune",
        "Petter Varamann, Bærum kommune – vara for Ola Fraværsen",
        "Forfall • Ola Fraværsen",
        "Møteleder Eli Arnkværn Bryhni",
        "Fra sekretariatet møtte • Sara Sekretær",
        "Vedtatt – 5 for, 2 mot, 0 blanke",
        "Tatt til orientering – enstemmig",
        "Inhabil, fratrådte under behandlingen: Ivar Inhabil",
    ]:
        assert expected in text


def test_every_page_has_the_body_date_and_page_number_in_its_header(document):
    text = pdf_text(document)
    with open_pdf(document) as archive:
        pages = len(archive.pages)
    assert text.count("Styret · 12. november 2026") == pages
    assert f"Side 1 av {pages}" in text


def test_every_stream_is_compressed_once_as_weasyprint_would(document):
    # meetings.pdf.compress_streams compresses them before pydyf writes the file.
    with open_pdf(document) as archive:
        streams = [obj for obj in archive.objects if isinstance(obj, pikepdf.Stream)]
        assert streams
        for stream in streams:
            assert stream.get("/Filter") == "/FlateDecode"
            stream.read_bytes()  # decodes
        assert b" Tf" in archive.pages[0].Contents.read_bytes()


def test_a_long_body_name_wraps_and_the_page_number_stays_on_its_line(meeting):
    meeting.body.name = (
        "Styringsgruppen for det interkommunale samarbeidet om regional kompetanseutvikling, "
        "næringsutvikling og samferdsel"
    )
    meeting.body.save()
    content = pdf.render_minutes_pdf(meeting)
    pages = len(pikepdf.open(io.BytesIO(content)).pages)
    if not shutil.which("pdftotext"):
        skip_or_fail("needs pdftotext (apt-get install poppler-utils)")
    layout = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-l", "1", "-", "-"],
        input=content,
        check=True,
        capture_output=True,
    ).stdout.decode()
    # The body and date wrap within their four fifths; "Side 1 av N" is never split.
    first, second = [line.strip() for line in layout.splitlines() if line.strip()][:2]
    assert first.startswith("Styringsgruppen for det interkommunale")
    assert "Side" not in first
    assert second.startswith("næringsutvikling og samferdsel · 12. november 2026")
    assert second.endswith(f"Side 1 av {pages}")


def test_the_exempt_item_shows_its_public_title_and_basis_only(document):
    text = pdf_text(document)
    assert "Tilsetting av direktør" in text
    assert "Unntatt offentlighet (Offl. § 25)." in text
    assert "Kari Demodatter Lien" not in text
    assert SECRET_MINUTES not in text
    assert SECRET_DECISION not in text


def test_the_stored_checksum_is_that_of_the_served_file(client, document):
    response = download(client, document.meeting)
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served.startswith(b"%PDF-1.7")
    assert hashlib.sha256(served).hexdigest() == document.sha256
    assert len(served) == document.size
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="referat-styret-2026-11-12.pdf"'
    assert response["ETag"] == f'"{document.sha256}"'
    digest = base64.b64encode(hashlib.sha256(served).digest()).decode()
    assert response["Repr-Digest"] == f"sha-256=:{digest}:"


def test_the_file_is_stored_under_the_meetings_folder_and_nothing_half_written_is_left(
    document, tmp_path
):
    assert document.file.name == f"minutes/{document.meeting.pk}/{document.sha256}.pdf"
    folder = tmp_path / "minutes" / str(document.meeting.pk)
    assert [path.name for path in folder.iterdir()] == [f"{document.sha256}.pdf"]


def test_unchanged_minutes_are_not_rendered_again(document):
    with mock.patch("meetings.pdf.html_to_pdf") as renderer:
        again = publish_minutes_document(document.meeting)
    renderer.assert_not_called()
    assert again.pk == document.pk
    assert again.version == 1
    assert MinutesDocument.objects.filter(meeting=document.meeting).count() == 1


def test_changed_minutes_give_a_new_version_and_keep_the_old_file(client, document):
    meeting = document.meeting
    # A formal correction (issue 4, item 4) changes the published text; simulated here.
    AgendaItem.objects.filter(decision=DECISIONS[1]).update(
        decision="Styret tar orienteringen til etterretning, med merknadene i møtet."
    )
    second = publish_minutes_document(meeting)
    assert second.version == 2
    assert second.sha256 != document.sha256
    assert default_storage.exists(document.file.name)
    assert default_storage.exists(second.file.name)
    assert "med merknadene i møtet" in pdf_text(second)

    response = download(client, meeting)
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == second.sha256
    assert response["Content-Disposition"].endswith('filename="referat-styret-2026-11-12-v2.pdf"')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishers_at_once_store_one_version(meeting, tmp_path):
    results, errors = [], []

    def publish() -> None:
        try:
            results.append(publish_minutes_document(meeting))
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
    with mock.patch("meetings.pdf.html_to_pdf", side_effect=render_together) as renderer:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert renderer.call_count == 2
    assert {document.pk for document in results} == {results[0].pk}
    assert MinutesDocument.objects.filter(meeting=meeting).count() == 1
    folder = tmp_path / "minutes" / str(meeting.pk)
    assert [path.name for path in folder.iterdir()] == [f"{results[0].sha256}.pdf"]


def test_only_published_minutes_are_stored(body_x, secretary_a):
    meeting = make_meeting(body_x)
    make_item(meeting, decision="Et utkast til vedtak.")
    bring_to(meeting, State.APPROVED, secretary_a)
    with mock.patch("meetings.pdf.html_to_pdf") as renderer, pytest.raises(DomainError):
        publish_minutes_document(meeting)
    renderer.assert_not_called()


@pytest.mark.parametrize("state", [State.NOTICE_SENT, State.APPROVED])
def test_minutes_not_published_are_404(client, body_x, secretary_a, state):
    meeting = make_meeting(body_x)
    make_item(meeting)
    bring_to(meeting, state, secretary_a)
    assert download(client, meeting).status_code == 404


def test_a_published_meeting_without_a_document_is_404(client, meeting):
    assert download(client, meeting).status_code == 404


def test_an_unknown_meeting_is_404(client, db):
    assert client.get("/moter/987654/referat.pdf").status_code == 404


def test_a_post_is_405(client, document):
    response = client.post(f"/moter/{document.meeting.pk}/referat.pdf")
    assert response.status_code == 405


def test_a_client_with_the_current_version_gets_304(client, document):
    response = download(client, document.meeting, if_none_match=f'"{document.sha256}"')
    assert response.status_code == 304
    assert response["ETag"] == f'"{document.sha256}"'


@pytest.mark.parametrize("versions", [1, 3])
def test_the_download_costs_one_query_whatever_the_versions(
    client, document, django_assert_num_queries, versions
):
    for version in range(2, versions + 1):
        MinutesDocument.objects.create(
            meeting=document.meeting,
            version=version,
            file=document.file.name,
            sha256=document.sha256,
            size=document.size,
            html_sha256=f"{version:064x}",
        )
    # The latest document of a published meeting, with the body for the filename.
    with django_assert_num_queries(1):
        response = download(client, document.meeting)
        b"".join(response.streaming_content)
    assert response.status_code == 200


def test_the_render_fetches_nothing(monkeypatch):
    opened = []
    monkeypatch.setattr(
        urllib_request.OpenerDirector, "open", lambda self, *a, **k: opened.append(a)
    )
    html = (
        '<html lang="nb"><head><title>T</title>'
        '<link rel="stylesheet" href="https://example.org/x.css"></head>'
        '<body><p>Tekst</p><img alt="" src="http://127.0.0.1:9/x.png">'
        '<img alt="" src="file:///etc/hostname"></body></html>'
    )
    assert pdf.html_to_pdf(html).startswith(b"%PDF")
    assert opened == []


def test_the_command_renders_the_published_meetings_that_lack_a_document(meeting, body_x):
    held = make_meeting(body_x, start=datetime.datetime(2026, 11, 1, 10, tzinfo=OSLO))
    out = io.StringIO()
    call_command("render_minutes_pdfs", stdout=out)
    assert MinutesDocument.objects.filter(meeting=meeting, version=1).exists()
    assert not MinutesDocument.objects.filter(meeting=held).exists()
    assert "1 PDF-referat lagret." in out.getvalue()

    with mock.patch("meetings.pdf.html_to_pdf") as renderer:
        call_command("render_minutes_pdfs", "--all", stdout=io.StringIO())
    renderer.assert_not_called()


def test_a_name_cannot_break_out_of_the_css_of_the_page_header():
    name = 'Styret "x" \\ </style><script> æøå · 1–2'
    literal = pdf.css_string(name)
    assert "<" not in literal
    # CSS reads it back as one string token holding exactly the name.
    [token] = tinycss2.parse_component_value_list(literal)
    assert token.type == "string"
    assert token.value == name
    assert pdf.css_counters("Side %(page)s av %(pages)s") == (
        '"Side " counter(page) " av " counter(pages)'
    )


@pytest.mark.django_db
def test_the_secretary_previews_the_unpublished_minutes_as_pdf(client, body_x, secretary_a):
    from meetings.models import Meeting
    from tests.factories import bring_to, make_item, make_meeting

    meeting = make_meeting(body_x)
    make_item(meeting, title="Regional plan", decision="Planen vedtas i utkastet.")
    bring_to(meeting, Meeting.State.HELD, secretary_a)
    client.force_login(secretary_a)
    response = client.get(f"/sekretariat/moter/{meeting.pk}/forhandsvisning.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")
    assert not meeting.minutes_documents.exists()  # a preview is never stored
