"""`make bench` / `make bench-quick`: the dataset, then every scenario under load, side by side.

    python -m bench --mode quick|full [--database-url URL] [--duration S] [--workers N]

1. Creates the bench database if missing and migrates it (manage.py migrate).
2. Makes the dataset, or reuses it (bench/generate.py).
3. Times the database's share of each search (bench/dbtime.py), with EXPLAIN ANALYZE.
4. Starts two gunicorn servers on loopback with the production settings (DEBUG off,
   persistent connections): the app itself (cooperation.wsgi) and the floor server
   (bench.wsgi: the same settings and middleware plus a bare "ok" view).
5. Loads each scenario with wrk (16 connections, fixed duration, after a warm-up) and reads
   p50/p95/p99 and non-2xx responses from bench/wrk.lua.
6. Writes bench/results/<date>-<mode>.json and prints the table (bench/report.py).

The servers are stopped on every exit (finally, atexit and signal handlers); nothing but
127.0.0.1 is touched, and each step has a time limit, so the run stops by itself.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
RESULTS_DIR = BENCH_DIR / "results"
RUN_DIR = BASE_DIR / "var" / "bench"
PYTHON = sys.executable
DEFAULT_URLS = {
    "full": "postgres://postgres@127.0.0.1:5432/cooperation_bench",
    "quick": "postgres://postgres@127.0.0.1:5432/cooperation_bench_quick",
}
MODES = {
    # measured seconds, warm-up seconds, DB timing budget per query
    "full": {"duration": 10, "warmup": 2, "db_budget": 8.0},
    "quick": {"duration": 3, "warmup": 1, "db_budget": 2.0},
}
CONNECTIONS = 16
WRK_THREADS = 2


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


# Servers


class Server:
    """A gunicorn of our own, in its own process group, stopped whatever happens."""

    running: list[Server] = []

    def __init__(self, name: str, app: str, port: int, options: dict, env: dict) -> None:
        self.name, self.app, self.port, self.options, self.env = name, app, port, options, env
        self.proc: subprocess.Popen | None = None
        self.pidfile = RUN_DIR / f"{name}.pid"
        self.logfile = RUN_DIR / f"{name}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str) -> None:
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        stop_leftover(self.pidfile)
        gunicorn = Path(PYTHON).with_name("gunicorn")
        command = [
            str(gunicorn),
            self.app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.options["workers"]),
            "--worker-class",
            self.options["worker_class"],
            "--threads",
            str(self.options["threads"]),
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--pid",
            str(self.pidfile),
        ]
        log_handle = self.logfile.open("w")
        self.proc = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        Server.running.append(self)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} server exited:\n{self.logfile.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(self.base + ready_path, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} server did not answer {ready_path} within 40 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        if self in Server.running:
            Server.running.remove(self)
        self.pidfile.unlink(missing_ok=True)


def stop_leftover(pidfile: Path) -> None:
    """A server this benchmark left behind (killed with SIGKILL) is stopped by its pid file."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return
    if "gunicorn" in cmdline and "127.0.0.1:" in cmdline:
        log(f"stopping a gunicorn left by an earlier run (pid {pid})")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(os.getpgid(pid), signal.SIGTERM)
        time.sleep(1)


def stop_all() -> None:
    for server in list(Server.running):
        server.stop()


def on_signal(signum, _frame) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drain(server: Server, limit_s: float = 180) -> float:
    """Wait until the server answers /healthz at once: wrk leaves requests behind (each
    connection's last one, and the warm-up's), which the workers still serve after wrk has
    gone; the next scenario must not queue behind them. Returns the seconds it took."""
    started = time.monotonic()
    quick = 0
    while time.monotonic() - started < limit_s:
        t = time.monotonic()
        try:
            with urllib.request.urlopen(server.base + "/healthz", timeout=limit_s) as response:
                response.read()
        except OSError:
            time.sleep(0.5)
            continue
        quick = quick + 1 if time.monotonic() - t < 0.1 else 0
        if quick == 3:
            break
    return round(time.monotonic() - started, 1)


