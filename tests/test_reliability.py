"""A database restart survived (issue 8): PostgreSQL drops every connection, the app carries on.

Restarting the shared server is not ours to do, so the restart is simulated where it matters,
from the app's side: `pg_terminate_backend` ends every connection to the test database (what
a restart does to each of them), from a connection of our own. The requests go through
Django's real WSGI handler (`WSGIHandler`, as gunicorn calls it), not the test client: only
the handler runs `close_old_connections` at the start and end of each request, where the
persistent connection (`CONN_MAX_AGE`) is health-checked (`CONN_HEALTH_CHECKS`).

- After the kill the next request succeeds, on a new connection; without the health checks
  the same request would have been a 500 (shown, so the test is seen to test something).
- A minutes autosave answered 200 is in the database after the kill (read over a connection
  that is not the app's), and the page shows it.
- A save whose connection dies in the middle answers 500, not 200 and not "saved", and leaves
  the item as it was (version included); the next save, with the same version, goes through.
- The task worker (`manage.py db_worker`, a process of its own) carries on after the restart:
  the next PDF is made by the same process on a new connection.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import re
import subprocess
import sys
import time
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from meetings.documents import MinutesDocument
from meetings.models import Meeting
from meetings.tasks import make_minutes_document
from tests.factories import bring_to, make_case, make_item, make_meeting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APP = WSGIHandler()
CSRF = get_random_string(32)


def request(method: str, path: str, cookie: str = "", data: dict | None = None, **headers):
    """One request through the WSGI handler, as a WSGI server makes it: (status, text)."""
    body = urlencode(data or {}, doseq=True).encode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": cookie,
    }
    if method == "POST":
        environ |= {
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_X_CSRFTOKEN": CSRF,
        }
    environ |= {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    setup_testing_defaults(environ)
    status: list[str] = []
    result = APP(environ, lambda s, _h, _e=None: status.append(s))
    try:
        text = b"".join(result).decode()
    finally:
        result.close()  # request_finished: Django's end-of-request connection handling
    return int(status[0].split()[0]), text


def own_connection() -> psycopg.Connection:
    """A connection to the test database that is not the app's: the DBA's, so to speak."""
    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"]}
    params |= {"host": s["HOST"], "port": s["PORT"]}
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


def app_backend_pid() -> int | None:
    return connection.connection.info.backend_pid if connection.connection else None


def terminate_all() -> int:
    """What a restart does to the app: every other connection to this database is ended."""
    with own_connection() as conn:
        ended = conn.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    return ended


@contextlib.contextmanager
def persistent_connections(*, health_checks: bool):
    """The production defaults (persistent connections, health checks) or health checks off."""
    s = connection.settings_dict
    saved = s["CONN_MAX_AGE"], s["CONN_HEALTH_CHECKS"]
    s["CONN_MAX_AGE"], s["CONN_HEALTH_CHECKS"] = 600, health_checks
    connection.close()  # the next connection is made with these settings
    try:
        yield
    finally:
        s["CONN_MAX_AGE"], s["CONN_HEALTH_CHECKS"] = saved
        connection.close()


@pytest.fixture
def cookie(secretary_a) -> str:
    client = Client()
    client.force_login(secretary_a)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF}"


@pytest.fixture
def item(body_x, secretary_a, coop_a):
    meeting = make_meeting(body_x)
    item = make_item(meeting, case=make_case(coop_a))
    bring_to(meeting, Meeting.State.HELD, secretary_a)
    return item


def minutes(version: int, text: str) -> dict:
    return {
        "version": version,
        "minutes_text": text,
        "decision": "Vedtatt.",
        "outcome": "adopted",
        "vote": "unanimous",
    }


def stored(item_id: int) -> tuple[str, int]:
    with own_connection() as conn:
        return conn.execute(
            "SELECT minutes_text, version FROM meetings_agendaitem WHERE id = %s", [item_id]
        ).fetchone()


def test_the_production_settings_keep_connections_and_check_their_health():
    db = settings.DATABASES["default"]
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["CONN_MAX_AGE"] > 0


def test_the_next_request_after_the_database_restarts_succeeds(cookie):
    with persistent_connections(health_checks=True):
        assert request("GET", "/sekretariat/", cookie)[0] == 200
        first = app_backend_pid()
        assert request("GET", "/sekretariat/", cookie)[0] == 200
        assert app_backend_pid() == first  # one persistent connection, kept between requests

        assert terminate_all() >= 1
        assert request("GET", "/sekretariat/", cookie)[0] == 200
        assert request("GET", "/healthz")[0] == 200
        assert app_backend_pid() not in (None, first)  # reconnected

    # The control: the same kill without health checks costs the next visitor a 500.
    with persistent_connections(health_checks=False):
        assert request("GET", "/healthz")[0] == 200
        terminate_all()
        assert request("GET", "/sekretariat/", cookie)[0] == 500
        assert request("GET", "/sekretariat/", cookie)[0] == 200  # closed after the error


def test_an_autosave_answered_200_is_in_the_database_after_the_restart(cookie, item):
    path = f"/sekretariat/saker/{item.pk}/referat/"
    with persistent_connections(health_checks=True):
        status, text = request(
            "POST", path, cookie, minutes(item.version, "Lagret før omstarten."), HX_Request="true"
        )
        assert status == 200 and 'id="minutes-status"' in text

        terminate_all()

        assert stored(item.pk) == ("Lagret før omstarten.", item.version + 1)
        status, page = request("GET", path, cookie)
        assert status == 200 and "Lagret før omstarten." in page


def test_a_save_cut_off_by_the_restart_answers_500_and_changes_nothing(cookie, item):
    path = f"/sekretariat/saker/{item.pk}/referat/"
    before = stored(item.pk)
    killed: list[int] = []

    def restart_before_the_update(execute, sql, params, many, context):
        # The connection dies just as the save's UPDATE is sent.
        if not killed and re.match(r'UPDATE "meetings_agendaitem"', sql):
            killed.append(terminate_all())
        return execute(sql, params, many, context)

    with persistent_connections(health_checks=True):
        assert request("GET", path, cookie)[0] == 200
        with connection.execute_wrapper(restart_before_the_update):
            status, text = request(
                "POST", path, cookie, minutes(before[1], "Aldri lagret."), HX_Request="true"
            )
        assert killed == [1]
        assert status == 500
        assert "Aldri lagret." not in text and 'id="minutes-status"' not in text
        assert stored(item.pk) == before  # neither the text nor the version

        # The writer's next autosave (same version, as the page still holds it) is stored.
        status, _text = request(
            "POST", path, cookie, minutes(before[1], "Lagret etter omstarten."), HX_Request="true"
        )
        assert status == 200
        assert stored(item.pk) == ("Lagret etter omstarten.", before[1] + 1)


# The task worker (ADR 0009) is a process of its own, polling the database: the restart is
# made while it is waiting for work, its usual state, and it must then carry on with the
# next render on a new connection, without being restarted.


def worker_process(tmp_path) -> subprocess.Popen:
    """`manage.py db_worker` as production runs it (docs/operations.md), on the test database."""
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cooperation.settings",
        "DATABASE_URL": url,
        "DJANGO_TASKS_BACKEND": "database",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_PAGE_CACHE_DIR": str(tmp_path / "page-cache"),
        "DJANGO_CONN_MAX_AGE": "600",
    }
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stderr=subprocess.PIPE)


def published_by_the_worker(worker, meeting, secretary, seconds: float = 120) -> None:
    """Publish the minutes, queue their PDF as the publishing view does, and wait for the
    worker to store it."""
    meeting.publish(by=secretary)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        make_minutes_document.enqueue(meeting_id=meeting.pk)
    deadline = time.monotonic() + seconds
    while not MinutesDocument.objects.filter(meeting=meeting).exists():
        assert worker.poll() is None, worker.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker stored no PDF"
        time.sleep(0.2)


def test_the_task_worker_carries_on_after_the_database_restarts(body_x, secretary_a, tmp_path):
    first, second = (
        bring_to(make_meeting(body_x, start=start), Meeting.State.APPROVED, secretary_a)
        for start in (timezone.now() - datetime.timedelta(days=d) for d in (14, 7))
    )
    worker = worker_process(tmp_path)
    try:
        published_by_the_worker(worker, first, secretary_a)
        # The worker holds a connection (CONN_MAX_AGE) and waits for work: the restart ends it,
        # and the test's own.
        assert terminate_all() >= 2
        connection.close()  # the test's own connection was ended too
        published_by_the_worker(worker, second, secretary_a)
        assert worker.poll() is None  # the same process, never restarted
    finally:
        worker.terminate()
        worker.wait(timeout=30)
