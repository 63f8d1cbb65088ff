"""Settings come from the environment; production values pass Django's deploy check."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "moter.example.no",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_uses_host_only_secure_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE)"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
    ]


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be a boolean"),
        ({**PRODUCTION, "DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS must be set"),
        ({**PRODUCTION, "DJANGO_DEMO": "1"}, "DJANGO_DEMO must be off"),
        ({**PRODUCTION, "DJANGO_DEBUG": "1"}, "set DJANGO_DEBUG=0 in production"),
        ({"DJANGO_TASKS_BACKEND": "celery"}, "DJANGO_TASKS_BACKEND must be one of"),
    ],
)
def test_bad_settings_stop_the_start_with_a_clear_message(env, complaint):
    result = manage("check", **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_production_renders_pdfs_in_the_database_backed_task_worker():
    code = "from django.conf import settings as s; print(s.TASKS['default']['BACKEND'])"
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1] == "django_tasks_db.DatabaseBackend"
    result = manage("shell", "-c", code, **PRODUCTION, DJANGO_TASKS_BACKEND="immediate")
    assert result.stdout.strip().splitlines()[-1].endswith("ImmediateBackend")


def test_production_compiles_each_template_once_and_caches_fragments_in_memory():
    code = (
        "from django.template import engines; from django.core.cache import caches; "
        "loader = engines['django'].engine.template_loaders[0]; "
        "print(type(loader).__module__, type(caches['default']).__name__)"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.template.loaders.cached",
        "LocMemCache",
    ]


def test_production_shares_rendered_pages_in_files_keyed_by_the_release():
    code = (
        "from django.core.cache import caches; from django.conf import settings as s; "
        "print(type(caches['pages']).__name__, caches['pages'].key_prefix == s.RELEASE, "
        "len(s.RELEASE))"
    )
    result = manage("shell", "-c", code, **PRODUCTION, DJANGO_PAGE_CACHE_DIR="/tmp/x")
    assert result.stdout.strip().splitlines()[-1].split() == ["FileBasedCache", "True", "16"]


@pytest.mark.parametrize(("flag", "prepared"), [(None, True), ("0", False)])
def test_postgresql_connections_prepare_their_statements_unless_told_not_to(flag, prepared):
    # ADR 12; only the settings are read here, no connection is made.
    code = (
        "from django.conf import settings as s; o = s.DATABASES['default'].get('OPTIONS', {}); "
        "print(o.get('server_side_binding', False), o.get('prepare_threshold'))"
    )
    env = {**PRODUCTION, "DATABASE_URL": "postgres://app@db.example.invalid:5432/moter"}
    if flag is not None:
        env["DJANGO_DB_PREPARED"] = flag
    result = manage("shell", "-c", code, **env)
    expected = ["True", "5"] if prepared else ["False", "None"]
    assert result.stdout.strip().splitlines()[-1].split() == expected, result.stderr