# Load


def load(
    server: Server,
    paths: list[str],
    seconds: int,
    name: str,
    workdir: Path,
    headers: dict[str, str] | None = None,
) -> dict:
    paths_file = workdir / f"{name}.paths"
    out_file = workdir / f"{name}.json"
    paths_file.write_text("\n".join(paths) + "\n")
    out_file.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_PATHS": str(paths_file), "BENCH_OUT": str(out_file)}
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(BENCH_DIR / "wrk.lua"),
        *(f"-H{key}: {value}" for key, value in (headers or {}).items()),
        server.base,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0 or not out_file.exists():
        raise RuntimeError(f"wrk failed for {name}: {done.stdout}\n{done.stderr}")
    raw = json.loads(out_file.read_text())
    seconds_run = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    errors = raw["errors"]
    return {
        "requests": raw["requests"],
        "seconds": round(seconds_run, 2),
        "rps": round(raw["requests"] / seconds_run, 1),
        "bytes_per_response": round(raw["bytes"] / max(1, raw["requests"])),
        "latency_ms": {
            k.removesuffix("_us"): round(v / 1000, 2) for k, v in latency.items() if k != "mean"
        }
        | {"mean": round(latency["mean"] / 1000, 2)},
        "errors": {**errors, "statuses": raw["statuses"]},
        "error_count": errors["non2xx"]
        + errors["connect"]
        + errors["read"]
        + errors["write"]
        + errors["timeout"],
    }


# Who used the CPU during a scenario: this benchmark (servers, wrk, its database backends)
# or something else on the machine (the noise the figures carry)


class CpuMeter:
    """CPU used during a scenario, per process, in cores: this benchmark's (its gunicorn
    servers, its database backends and their parallel workers, itself and wrk), other
    processes' (other programs, PostgreSQL backends of other databases), and what could not
    be attributed (processes that started and ended between the two readings, such as
    parallel workers of short queries or short-lived test processes)."""

    TICK = os.sysconf("SC_CLK_TCK")
    PARALLEL = re.compile(rb"parallel worker for PID (\d+)")

    def __init__(self, database: str) -> None:
        # A backend's title: "postgres: <user> <database> 127.0.0.1(port) idle".
        self.marker = f" {database} ".encode()

    @staticmethod
    def _busy() -> int:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields) - fields[3] - fields[4]  # minus idle and iowait

    def _snapshot(self) -> dict[int, tuple[int, str]]:
        servers = {os.getpgid(s.proc.pid) for s in Server.running if s.proc}
        me = os.getpid()
        found: dict[int, tuple[int, int, bytes]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
                found[int(entry.name)] = (
                    int(fields[11]) + int(fields[12]),
                    int(fields[2]),
                    cmdline,
                )
            except (OSError, ValueError, IndexError):
                continue
        ours_backends = {
            pid for pid, (_t, _g, cmd) in found.items()
            if cmd.startswith(b"postgres: ") and self.marker in cmd
        }  # fmt: skip
        result = {}
        for pid, (ticks, pgid, cmd) in found.items():
            leader = self.PARALLEL.search(cmd)
            ours = pgid in servers or pid in ours_backends or pid == me
            ours = ours or bool(leader and int(leader.group(1)) in ours_backends)
            result[pid] = (ticks, "bench" if ours else "other")
        return result

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.busy0 = self._busy()
        self.snap0 = self._snapshot()
        self.children0 = os.times()

    def stop(self) -> dict:
        elapsed = time.monotonic() - self.t0
        busy = self._busy() - self.busy0
        used = {"bench": 0, "other": 0}
        for pid, (ticks, kind) in self._snapshot().items():
            before = self.snap0.get(pid, (0, kind))[0]
            used[kind] += max(0, ticks - before)
        now = os.times()
        children = (
            now.children_user
            + now.children_system
            - self.children0.children_user
            - self.children0.children_system
        ) * self.TICK  # wrk, reaped while the scenario ran
        used["bench"] += children
        cores = 1 / (self.TICK * elapsed)
        return {
            "busy_cores": round(busy * cores, 2),
            "bench_cores": round(used["bench"] * cores, 2),
            "other_cores": round(used["other"] * cores, 2),
            "unattributed_cores": round(max(0, busy - sum(used.values())) * cores, 2),
        }


def server_time(paths: list[str], samples: int = 15, headers: dict | None = None) -> dict:
    """One client, in this process: the app's own time per request (median), its database
    share and its query count, without the queueing a load adds. `headers`: the scenario's
    (a member's session cookie).

    Each request is made twice: first with the page caches emptied (ADR 10 and 11: what the
    first visitor after a change pays, "cold"), then again ("cached"). The median is over
    both sets as before, and each is also given apart."""
    import statistics

    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    client = Client(HTTP_HOST="127.0.0.1", **extra)
    chosen = (paths * samples)[:samples]
    client.get(chosen[0])
    runs = {"cold": ([], [], []), "cached": ([], [], [])}
    for path in chosen:
        for cache in ("default", "pages"):
            caches[cache].clear()
        for kind in ("cold", "cached"):
            totals, dbs, queries = runs[kind]
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path)
                totals.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            dbs.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            queries.append(len(captured.captured_queries))
    for cache in ("default", "pages"):
        caches[cache].clear()  # the load starts as a fresh deployment does
    cold, cached = runs["cold"], runs["cached"]
    return {
        "samples": len(cold[0]) + len(cached[0]),
        "median_ms": round(statistics.median(cached[0]), 1),
        "db_median_ms": round(statistics.median(cached[1]), 1),
        "queries": max(cached[2]),
        "cold_median_ms": round(statistics.median(cold[0]), 1),
        "cold_db_median_ms": round(statistics.median(cold[1]), 1),
        "cold_queries": max(cold[2]),
    }


