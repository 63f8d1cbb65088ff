"""One path to the public record (issue 16, ADR 15): every write the public may see reaches the
search rows, the stored PDFs and the open data at once, whichever way it is made; the leaks
themselves are in test_public_record_leaks.py."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cases.models import Attachment
from meetings.documents import MinutesDocument, NoticeDocument
from meetings.models import AgendaItem, MeetingEvent
from meetings.oparl.models import Tombstone
from meetings.public_record import change_attachment_exemption, edit_case, remove_attachment
from meetings.search import SearchDocument
from tests.conftest import QUEUEING
from tests.factories import make_membership, make_person, make_user
from tests.meetings.test_public_record_leaks import admin_form, hit_count

pytestmark = [pytest.mark.django_db, pytest.mark.renders_pdfs]

# Every path: the model methods and functions do it, whoever calls them.


def test_the_notice_pdf_is_made_again_when_the_case_changes(public_case, secretary_a):
    meeting = public_case.treatments.get().meeting
    before = NoticeDocument.objects.filter(meeting=meeting, audience="public").count()
    edit_case(public_case, by=secretary_a, background="<p>Ny tekst om saken.</p>")
    after = NoticeDocument.objects.filter(meeting=meeting, audience="public")
    assert after.count() == before + 1


def test_an_item_exempted_through_its_method_is_logged_and_withheld(
    client, published_item, secretary_a
):
    published_item.change_exemption(
        by=secretary_a, is_exempt=True, exemption_basis="Offl. § 13", public_title="Innkjøp"
    )
    assert hit_count(client, "Fjordlinjeekspressen") == 0
    row = SearchDocument.objects.get(item=published_item)
    assert (row.title, row.decision, row.text) == ("Innkjøp", "", "")
    assert row.exemption_basis == "Offl. § 13"
    assert MeetingEvent.objects.filter(
        meeting=published_item.meeting, kind=MeetingEvent.Kind.EXEMPTION
    ).exists()
    # The minutes PDF was made again without the withheld text.
    assert MinutesDocument.objects.filter(meeting=published_item.meeting).count() == 2


def test_a_withheld_or_removed_attachment_is_withdrawn_from_open_data(
    public_case, secretary_a, tmp_path
):
    from django.core.files.base import ContentFile

    attachment = Attachment(case=public_case, title="Takst", content_type="text/plain", size=4)
    attachment.file.save("takst.txt", ContentFile(b"takst"), save=True)
    other = Attachment(case=public_case, title="Kart", content_type="text/plain", size=4)
    other.file.save("kart.txt", ContentFile(b"kart"), save=True)
    change_attachment_exemption(
        attachment, by=secretary_a, is_exempt=True, exemption_basis="Offl. § 23 første ledd"
    )
    removed = other.pk
    remove_attachment(other, by=secretary_a)
    withdrawn = set(
        Tombstone.objects.filter(kind=Tombstone.Kind.FILE).values_list("object_id", flat=True)
    )
    assert withdrawn == {attachment.pk, removed}


def test_a_person_deleted_in_the_admin_is_withdrawn_from_open_data(client, body_x, coop_a):
    person = make_person(coop_a, name="Ola Nordmann")
    make_membership(body_x, person)
    assert client.get(f"/oparl/v1/person/{person.pk}").json()["name"] == "Ola Nordmann"
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(f"/admin/cooperation/person/{person.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    client.logout()
    assert client.get(f"/oparl/v1/person/{person.pk}").json()["deleted"] is True


def test_a_body_renamed_in_the_admin_gets_its_notices_made_again(client, public_case):
    meeting = public_case.treatments.get().meeting
    body = meeting.body
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = f"/admin/cooperation/body/{body.pk}/change/"
    response = client.post(url, admin_form(client, url, name="Styret for Kvernbergsundet"))
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = NoticeDocument.objects.filter(meeting=meeting, audience="public").first()
    assert latest.version == 2
    call_command("check_public_record", stdout=io.StringIO())


# The operator's check.


def test_check_public_record_is_clean_after_the_one_path_and_names_what_drifted(
    public_case, published_item
):
    call_command("check_public_record", stdout=io.StringIO())
    # A write that went around the one path (a bulk update, a restore of half a backup).
    type(public_case).objects.filter(pk=public_case.pk).update(background="<p>Endret utenom.</p>")
    SearchDocument.objects.filter(item=published_item).delete()
    # An exemption written around the path, an hour after the case was made.
    type(public_case).objects.filter(pk=public_case.pk).update(
        is_exempt=True,
        exemption_basis="Offl. § 13",
        public_title="Unntatt",
        created=timezone.now() - datetime.timedelta(hours=1),
        modified=timezone.now(),
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_public_record", stdout=out)
    report = out.getvalue()
    assert f"search: case {public_case.pk}: søkeindeksen har en annen tekst" in report
    assert f"search: item {published_item.pk}: mangler i søkeindeksen" in report
    assert f"oparl: document {public_case.pk}: unntatt etter at det var offentlig" in report
    assert "pdf: meeting" in report  # the notice PDF still has the old text
    call_command("check_public_record", "--repair", stdout=io.StringIO())
    call_command("check_public_record", stdout=io.StringIO())
    assert Tombstone.objects.filter(kind=Tombstone.Kind.DOCUMENT, object_id=public_case.pk)


def test_check_public_record_is_clean_on_the_demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = QUEUEING
    call_command("load_demo", stdout=io.StringIO())
    # The demo's PDFs are made by `make demo` (minutes of WeasyPrint); the rest is checked.
    out = io.StringIO()
    call_command("check_public_record", "--skip-pdfs", stdout=out)
    assert "ingen avvik" in out.getvalue()


# Races: a render of an older text, two saves in flight.


def test_a_render_of_the_older_text_never_becomes_the_current_pdf(
    public_case, secretary_a, monkeypatch
):
    """A render reads the record, then lays it out for a second or two; a change committed
    meanwhile, whose own render finishes first, must stay the current version."""
    from meetings import pdf

    meeting = public_case.treatments.get().meeting
    lay_out = pdf.html_to_pdf
    changed = []

    def slow_render(html: str) -> bytes:
        if not changed:
            changed.append(True)
            # Another secretary saves while this render is under way; their render (the
            # immediate backend's, here) stores the newer text first.
            edit_case(public_case, by=secretary_a, background="<p>Kvernbergsundet er solgt.</p>")
        return lay_out(html)

    # The older render starts from the text as it was before the change.
    monkeypatch.setattr(pdf, "html_to_pdf", slow_render)
    edit_case(public_case, by=secretary_a, background="<p>Forhandlingene pågår fortsatt.</p>")
    latest = NoticeDocument.objects.filter(meeting=meeting, audience="public").first()
    current = pdf.notice_html(meeting, members=False)
    assert "Kvernbergsundet er solgt." in current
    assert latest.html_sha256 == hashlib.sha256(current.encode()).hexdigest()
    call_command("check_public_record", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_changes_in_flight_leave_search_as_the_last_commit_left_the_texts(
    public_case, secretary_a
):
    """One secretary saves the case text while another withholds its item: the second's
    rebuild must read the first's text once it is committed, not the text before it."""
    import threading
    import time

    from django.db import connection, transaction

    item = public_case.treatments.get()
    first_saved = threading.Event()
    errors = []

    def save_text() -> None:
        try:
            with transaction.atomic():
                edit_case(public_case, by=secretary_a, background="<p>Alfabetisk tekst.</p>")
                first_saved.set()
                time.sleep(1.0)  # still uncommitted while the other change runs
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            first_saved.set()
            connection.close()

    def withhold_item() -> None:
        try:
            first_saved.wait(10)
            AgendaItem.objects.get(pk=item.pk).change_exemption(
                by=secretary_a, is_exempt=True, exemption_basis="Offl. § 13", public_title="Sak"
            )
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save_text), threading.Thread(target=withhold_item)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    case_row = SearchDocument.objects.get(case=public_case)
    assert "Alfabetisk tekst." in case_row.text
    assert SearchDocument.objects.get(item=item).title == "Sak"
    call_command("check_public_record", "--skip-pdfs", stdout=io.StringIO())
