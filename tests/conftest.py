"""Personas and the rules for tests that need PostgreSQL or a browser."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection
from django.utils import translation

from tests.factories import (
    make_body,
    make_cooperation,
    make_membership,
    make_person,
    make_secretary,
    make_user,
)

IN_CI = os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}


def skip_or_fail(reason: str) -> None:
    """Skip locally with a reason; in CI a skipped requirement is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _requires_postgres(request) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        skip_or_fail("needs Debian's Chromium (apt-get install chromium)")
    return path


# Personas: a secretary of cooperation A, a member and the chair of body X, a member of body
# Y, a secretary of cooperation B, and the anonymous visitor (the plain `client`).


@pytest.fixture
def coop_a(db):
    return make_cooperation(name="Osloregionen", slug="osloregionen")


@pytest.fixture
def coop_b(db):
    return make_cooperation(name="Østlandssamarbeidet", slug="ostlandssamarbeidet")


@pytest.fixture
def body_x(coop_a):
    return make_body(coop_a, name="Styret")


@pytest.fixture
def body_y(coop_a):
    return make_body(coop_a, name="Representantskapet", kind="council")


@pytest.fixture
def secretary_a(coop_a):
    return make_secretary(coop_a, "sekretar")


@pytest.fixture
def secretary_b(coop_b):
    return make_secretary(coop_b, "sekretar-b")


@pytest.fixture
def member_x(body_x):
    user = make_user("medlem")
    person = make_person(body_x.cooperation, name="Nina Mosseby", user=user)
    make_membership(body_x, person)
    return user


@pytest.fixture
def chair_x(body_x):
    user = make_user("leder")
    person = make_person(body_x.cooperation, name="Eli Arnkværn Bryhni", user=user)
    make_membership(body_x, person, role="chair")
    return user


@pytest.fixture
def member_y(body_y):
    user = make_user("medlem-y")
    person = make_person(body_y.cooperation, name="Karl Jørgen Tofte", user=user)
    make_membership(body_y, person)
    return user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness costs half a second per user; tests need no such safety.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _bokmal(settings):
    # A request with Accept-Language leaves its language active in the thread; every test
    # starts from the default, bokmål.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


# The task backends of the tests (ADR 9, ADR 15): every write to the public record asks the
# task worker for its PDFs.
RENDERING = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
QUEUEING = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _tasks(request, settings) -> None:
    """Laid out at once, the PDFs would cost a second or more in every test that moves a
    meeting along; so a test's renders are only queued (the dummy backend keeps the requests,
    `default_task_backend.results`), and the tests marked `renders_pdfs` — and the browser
    journeys — have them laid out in the request, as `make run` does."""
    renders = any(request.node.get_closest_marker(name) for name in ("renders_pdfs", "browser"))
    settings.TASKS = RENDERING if renders else QUEUEING


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory) -> None:
    # Attachments and rendered PDFs never land in the developer's var/media.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True, scope="session")
def _page_cache_of_this_run(tmp_path_factory) -> None:
    # The shared page cache (its files) of this test run alone: two runs at once, or the
    # developer's server, never see each other's pages.
    from django.conf import settings
    from django.core.cache import caches

    settings.CACHES["pages"]["LOCATION"] = str(tmp_path_factory.mktemp("page-cache"))
    from asgiref.local import Local

    # What django.test.signals.clear_cache_handlers does when a test changes CACHES.
    caches.close_all()
    caches._settings = caches.settings = caches.configure_settings(None)
    caches._connections = Local(False)
    assert caches["pages"]._dir == settings.CACHES["pages"]["LOCATION"]


@pytest.fixture(autouse=True)
def _empty_cache(_page_cache_of_this_run):
    # Cached page fragments (docs/decisions/0010-page-caching.md) are keyed by row ids, which
    # the next test's database hands out again: every test starts with empty caches.
    from django.core.cache import caches

    for name in ("default", "pages"):
        caches[name].clear()
    yield
    for name in ("default", "pages"):
        caches[name].clear()