def timed_renders(render, budget_s: float) -> tuple[list[float], bytes]:
    """Render once cold and then warm (at least twice more, up to five, within the budget):
    the times in ms (the first is the cold one) and the last PDF."""
    times = []
    deadline = time.monotonic() + budget_s
    while len(times) < 6 and (len(times) < 3 or time.monotonic() < deadline):
        started = time.perf_counter()
        content = render()
        times.append((time.perf_counter() - started) * 1000)
    return times, content


def pdf_pages(content: bytes) -> int | str:
    """The page count of a PDF, read with pikepdf (a test dependency); "?" without it."""
    try:
        import io

        import pikepdf
    except ImportError:
        return "?"
    with pikepdf.open(io.BytesIO(content)) as document:
        return len(document.pages)


def pdf_row(
    name: str,
    title: str,
    target: str,
    target_ms: int | None,
    times: list[float],
    note: str,
    path: str = "",
) -> dict:
    """A render scenario's row: the warm renders as its latencies, the cold one apart."""
    import statistics

    cold, warm = times[0], times[1:]
    return {
        "name": name,
        "title": title,
        "group": "pdf",
        "target": target,
        "target_ms": target_ms,
        "note": note,
        "compare_to": "",
        "paths": 1 if path else 0,
        "example_path": path,
        "requests": len(warm),
        "rps": 0,
        "paired_floor_rps": 1,
        "latency_ms": {
            "min": round(min(warm), 1),
            "p50": round(statistics.median(warm), 1),
            "p90": round(max(warm), 1),
            "p95": round(max(warm), 1),
            "p99": round(max(warm), 1),
            "max": round(max(warm), 1),
            "mean": round(statistics.fmean(warm), 1),
        },
        "cold_ms": round(cold, 1),
        "error_count": 0,
        "errors": {},
        "cpu": {},
    }


