"""Backups, and a restore that is tested (issue 8): docs/operations.md, "Backups and restore".

    # Back up: the database (pg_dump, custom format) and the media folder (tar), plus a
    # manifest with every table's row count taken in the same snapshot as the dump.
    python ops/restore_check.py backup --database-url postgres://…/cooperation \\
        --media-root /srv/cooperation/media --out /var/backups/cooperation/2026-11-24

    # Restore that backup into a fresh database and a fresh media folder, then verify it:
    # the same tables with the same row counts and sequence values as at the dump; every
    # stored PDF's SHA-256 equal to the checksum in the database and every attachment of its
    # recorded size; `manage.py check --database default` and `migrate --check`; the home
    # page, a published meeting's page and its minutes PDF served from the restored copy.
    # The scratch database and folder are dropped afterwards (--keep keeps them).
    python ops/restore_check.py restore-check --backup /var/backups/cooperation/2026-11-24 \\
        [--target-url postgres://…/cooperation_restore_check] [--keep]

The commands it runs are the ones docs/operations.md gives for a restore by hand (pg_dump,
tar, createdb, pg_restore, tar). `tests/test_restore.py` runs both steps against a database
with the demo data and stored PDFs (`make restore-test`). Only the standard library and
psycopg are used here; the app's part (`app-check`) runs in a child process with
DATABASE_URL and DJANGO_MEDIA_ROOT pointing at the restored copy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DUMP, MEDIA_TAR, MANIFEST = "db.dump", "media.tar.gz", "manifest.json"
SCRATCH_SUFFIX = "_restore_check"


def log(message: str) -> None:
    print(f"[restore-check] {message}", file=sys.stderr, flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    log("$ " + " ".join(_redact(c) for c in command))
    return subprocess.run(command, check=True, **kwargs)


def _redact(part: str) -> str:
    if "://" not in part:
        return part
    url = urlsplit(part)
    if url.password:
        netloc = url.netloc.replace(f":{url.password}@", ":***@")
        return urlunsplit(url._replace(netloc=netloc))
    return part


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# What a database holds: the row count of every table and the value of every sequence


def tables_and_sequences(conn) -> tuple[dict[str, int], dict[str, int | None]]:
    from psycopg import sql

    names = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    ).fetchall()
    counts = {}
    for schema, table in names:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        counts[f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
    sequences = {
        f"{schema}.{name}": value
        for schema, name, value in conn.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2"
        ).fetchall()
    }
    return counts, sequences


# backup


def backup(database_url: str, media_root: Path, out: Path) -> dict:
    """pg_dump and the counts in one snapshot (a live database keeps changing), then the
    media: after the dump, so every file the dump refers to is in the tar."""
    import psycopg
    from psycopg import IsolationLevel

    out.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(database_url) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts, sequences = tables_and_sequences(conn)
        server = conn.execute("SHOW server_version").fetchone()[0]
        run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={out / DUMP}",
                f"--dbname={database_url}",
            ]
        )
        conn.rollback()
    media_root.mkdir(parents=True, exist_ok=True)
    run(
        ["tar", "--create", "--gzip", f"--file={out / MEDIA_TAR}", f"--directory={media_root}", "."]
    )
    manifest = {
        "taken_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": database_name(database_url),
        "server_version": server,
        "tables": counts,
        "sequences": sequences,
        "rows": sum(counts.values()),
        "dump_bytes": (out / DUMP).stat().st_size,
        "media_tar_bytes": (out / MEDIA_TAR).stat().st_size,
        "dump_sha256": sha256_of(out / DUMP),
        "media_tar_sha256": sha256_of(out / MEDIA_TAR),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    log(f"backup in {out}: {len(counts)} tables, {manifest['rows']} rows")
    return manifest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# restore-check


def restore_check(backup_dir: Path, target_url: str, *, keep: bool = False) -> dict:
    import psycopg
    from psycopg import sql

    manifest = json.loads((backup_dir / MANIFEST).read_text())
    problems: list[str] = []
    for name, key in ((DUMP, "dump_sha256"), (MEDIA_TAR, "media_tar_sha256")):
        if sha256_of(backup_dir / name) != manifest[key]:
            problems.append(f"{name} is not the file the backup wrote (SHA-256 differs)")
    if problems:
        return {"ok": False, "problems": problems}

    target = database_name(target_url)
    with psycopg.connect(with_database(target_url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target]).fetchone()
        if exists and not target.endswith(SCRATCH_SUFFIX):
            raise SystemExit(f"refusing to restore into {target}: it exists and is not a scratch")
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(target)))
    media = Path(tempfile.mkdtemp(prefix="restored-media-"))
    result: dict = {"database": target, "media_root": str(media)}
    try:
        run(["createdb", f"--maintenance-db={with_database(target_url, 'postgres')}", target])
        run(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                f"--dbname={target_url}",
                str(backup_dir / DUMP),
            ]
        )
        run(
            [
                "tar",
                "--extract",
                "--gzip",
                f"--file={backup_dir / MEDIA_TAR}",
                f"--directory={media}",
            ]
        )

        with psycopg.connect(target_url) as conn:
            counts, sequences = tables_and_sequences(conn)
        if counts.keys() != manifest["tables"].keys():
            missing = sorted(manifest["tables"].keys() - counts.keys())
            extra = sorted(counts.keys() - manifest["tables"].keys())
            problems.append(f"tables differ: missing {missing}, extra {extra}")
        for table, expected in manifest["tables"].items():
            if counts.get(table, expected) != expected:
                problems.append(f"{table}: {counts[table]} rows, the backup had {expected}")
        for name, expected in manifest["sequences"].items():
            if sequences.get(name) != expected:
                problems.append(f"sequence {name}: {sequences.get(name)}, was {expected}")
        result["tables"] = len(counts)
        result["rows"] = sum(counts.values())

        env = {
            **os.environ,
            "DATABASE_URL": target_url,
            "DJANGO_MEDIA_ROOT": str(media),
            "DJANGO_SETTINGS_MODULE": "cooperation.settings",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        manage = [sys.executable, "manage.py"]
        for command in (["check", "--database", "default"], ["migrate", "--check"]):
            done = subprocess.run(
                manage + command, cwd=BASE_DIR, env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                problems.append(f"manage.py {' '.join(command)}: {done.stdout}{done.stderr}")
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "app-check"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            problems.append(f"app-check failed: {done.stderr[-3000:]}")
        else:
            app = json.loads(done.stdout)
            problems += app.pop("problems")
            result["app"] = app
    finally:
        if not keep:
            with psycopg.connect(with_database(target_url, "postgres"), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(target)
                    )
                )
            shutil.rmtree(media, ignore_errors=True)
    result |= {"ok": not problems, "problems": problems, "kept": keep}
    return result


# app-check: run in a child process against the restored database and media folder


def app_check() -> dict:
    """The stored files against their rows, then the app itself on the restored copy."""
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from cases.models import Attachment
    from meetings.documents import MinutesDocument, NoticeDocument
    from meetings.models import Meeting

    problems = []
    checked = {"pdfs": 0, "attachments": 0}
    for model in (MinutesDocument, NoticeDocument):
        for document in model.objects.only("pk", "file", "sha256").iterator():
            path = Path(settings.MEDIA_ROOT) / document.file.name
            if not path.is_file():
                problems.append(f"{model.__name__} {document.pk}: {document.file.name} missing")
            elif sha256_of(path) != document.sha256:
                problems.append(f"{model.__name__} {document.pk}: SHA-256 differs from the row")
            checked["pdfs"] += 1
    for attachment in Attachment.objects.only("pk", "file", "size").iterator():
        path = Path(settings.MEDIA_ROOT) / attachment.file.name
        if not path.is_file():
            problems.append(f"attachment {attachment.pk}: {attachment.file.name} missing")
        elif attachment.size and path.stat().st_size != attachment.size:
            problems.append(f"attachment {attachment.pk}: size differs from the row")
        checked["attachments"] += 1

    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    client = Client(HTTP_HOST=hosts[0] if hosts else "localhost", secure=not settings.DEBUG)
    pages = {}

    def get(path: str):
        response = client.get(path)
        pages[path] = response.status_code
        if response.status_code != 200:
            problems.append(f"GET {path} answered {response.status_code}")
        return response

    get("/")
    published = (
        Meeting.objects.with_published_minutes()
        .filter(minutes_documents__isnull=False)
        .order_by("-start")
        .first()
    )
    if published is None:
        problems.append("no published meeting with a stored minutes PDF to render")
    else:
        get(reverse("meetings:meeting_detail", kwargs={"pk": published.pk}))
        response = get(reverse("meetings:minutes_pdf", kwargs={"pk": published.pk}))
        if response.status_code == 200:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            newest = published.minutes_documents.order_by("-version").first()
            if hashlib.sha256(body).hexdigest() != newest.sha256:
                problems.append(f"minutes PDF of meeting {published.pk}: served SHA-256 differs")
            checked["served_pdf_sha256"] = newest.sha256
    return {"checked": checked, "pages": pages, "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("backup", help="pg_dump + tar of the media + manifest")
    b.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    b.add_argument("--media-root", type=Path, default=os.environ.get("DJANGO_MEDIA_ROOT"))
    b.add_argument("--out", type=Path, required=True)
    r = commands.add_parser("restore-check", help="restore a backup into scratch and verify")
    r.add_argument("--backup", type=Path, required=True)
    r.add_argument(
        "--target-url", default="", help=f"default: DATABASE_URL's server, *{SCRATCH_SUFFIX}"
    )
    r.add_argument("--keep", action="store_true", help="keep the restored database and media")
    commands.add_parser("app-check", help="(internal) the app against DATABASE_URL")
    args = parser.parse_args(argv)

    if args.command == "app-check":
        out = app_check()
        print(json.dumps(out))
        return 0
    if args.command == "backup":
        if not args.database_url.startswith(("postgres://", "postgresql://")):
            parser.error("--database-url (or DATABASE_URL) must be a PostgreSQL URL")
        if args.media_root is None:
            parser.error("--media-root (or DJANGO_MEDIA_ROOT) is needed")
        backup(args.database_url, args.media_root, args.out)
        return 0
    target = args.target_url
    if not target:
        source = os.environ.get("DATABASE_URL", "")
        if not source.startswith(("postgres://", "postgresql://")):
            parser.error("--target-url, or DATABASE_URL to take the server from, is needed")
        manifest = json.loads((args.backup / MANIFEST).read_text())
        target = with_database(source, manifest["database"] + SCRATCH_SUFFIX)
    result = restore_check(args.backup, target, keep=args.keep)
    print(json.dumps(result, indent=1))
    log("restore verified" if result["ok"] else f"restore FAILED: {result['problems']}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
