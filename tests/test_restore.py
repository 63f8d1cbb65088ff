"""A restore that is tested (issue 8): `ops/restore_check.py` backs up a database with the demo
data and stored PDFs (pg_dump in one snapshot with the row counts, the media folder as a
tar), restores it into a fresh database and media folder and verifies it. `make restore-test`
runs this file; docs/operations.md gives the same commands for a restore by hand."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cases.models import Attachment
from meetings.documents import MinutesDocument, publish_minutes_document
from meetings.models import Meeting
from ops import restore_check

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def database_exists(name: str) -> bool:
    url = restore_check.with_database(database_url(), "postgres")
    with psycopg.connect(url) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


@pytest.fixture
def demo(settings):
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    # Two published meetings' minutes stored as PDF/A (the demo imports them unrendered).
    for meeting in Meeting.objects.with_published_minutes().order_by("-start")[:2]:
        publish_minutes_document(meeting)
    assert MinutesDocument.objects.count() == 2
    return Path(settings.MEDIA_ROOT)


def test_a_backup_restores_into_a_fresh_database_and_media_folder(demo, tmp_path):
    backup = tmp_path / "backup"
    target = connection.settings_dict["NAME"] + restore_check.SCRATCH_SUFFIX
    # The command line an operator runs (`backup`), then the check of what it wrote.
    subprocess.run(
        [sys.executable, "ops/restore_check.py", "backup", "--database-url", database_url(),
         "--media-root", str(demo), "--out", str(backup)],
        cwd=restore_check.BASE_DIR, check=True, capture_output=True,
    )  # fmt: skip
    manifest = json.loads((backup / restore_check.MANIFEST).read_text())
    assert manifest["tables"]["public.meetings_meeting"] == Meeting.objects.count()
    assert manifest["tables"]["public.cooperation_rolechange"] > 0
    assert manifest["tables"]["public.meetings_minutesdocument"] == 2

    result = restore_check.restore_check(
        backup, restore_check.with_database(database_url(), target)
    )

    assert result["ok"], result["problems"]
    assert result["tables"] == len(manifest["tables"]) and result["rows"] == manifest["rows"]
    app = result["app"]
    assert app["checked"]["pdfs"] == 2
    assert app["checked"]["attachments"] == Attachment.objects.count()
    assert set(app["pages"].values()) == {200} and len(app["pages"]) == 3  # /, meeting, PDF
    assert app["checked"]["served_pdf_sha256"] in set(
        MinutesDocument.objects.values_list("sha256", flat=True)
    )
    assert not database_exists(target)  # the scratch copy is dropped


def test_a_stored_pdf_that_does_not_match_its_checksum_fails_the_check(demo, tmp_path):
    # Bit rot in the media folder before the backup: the restore "works", the check says no.
    document = MinutesDocument.objects.order_by("pk").first()
    path = demo / document.file.name
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    restore_check.backup(database_url(), demo, tmp_path / "backup")
    target = connection.settings_dict["NAME"] + restore_check.SCRATCH_SUFFIX

    result = restore_check.restore_check(
        tmp_path / "backup", restore_check.with_database(database_url(), target)
    )

    assert not result["ok"]
    stored = f"MinutesDocument {document.pk}: SHA-256 differs from the row"
    # … and nothing else, but the download of that very file when it is the one served.
    served = f"minutes PDF of meeting {document.meeting_id}: served SHA-256 differs"
    assert stored in result["problems"] and set(result["problems"]) <= {stored, served}