def pdf_renders(budget_s: float) -> tuple[list[dict], list[str]]:
    """Minutes PDFs of a 20- and a 100-item meeting: the render as publication does it
    (minutes_html, then html_to_pdf), once cold and then warm in this process; then each is
    published (stored) and its download URL returned for the load."""
    import statistics

    from django.urls import reverse

    from meetings import pdf
    from meetings.documents import publish_minutes_document
    from meetings.models import Meeting

    from .scenarios import pdf_meetings

    rows, paths = [], []
    for items, pk in sorted(pdf_meetings().items()):
        meeting = Meeting.objects.select_related("body__cooperation").get(pk=pk)
        target_ms = 500 if items <= 20 else 2000
        times, content = timed_renders(
            lambda meeting=meeting: pdf.html_to_pdf(pdf.minutes_html(meeting)), budget_s
        )
        started = time.perf_counter()
        publish_minutes_document(meeting)
        publish_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        publish_minutes_document(meeting)  # the same text again: no render
        again_ms = (time.perf_counter() - started) * 1000
        paths.append(reverse("meetings:minutes_pdf", kwargs={"pk": pk}))
        log(
            f"PDF of {items} items: cold {times[0]:.0f} ms, "
            f"warm {statistics.median(times[1:]):.0f} ms"
        )
        row = pdf_row(
            f"pdf_{items}_items",
            f"Minutes PDF, {items} items (warm render)",
            f"≤ {target_ms / 1000:g} s warm",
            target_ms,
            times,
            f"meeting {pk}, {pdf_pages(content)} pages, {len(content) // 1024} KB; publishing "
            f"(render and store) {publish_ms:.0f} ms, publishing again unchanged "
            f"{again_ms:.0f} ms",
            paths[-1],
        )
        row |= {"publish_ms": round(publish_ms, 1), "publish_again_ms": round(again_ms, 1)}
        rows.append(row)
    return rows, paths


def notice_renders(budget_s: float) -> list[dict]:
    """The notice (innkalling: agenda and case documents) of a 30-item meeting as it is made
    when the notice goes out (notice_html, then html_to_pdf), the public version and the
    members' one, once cold and then warm. Not stored: the dataset's notice rows stay."""
    import statistics

    from meetings import pdf
    from meetings.models import Meeting

    from .scenarios import notice_meeting

    pk = notice_meeting()
    if pk is None:
        raise RuntimeError("the dataset has no published 30-item meeting")
    meeting = Meeting.objects.select_related("body__cooperation").get(pk=pk)
    rows = []
    for members, name, version in (
        (False, "notice_pdf_public", "public"),
        (True, "notice_pdf_members", "members'"),
    ):
        times, content = timed_renders(
            lambda members=members: pdf.html_to_pdf(pdf.notice_html(meeting, members=members)),
            budget_s,
        )
        started = time.perf_counter()
        html = pdf.notice_html(meeting, members=members)
        html_ms = (time.perf_counter() - started) * 1000
        log(
            f"notice PDF, {version} version: cold {times[0]:.0f} ms, "
            f"warm {statistics.median(times[1:]):.0f} ms"
        )
        rows.append(
            pdf_row(
                name,
                f"Notice PDF, 30 items, {version} version (warm render)",
                "none set (reported)",
                None,
                times,
                f"meeting {pk}, {pdf_pages(content)} pages, {len(content) // 1024} KB, "
                f"{len(html) // 1024} KB of HTML built in {html_ms:.0f} ms",
            )
        )
    return rows


# The machine


def machine() -> dict:
    from django.db import connection

    def meminfo() -> str:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        return "?"

    def cpu() -> str:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
        return platform.processor()

    def version(command: list[str]) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10)
        except OSError:
            return "?"
        return (done.stdout or done.stderr).strip().splitlines()[0]

    import django
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        settings = {}
        for name in (
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "random_page_cost",
            "max_parallel_workers_per_gather",
            "jit",
            "default_toast_compression",
        ):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu(),
        "memory": meminfo(),
        "kernel": platform.release(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "postgresql": pg,
        "postgresql_settings": settings,
        "database_size": size,
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "gunicorn": version([str(Path(PYTHON).with_name("gunicorn")), "--version"]),
        "wrk": version(["wrk", "--version"]).split(" Copyright")[0],
        "commit": commit + ("+changes" if dirty else ""),
    }


# Setup


