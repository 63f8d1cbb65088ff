"""PDF work kept off the request workers: the database task backend and its worker (ADR 0009).

The rest of the suite runs tasks with the immediate backend; these run the real path: the
request enqueues a row, `manage.py db_worker` picks it up and stores the document.
"""

import datetime
import signal
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from meetings import pdf
from meetings.documents import MinutesDocument, NoticeDocument
from meetings.models import Meeting
from meetings.tasks import make_minutes_document, render_states
from tests.factories import OSLO, bring_to, make_item, make_meeting, make_membership, make_person

State = Meeting.State
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A test that commits: the worker reads what the request committed, as in production.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_database_backend", "_media"),
]


@pytest.fixture
def _database_backend():
    with override_settings(TASKS=DATABASE_BACKEND):
        yield


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def run_worker() -> None:
    """`manage.py db_worker --batch`: run what is queued, then stop. The command installs its
    own signal handlers; the test process gets its own back."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def nb(text: str) -> str:
    with translation.override("nb"):
        return gettext(text)


@pytest.fixture
def approved(body_x, secretary_a):
    meeting = make_meeting(body_x, start=datetime.datetime(2026, 11, 12, 10, tzinfo=OSLO))
    make_item(meeting, title="Budsjett 2027", decision="Budsjettet vedtas.")
    return bring_to(meeting, State.APPROVED, secretary_a)


@pytest.fixture
def planned(body_x, coop_a):
    make_membership(body_x, make_person(coop_a, name="Ingar Vaskinn", email="i@example.invalid"))
    meeting = make_meeting(body_x, start=datetime.datetime(2026, 12, 10, 10, tzinfo=OSLO))
    make_item(meeting, title="Jernbanekampanje for Osloregionen")
    return meeting


def test_publishing_enqueues_the_minutes_pdf_and_the_worker_stores_it(
    client, approved, secretary_a
):
    client.force_login(secretary_a)
    with mock.patch("meetings.pdf.html_to_pdf", wraps=pdf.html_to_pdf) as renderer:
        response = client.post(f"/sekretariat/moter/{approved.pk}/publiser/")
    assert response.status_code == 302
    renderer.assert_not_called()  # the request only enqueued
    [queued] = DBTaskResult.objects.filter(task_path=make_minutes_document.module_path)
    assert queued.status == TaskResultStatus.READY
    assert queued.task_path == make_minutes_document.module_path
    assert queued.args_kwargs == {"args": [], "kwargs": {"meeting_id": approved.pk}}
    assert not MinutesDocument.objects.exists()

    workspace = client.get(f"/sekretariat/moter/{approved.pk}/").text
    assert nb("The minutes PDF is being made …") in workspace
    client.logout()
    page = client.get(f"/moter/{approved.pk}/").text
    # The minutes' and the notice's: the notice's render, asked for when bring_to sent the
    # notice, waits for the worker too.
    assert page.count(nb("The PDF is being made …")) == 2
    assert f"/moter/{approved.pk}/referat.pdf" not in page

    run_worker()
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    document = MinutesDocument.objects.get(meeting=approved)
    assert queued.return_value == document.version == 1
    page = client.get(f"/moter/{approved.pk}/").text
    assert f"/moter/{approved.pk}/referat.pdf" in page and document.sha256 in page
    assert page.count(nb("The PDF is being made …")) == 0
    assert client.get(f"/moter/{approved.pk}/referat.pdf").status_code == 200


def test_the_notice_link_is_mailed_before_the_pdf_exists_and_serves_it_once_stored(
    client, planned, secretary_a
):
    client.force_login(secretary_a)
    response = client.post(f"/sekretariat/moter/{planned.pk}/send-innkalling/")
    assert response.status_code == 302
    assert not NoticeDocument.objects.exists()
    [message] = mail.outbox
    link = f"/moter/{planned.pk}/innkalling-medlemmer.pdf"
    assert f"http://testserver{link}" in message.body
    waiting = client.get(link)
    assert waiting.status_code == 503 and waiting["Retry-After"] == "30"
    workspace = client.get(f"/sekretariat/moter/{planned.pk}/").text
    assert nb("The notice PDFs are being made …") in workspace

    run_worker()
    assert NoticeDocument.objects.filter(meeting=planned).count() == 2
    assert client.get(link).status_code == 200
    assert render_states(planned) == {}


def test_a_failed_render_is_shown_to_the_secretariat_who_can_make_it_again(
    client, approved, secretary_a
):
    client.force_login(secretary_a)
    client.post(f"/sekretariat/moter/{approved.pk}/publiser/")
    with mock.patch("meetings.pdf.html_to_pdf", side_effect=RuntimeError("no fonts")):
        run_worker()
    minutes_tasks = DBTaskResult.objects.filter(task_path=make_minutes_document.module_path)
    assert minutes_tasks.get().status == TaskResultStatus.FAILED
    assert not MinutesDocument.objects.exists()
    assert render_states(approved)["minutes"].failed
    failed = nb("The minutes PDF could not be made (%(time)s).").split(" (")[0]
    assert failed in client.get(f"/sekretariat/moter/{approved.pk}/logg/").text
    assert failed in client.get(f"/sekretariat/moter/{approved.pk}/").text
    # The public sees no error: no link yet.
    client.logout()
    assert nb("The PDF is being made …") in client.get(f"/moter/{approved.pk}/").text

    client.force_login(secretary_a)
    response = client.post(f"/sekretariat/moter/{approved.pk}/lag-pdf/", {"back": "log"})
    assert response["Location"] == f"/sekretariat/moter/{approved.pk}/logg/"
    # Both PDFs of a published meeting are asked for again; the worker makes them.
    assert render_states(approved)["minutes"].pending
    run_worker()
    assert MinutesDocument.objects.filter(meeting=approved).count() == 1
    assert NoticeDocument.objects.filter(meeting=approved).count() == 2
    assert render_states(approved) == {}
    assert failed not in client.get(f"/sekretariat/moter/{approved.pk}/logg/").text


def test_a_render_whose_worker_died_is_shown_as_failed(approved):
    make_minutes_document.enqueue(meeting_id=approved.pk)
    assert render_states(approved)["minutes"].pending
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert render_states(approved)["minutes"].failed
