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