def ensure_database(url: str, *, recreate: bool = False) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    params = {
        "dbname": "postgres",
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if exists and recreate:
            if "bench" not in config["NAME"]:
                raise SystemExit(f"refusing to drop {config['NAME']}: not a bench database")
            log(f"dropping database {config['NAME']}")
            conn.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(config["NAME"]))
            )
            exists = None
        if not exists:
            log(f"creating database {config['NAME']}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def fresh_page_cache(mode: str) -> Path:
    folder = RUN_DIR / f"page-cache-{mode}"
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def server_env(url: str, mode: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cooperation.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_DEMO": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_CONN_MAX_AGE": "600",
        # Stored minutes PDFs of the bench databases, apart from the development media.
        "DJANGO_MEDIA_ROOT": str(RUN_DIR / f"media-{mode}"),
        # The shared page cache (ADR 11) of this run: emptied when the run starts it.
        "DJANGO_PAGE_CACHE_DIR": str(fresh_page_cache(mode)),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


# Verdicts


def verdict(result: dict, floor_rps: float, by_name: dict) -> tuple[str, list[str]]:
    from . import scenarios as s

    reasons = []
    if result["error_count"]:
        reasons.append(f"{result['error_count']} errors")
    if not result["requests"]:
        reasons.append(f"no response within the {result['seconds']:.0f} s measured")
    p95 = result["latency_ms"]["p95"]
    ratio = result["ratio_to_floor"]
    group = result["group"]
    if group in ("floor", "download"):
        return "—", reasons
    if group == "pdf":
        if result["target_ms"] is None:
            return "—", reasons
        if p95 > result["target_ms"]:
            reasons.append(f"warm render {p95 / 1000:.2f} s > {result['target_ms'] / 1000:g} s")
        return ("fails" if reasons else "holds"), reasons
    if group in ("page", "deep"):
        if p95 > s.LIST_P95_MS:
            reasons.append(f"p95 {p95:.0f} ms > {s.LIST_P95_MS} ms")
        if ratio < s.LIST_FLOOR_RATIO:
            reasons.append(f"{ratio:.1%} of floor < {s.LIST_FLOOR_RATIO:.0%}")
    if group == "deep":
        # Both normalised by the floor measured right after each, against the machine's noise.
        first = by_name.get(result["compare_to"])
        if first and ratio < s.DEEP_RATIO * first["ratio_to_floor"]:
            reasons.append(
                f"{ratio / first['ratio_to_floor']:.0%} of page 1's throughput < {s.DEEP_RATIO:.0%}"
            )
    if group == "htmx":
        # "server p95": one secretary saving; the 16-client figures are in the row as well.
        one = result["one_client"]["latency_ms"]["p95"]
        if one > s.HTMX_P95_MS:
            reasons.append(f"one client's p95 {one:.0f} ms > {s.HTMX_P95_MS} ms")
    if group == "search":
        if p95 > s.SEARCH_P95_MS:
            reasons.append(f"p95 {p95:.0f} ms > {s.SEARCH_P95_MS} ms")
        db = result.get("db", {}).get("pooled")
        if db and db["p95_ms"] > s.SEARCH_DB_P95_MS:
            reasons.append(f"DB p95 {db['p95_ms']:.0f} ms > {s.SEARCH_DB_P95_MS} ms")
    return ("fails" if reasons else "holds"), reasons


# The run


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--duration", type=int, default=0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=int, default=-1)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--force-generate", action="store_true")
    parser.add_argument("--no-save", action="store_true", help="print, do not write results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mode = MODES[args.mode]
    duration = args.duration or mode["duration"]
    warmup = mode["warmup"] if args.warmup < 0 else args.warmup
    floor_seconds = max(2, duration // 3)
    url = args.database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URLS[args.mode]
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench does it as root).", file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    atexit.register(stop_all)
    started = time.monotonic()
    env = server_env(url, args.mode)
    os.environ.update({k: env[k] for k in env if k.startswith(("DJANGO_", "DATABASE_URL"))})

    ensure_database(url)
    log("migrating the bench database")
    migrate = [PYTHON, "manage.py", "migrate", "--no-input", "-v0"]
    done = subprocess.run(migrate, cwd=BASE_DIR, env=env, timeout=600)
    if done.returncode != 0:
        # Migrations that were renamed or rewritten since the bench database was made (the
        # tree moves fast): the database is the benchmark's own, so it is made afresh.
        log("migrate failed on the existing bench database: dropping and recreating it")
        ensure_database(url, recreate=True)
        subprocess.run(migrate, cwd=BASE_DIR, env=env, check=True, timeout=600)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    from . import dbtime, generate, htmx, scenarios
    from .textgen import Vocabulary

    dataset = generate.ensure_dataset(generate.SCALES[args.mode], force=args.force_generate)
    rng = random.Random(7)
    vocabulary = Vocabulary.build()
    log("choosing the URLs and search queries")
    floor = scenarios.Scenario("floor", "Bare Django view (floor)", ["/bench/ok"], "floor")
    chosen = [
        *scenarios.list_scenarios(rng),
        *scenarios.page_scenarios(rng),
        *scenarios.search_scenarios(vocabulary, rng),
        *scenarios.oparl_scenarios(),
        *scenarios.member_scenarios(),
    ]
    wanted = set(args.only.split(",")) if args.only else None
    if wanted:
        chosen = [s for s in chosen if s.name in wanted]
    htmx_names = {"htmx_minutes_save", "htmx_reorder", "htmx_attendance"}
    run_htmx = htmx_names if not wanted else htmx_names & wanted

    db_times, server_times, skipped = {}, {}, []
    for scenario in chosen:
        if scenario.group == "search":
            log(f"database time of {scenario.name}: {[q['query'] for q in scenario.queries]}")
            db_times[scenario.name] = dbtime.time_scenario(
                [q["query"] for q in scenario.queries], budget_s=mode["db_budget"]
            )
    log("server time per request, one client, in process")
    for scenario in chosen:
        server_times[scenario.name] = server_time(scenario.paths, headers=scenario.headers)
    pdf_rows: list[dict] = []
    if not wanted or wanted & {"pdf_20_items", "pdf_100_items", "pdf_download"}:
        log("minutes PDFs: warm render times, then published")
        try:
            pdf_rows, pdf_paths = pdf_renders(budget_s=mode["db_budget"] * 4)
        except Exception as error:  # noqa: BLE001 - the product may have moved on
            log(f"PDF scenarios skipped: {error!r}")
            skipped.append({"names": ["pdf_20_items", "pdf_100_items"], "why": repr(error)})
            pdf_paths = []
    if not wanted or wanted & {"notice_pdf_public", "notice_pdf_members"}:
        log("notice PDFs of a 30-item meeting: warm render times, both versions")
        try:
            pdf_rows += notice_renders(budget_s=mode["db_budget"] * 4)
        except Exception as error:  # noqa: BLE001 - the product may have moved on
            log(f"notice PDF scenarios skipped: {error!r}")
            skipped.append(
                {"names": ["notice_pdf_public", "notice_pdf_members"], "why": repr(error)}
            )
        if pdf_paths:
            chosen.append(
                scenarios.Scenario(
                    "pdf_download",
                    "Minutes PDF download (stored file)",
                    pdf_paths,
                    "download",
                    "served as a stored file",
                    note="the two PDFs above, as published",
                )
            )
            server_times["pdf_download"] = server_time(pdf_paths)
    facts = machine()
    connections.close_all()

    options = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads}
    app = Server("app", "cooperation.wsgi:application", free_port(), options, env)
    bare = Server("floor", "bench.wsgi:application", free_port(), options, env)
    meter = CpuMeter(settings.DATABASES["default"]["NAME"])
    results, floors, checks = [], [], {}
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))

    def measure_floor(seconds: int, label: str) -> dict:
        meter.start()
        measured = load(bare, floor.paths, seconds, label, workdir)
        measured["cpu"] = meter.stop()
        floors.append(measured)
        return measured

    def record(scenario, measured: dict, extra: dict) -> None:
        paired = measure_floor(floor_seconds, f"floor-after-{scenario.name}")
        row = {
            "name": scenario.name,
            "title": scenario.title,
            "group": scenario.group,
            "target": scenario.target,
            "note": scenario.note,
            "compare_to": scenario.compare_to,
            "paths": len(scenario.paths),
            "example_path": scenario.paths[0] if scenario.paths else "",
            **measured,
            "paired_floor_rps": paired["rps"],
            **extra,
        }
        results.append(row)
        log(
            f"  {measured['rps']:.1f} req/s, p50 {measured['latency_ms']['p50']} ms, "
            f"p95 {measured['latency_ms']['p95']} ms, errors {measured['error_count']}; "
            f"floor after it {paired['rps']:.0f} req/s; other load "
            f"{measured['cpu']['other_cores']} cores"
        )

    try:
        log(f"starting gunicorn ×2 ({options}) on 127.0.0.1:{app.port} and :{bare.port}")
        app.start("/healthz")
        bare.start("/bench/ok")
        checks = check_pages(app, chosen)
        if warmup:
            load(bare, floor.paths, warmup, "floor-warmup", workdir)
        log(f"floor: {duration} s, {CONNECTIONS} connections")
        first_floor = measure_floor(duration, "floor")
        results.append(
            {"name": "floor", "title": floor.title, "group": "floor", "target": "", "note": "",
             "compare_to": "", "paths": 1, "example_path": "/bench/ok", **first_floor,
             "paired_floor_rps": first_floor["rps"]}
        )  # fmt: skip
        for scenario in chosen:
            if warmup:
                # Every page once, so that the load measures pages as visitors meet them
                # between changes; what the first visitor after a change pays is the
                # "cold" server time. (wrk's warm-up alone, round-robin over the paths from
                # 16 offsets, left a quarter of the 200 meeting pages to be rendered for the
                # first time while measuring: p95 141 ms against a p50 of 22.)
                prime(app, scenario.paths, scenario.headers)
                load(
                    app,
                    scenario.paths,
                    warmup,
                    f"{scenario.name}-warmup",
                    workdir,
                    scenario.headers,
                )
                drain(app)
            log(f"{scenario.name}: {duration} s, {CONNECTIONS} connections")
            meter.start()
            measured = load(app, scenario.paths, duration, scenario.name, workdir, scenario.headers)
            measured["cpu"] = meter.stop()
            measured["drain_s"] = drain(app)
            extra = {"server_time": server_times[scenario.name]}
            if scenario.queries:
                extra["queries"] = scenario.queries
            if scenario.name in db_times:
                extra["db"] = db_times[scenario.name]
            record(scenario, measured, extra)
        if run_htmx:
            try:
                big_held = dataset.get("scale", {}).get("big_held", 2)
                prepared = htmx.prepare(app.port, CONNECTIONS, minutes_meetings=big_held)
            except Exception as error:  # noqa: BLE001 - the product may have moved on
                log(f"HTMX scenarios skipped: {error!r}")
                skipped.append({"names": sorted(run_htmx), "why": repr(error)})
                prepared = None
            for name, key, title in (
                ("htmx_minutes_save", "minutes", "Secretariat: save an item's minutes (HTMX)"),
                ("htmx_reorder", "reorder", "Secretariat: move an agenda item (HTMX)"),
                ("htmx_attendance", "attendance", "Secretariat: save the attendance (~20 rows)"),
            ):
                if not prepared or name not in run_htmx:
                    continue
                spec = prepared[key]
                if spec is None:
                    log(f"{name} skipped: the dataset has no meeting for it")
                    skipped.append({"names": [name], "why": "no meeting for it in the dataset"})
                    continue
                scenario = scenarios.Scenario(
                    name, title, [spec["example_path"]], "htmx", scenarios.HTMX_TARGET,
                    note=spec["note"],
                )  # fmt: skip
                runner = htmx.Load(app.port, prepared["headers"])
                ok = spec.get("ok", ())
                if warmup:
                    runner.run(spec["tasks"], warmup, ok)
                log(f"{scenario.name}: {duration} s, {CONNECTIONS} clients (Python threads)")
                single = runner.run(spec["tasks"][:1], max(2, duration // 2), ok)
                extra = {"one_client": single}
                if spec.get("in_process"):
                    # One request alone in this process: its database share and queries.
                    extra["in_process"] = spec["in_process"]()
                    connections.close_all()
                meter.start()
                measured = runner.run(spec["tasks"], duration, ok)
                measured["cpu"] = meter.stop()
                measured["drain_s"] = drain(app)
                record(scenario, measured, extra)
    finally:
        stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    results.extend(pdf_rows)
    floor_rps = sorted(f["rps"] for f in floors)[len(floors) // 2]
    by_name = {r["name"]: r for r in results}
    for r in results:
        r["ratio_to_floor"] = round(r["rps"] / r["paired_floor_rps"], 4)
    for r in results:
        r["verdict"], r["reasons"] = verdict(r, floor_rps, by_name)
    now = dt.datetime.now().astimezone()
    other = [r["cpu"]["other_cores"] for r in results if r["cpu"]]
    output = {
        "schema": 1,
        "mode": args.mode,
        "date": now.isoformat(timespec="seconds"),
        "machine": facts | {"loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "dataset": dataset,
        "server": {
            "gunicorn": options,
            "settings": "cooperation.settings, DJANGO_DEBUG=0, DJANGO_CONN_MAX_AGE=600",
            "floor": "bench.wsgi (same settings and middleware, one bare view)",
        },
        "load": {
            "tool": "wrk (HTMX saves: Python threads)",
            "connections": CONNECTIONS,
            "threads": WRK_THREADS,
            "seconds": duration,
            "warmup_seconds": warmup,
            "paired_floor_seconds": floor_seconds,
        },
        "floor_rps": round(floor_rps, 1),
        "floor_range": [min(f["rps"] for f in floors), max(f["rps"] for f in floors)],
        "other_load_cores": {"median": sorted(other)[len(other) // 2], "max": max(other)},
        "unattributed_cores_median": sorted(
            r["cpu"].get("unattributed_cores", 0) for r in results if r["cpu"]
        )[len(other) // 2],
        "checks": checks,
        "scenarios": results,
        "skipped": skipped,
        "not_built": scenarios.not_built({r["name"] for r in results}),
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    from .report import markdown

    if not args.no_save:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{now:%Y-%m-%d-%H%M}-{args.mode}.json"
        path.write_text(json.dumps(output, indent=1, ensure_ascii=False, default=str) + "\n")
        log(f"results: {path.relative_to(BASE_DIR)}")
    print(markdown(output))
    return 0


def prime(app: Server, paths: list[str], headers: dict | None) -> None:
    """Each path requested once, one at a time (GET; a failure shows in the load that
    follows)."""
    for path in dict.fromkeys(paths):
        request = urllib.request.Request(app.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
        except OSError as error:  # urllib's HTTPError and URLError are OSErrors
            log(f"priming {path}: {error}")


def check_pages(app: Server, chosen: list) -> dict:
    """The keyset cursors we built are the ones the pages link to (page 2 of each list)."""
    from meetings.models import AgendaItem, Meeting

    from .scenarios import page_cursor

    checks = {}
    for name, path, queryset, field in (
        ("meeting_list", "/moter/", Meeting.objects.with_public_agenda(), "start"),
        ("decision_list", "/vedtak/", AgendaItem.objects.published(), "meeting__start"),
    ):
        with urllib.request.urlopen(app.base + path, timeout=30) as response:
            html = response.read().decode()
        linked = re.search(r"etter=(-?\d+_\d+)", html)
        built = page_cursor(queryset, field, 2)
        checks[f"{name}_cursor"] = {
            "linked": linked.group(1) if linked else None,
            "built": built,
            "same": bool(linked and linked.group(1) == built),
        }
        if not checks[f"{name}_cursor"]["same"]:
            log(f"WARNING: {name}: the page links {checks[f'{name}_cursor']}")
    from django.db import connections

    connections.close_all()
    return checks


if __name__ == "__main__":
    sys.exit(main())
