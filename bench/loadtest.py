"""`make loadtest`: the bounded load test of issue 8 (bench/README.md, "Load test").

    python -m bench.loadtest [--database-url URL] [--seconds 300] [--users 200]

1. A database of its own (`cooperation_loadtest`), migrated, with the benchmark's quick
   dataset (bench/generate.py: 1,000 meetings, 10,000 cases, 100,000 minute paragraphs).
2. The app under gunicorn on 127.0.0.1 with the production settings (bench/run.py's Server
   and server_env: DEBUG off, persistent connections, 4 sync workers).
3. **The mix**: 200 connections for 5 minutes, three wrk processes at once, each
   connection sending its next request as soon as the last is answered (no pause: the worst
   case of 200 people clicking):
   - public reads, 150 connections (bench/wrk.lua over a weighted list: the home page, the
     meeting list, meeting pages, the decision list, case pages, body pages);
   - search, 34 connections (rare and common words, two words, phrases, case numbers);
   - secretariat writes, 16 connections (bench/loadtest_writes.lua: the HTMX minutes save
     of bench/htmx.py, each connection on its own items of the held 30-item meetings,
     carrying the version it last saw).
   An error is any answer other than 2xx/3xx (the reads and searches all answer 200, the
   saves 200) or a socket error (connect, read, write, timeout after 30 s). Afterwards each
   saved item's version in the database must have grown by exactly the saves answered 200.
4. **The PDF burst**: one task worker (`manage.py db_worker`) beside gunicorn, in a CPU
   cgroup marked idle, as the systemd unit of docs/operations.md runs it with
   `CPUWeight=idle` (`--worker-priority nice`: at nice 10, its process and its scheduler
   autogroup, as earlier runs did). The public reads at 16 connections
   (the concurrency of the page targets) for 30 s without a burst; then 20 minutes PDFs
   are enqueued at once (`meetings.tasks.make_minutes_document` for 20 published meetings,
   their stored source hash cleared so each one really renders) and the same load runs
   until the worker has drained the queue (wrk is stopped with SIGINT then, so the figures
   cover exactly the drain). Both p95s are reported against the target (p95 ≤ 40 ms).
5. `bench/results/loadtest/<date>-<time>.json` and a summary on standard output. The exit
   status is 1 when there was any error or a render failed (the latency verdicts are
   reported, not enforced: the machines are shared).

Bounded: `make loadtest` runs under `timeout 21m`; every wrk run has its own limit; the
servers and the worker are stopped on every exit (bench/run.py's handlers).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from .run import (
    BASE_DIR,
    BENCH_DIR,
    PYTHON,
    RESULTS_DIR,
    RUN_DIR,
    CpuMeter,
    Server,
    drain,
    ensure_database,
    free_port,
    log,
    machine,
    on_signal,
    server_env,
    stop_all,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cooperation_loadtest"
LOADTEST_RESULTS = RESULTS_DIR / "loadtest"
P95_TARGET_MS = 40  # public pages at 16 concurrent clients (../shared/design/quality.md)
WRK_TIMEOUT = "30s"
ACCESS_LOG = RUN_DIR / "loadtest-access.log"

# The public reads: scenario (bench/scenarios.py) -> share of the requests, in per cent.
READ_MIX = {
    "home": 15,
    "meeting_list": 9,
    "meeting_list_deep": 3,
    "meeting_page": 22,
    "minutes_30_items": 3,
    "decision_list": 7,
    "decision_list_deep": 3,
    "case_page": 23,
    "body_page": 15,
}
SEARCH_MIX = {
    "search_rare": 30,
    "search_common": 15,
    "search_two_words": 20,
    "search_phrase": 15,
    "search_case_number": 20,
}


# The task worker


class Worker:
    """`manage.py db_worker` in its own process group, at the priority production gives it;
    stopped with the servers (it joins Server.running, so bench/run.py's handlers stop it too).

    `cpu_weight` as systemd's `CPUWeight=` of the unit in docs/operations.md: the worker runs
    in a CPU cgroup of its own with that weight (1–10,000, 100 being every other process's;
    on cgroup v1 as `cpu.shares` scaled as systemd scales it), or "idle" (`cpu.idle`, the
    cgroup's SCHED_IDLE: only the CPU no other process wants, preempted as soon as a web
    worker or PostgreSQL wakes). Where no cgroup can be made (not root), or with
    `cpu_weight=None`, the process and its scheduler autogroup are niced instead.
    """

    CGROUP_NAME = "cooperation-loadtest-worker"

    def __init__(self, env: dict, nice: int, cpu_weight: str | None) -> None:
        self.env, self.nice, self.cpu_weight = env, nice, cpu_weight
        self.proc: subprocess.Popen | None = None
        self.pidfile = RUN_DIR / "loadtest-worker.pid"
        self.logfile = RUN_DIR / "loadtest-worker.log"
        self.cgroup: Path | None = None
        self.autogroup_niced = False

    def start(self) -> None:
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        if self.cpu_weight:
            self.cgroup = self._cgroup(self.cpu_weight)
            if self.cgroup is None:
                log(f"no CPU cgroup can be made here: the worker runs at nice {self.nice}")
        procs = self.cgroup / "cgroup.procs" if self.cgroup else None

        def before_exec() -> None:
            if procs:  # in its cgroup before it runs a line of Python
                try:
                    procs.write_text(str(os.getpid()))
                    return
                except OSError:  # not allowed to move here: niced instead (checked below)
                    pass
            if self.nice:
                os.nice(self.nice)

        command = [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "1"]
        self.proc = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.logfile.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=before_exec,
        )
        self.pidfile.write_text(str(self.proc.pid))
        Server.running.append(self)  # type: ignore[arg-type]
        if self.cgroup and not self._in_cgroup():
            log(f"the worker could not be moved into {self.cgroup}: it runs at nice {self.nice}")
            with contextlib.suppress(OSError):
                self.cgroup.rmdir()
            self.cgroup = None
        # With the kernel's autogroup scheduling (on here: a new session is a new group),
        # a process's nice counts only against its own group: the worker at nice 10 in a
        # session of its own would still get as much CPU as the whole gunicorn. So the nice
        # is given to its group as well. (A process in a cgroup of its own has no autogroup.)
        autogroup = Path(f"/proc/{self.proc.pid}/autogroup")
        if not self.cgroup and self.nice and autogroup.exists():
            with contextlib.suppress(OSError):
                autogroup.write_text(str(self.nice))
                self.autogroup_niced = True

    def _in_cgroup(self) -> bool:
        try:
            groups = Path(f"/proc/{self.proc.pid}/cgroup").read_text()
        except OSError:
            return False
        return f"/{self.CGROUP_NAME}\n" in groups or groups.rstrip().endswith(self.CGROUP_NAME)

    @classmethod
    def _cgroup(cls, weight: str) -> Path | None:
        """A CPU cgroup of the worker's weight (cgroup v1's cpu controller or v2), or None."""
        v1, v2 = Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup")
        roots = []
        if (v1 / "cpu.shares").exists():
            roots.append((v1, 1))
        with contextlib.suppress(OSError):
            if "cpu" in (v2 / "cgroup.subtree_control").read_text().split():
                roots.append((v2, 2))
        for root, version in roots:
            group = root / cls.CGROUP_NAME
            try:
                group.mkdir(exist_ok=True)
                idle = group / "cpu.idle"
                if weight == "idle" or idle.exists():
                    idle.write_text("1" if weight == "idle" else "0")
                if weight != "idle" and version == 1:
                    # systemd's mapping of CPUWeight= to cpu.shares
                    (group / "cpu.shares").write_text(str(max(2, int(weight) * 1024 // 100)))
                elif weight != "idle":
                    (group / "cpu.weight").write_text(str(int(weight)))
            except OSError:
                with contextlib.suppress(OSError):
                    group.rmdir()
                continue
            return group
        return None

    @property
    def description(self) -> str:
        command = "manage.py db_worker --no-reload --interval 1"
        if self.cgroup:
            return f"{command}, in a CPU cgroup of its own with CPUWeight={self.cpu_weight}"
        group = " (process and its autogroup)" if self.autogroup_niced else ""
        return f"{command}, nice {self.nice}{group}"

    def _stop_leftover(self) -> None:
        try:
            pid = int(self.pidfile.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if b"db_worker" in cmdline and b"manage.py" in cmdline:
            log(f"stopping a task worker left by an earlier run (pid {pid})")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(os.getpgid(pid), signal.SIGTERM)
            time.sleep(1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=60)  # the render in hand finishes
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        if self in Server.running:
            Server.running.remove(self)  # type: ignore[arg-type]
        self.pidfile.unlink(missing_ok=True)
        if self.cgroup:  # empty now that the worker has gone
            with contextlib.suppress(OSError):
                self.cgroup.rmdir()


# wrk


class Wrk:
    """One wrk process, started now and read when it ends (or is stopped with SIGINT)."""

    def __init__(
        self,
        server: Server,
        name: str,
        *,
        connections: int,
        threads: int,
        seconds: int,
        workdir: Path,
        script: Path = BENCH_DIR / "wrk.lua",
        paths: list[str] | None = None,
        headers: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name, self.seconds, self.connections = name, seconds, connections
        self.out = workdir / f"{name}.json"
        self.out.unlink(missing_ok=True)
        environment = {**os.environ, "BENCH_OUT": str(self.out), **(env or {})}
        if paths is not None:
            paths_file = workdir / f"{name}.paths"
            paths_file.write_text("\n".join(paths) + "\n")
            environment["BENCH_PATHS"] = str(paths_file)
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            WRK_TIMEOUT,
            "-s",
            str(script),
            *(f"-H{key}: {value}" for key, value in (headers or {}).items()),
            server.base,
        ]
        self.proc = subprocess.Popen(
            command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def interrupt(self) -> None:
        """Stop now: wrk reports what it measured so far, as at the end of its time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)

    def result(self) -> dict:
        try:
            stdout, stderr = self.proc.communicate(timeout=self.seconds + 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise RuntimeError(f"wrk {self.name} did not stop") from None
        if not self.out.exists():
            raise RuntimeError(f"wrk {self.name} failed ({self.proc.returncode}): {stdout}{stderr}")
        return shape(json.loads(self.out.read_text()), self.connections)


def shape(raw: dict, connections: int) -> dict:
    seconds = raw["duration_us"] / 1e6
    latency, errors = raw["latency_us"], raw["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    shaped = {
        "connections": connections,
        "requests": raw["requests"],
        "seconds": round(seconds, 1),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0,
        "latency_ms": {
            k.removesuffix("_us"): round(v / 1000, 1) for k, v in latency.items() if k != "mean"
        }
        | {"mean": round(latency["mean"] / 1000, 1)},
        "errors": {**errors, "statuses": raw["statuses"]},
        "error_count": errors["non2xx"] + socket_errors,
    }
    if "saved" in raw:
        shaped["saved"] = raw["saved"]
    return shaped


# What is requested


def weighted(groups: dict[str, list[str]], mix: dict[str, int], rng, lines: int) -> list[str]:
    """`lines` paths, each group's share as the mix says, shuffled."""
    total = sum(mix.values())
    out = []
    for name, share in mix.items():
        if not groups.get(name):
            continue  # e.g. no rare word found in a small dataset
        out += [rng.choice(groups[name]) for _ in range(round(lines * share / total))]
    rng.shuffle(out)
    return out


def choose_paths(rng) -> tuple[dict[str, list[str]], dict[str, list[str]], dict]:
    from . import scenarios
    from .textgen import Vocabulary

    reads = {"home": ["/"]}
    for scenario in [*scenarios.list_scenarios(rng), *scenarios.page_scenarios(rng)]:
        reads[scenario.name] = scenario.paths
    searches, queries = {}, {}
    for scenario in scenarios.search_scenarios(Vocabulary.build(), rng):
        searches[scenario.name] = scenario.paths
        queries[scenario.name] = scenario.queries
    return reads, searches, queries


def preflight(app: Server, groups: dict[str, list[str]]) -> dict[str, int]:
    """Each group's first paths once, one at a time: all 200 before the load starts."""
    import urllib.request

    checked = {}
    for name, paths in groups.items():
        for path in paths[:3]:
            with urllib.request.urlopen(app.base + path, timeout=60) as response:
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
        checked[name] = min(3, len(paths))
    return checked


def prepare_writes(app: Server, workdir: Path, big_held: int) -> dict:
    """The HTMX minutes save of bench/htmx.py: a secretary's session, each item's form as its
    page renders it, written for loadtest_writes.lua (two bodies, so the text changes)."""
    import http.client

    from django.db.models import Count
    from django.urls import reverse

    from meetings.models import Meeting

    from .htmx import _request, form_with, session_cookies

    held = list(
        Meeting.objects.filter(state=Meeting.State.HELD)
        .annotate(n=Count("items"))
        .filter(n=30)
        .select_related("body")
        .order_by("-start", "-pk")[:big_held]
    )
    if not held:
        raise RuntimeError("the dataset has no held 30-item meeting")
    cookies = session_cookies(sorted({m.body.cooperation_id for m in held}))
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=60)
    lines, items, paths = [], {}, {}
    for meeting in held:
        for pk in meeting.items.order_by("position").values_list("pk", flat=True):
            path = reverse("meetings:item_minutes", kwargs={"pk": pk})
            status, html, _ms = _request(conn, "GET", path, {"Cookie": cookies["cookie"]})
            found = form_with(html, "minutes_text") if status == 200 else None
            if found is None or "version" not in found[0]:
                raise RuntimeError(f"GET {path}: {status}, no minutes form with a version")
            fields = dict(found[0])
            version = fields["version"]
            bodies = [
                urlencode(fields | {"version": "__VERSION__", "minutes_text": text})
                for text in (
                    fields["minutes_text"] + " (lagret)",
                    fields["minutes_text"] + " (endret)",
                )
            ]
            lines.append("\t".join([path, version, *bodies]))
            items[pk] = int(version)
            paths[pk] = path
    conn.close()
    items_file = workdir / "write-items.tsv"
    items_file.write_text("\n".join(lines) + "\n")
    headers = {
        "Cookie": cookies["cookie"],
        "X-CSRFToken": cookies["csrf"],
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return {
        "file": items_file,
        "headers": headers,
        "versions": items,
        "paths": paths,
        "meetings": len(held),
    }


def account_writes(writes: dict, after: dict[int, int], told: int, log_offset: int) -> dict:
    """Every save the server answered 200 (its access log) added exactly one version to its
    item, and no version was added without one: nothing a writer was told is lost, nothing
    is stored twice. wrk's own count is lower by the answers it stopped waiting for."""
    with ACCESS_LOG.open() as handle:
        handle.seek(log_offset)
        lines = [line.split() for line in handle]
    paths = {path: pk for pk, path in writes["paths"].items()}
    served: dict[int, dict[str, int]] = {pk: {} for pk in writes["versions"]}
    for fields in lines:
        if len(fields) >= 3 and fields[0] == "POST" and fields[1] in paths:
            statuses = served[paths[fields[1]]]
            statuses[fields[2]] = statuses.get(fields[2], 0) + 1
    ok = sum(s.get("200", 0) for s in served.values())
    added = {pk: after[pk] - before for pk, before in writes["versions"].items()}
    mismatched = [pk for pk in added if added[pk] != served[pk].get("200", 0)]
    other = {}
    for statuses in served.values():
        for status, n in statuses.items():
            if status != "200":
                other[status] = other.get(status, 0) + n
    return {
        "answered_200_to_wrk": told,
        "answered_200_by_server": ok,
        "other_answers_by_server": other,
        "versions_added": sum(added.values()),
        "items_mismatched": mismatched,
        "same": not mismatched and told <= ok,
        "items": len(writes["versions"]),
        "meetings": writes["meetings"],
    }


def versions_now(pks) -> dict[int, int]:
    from meetings.models import AgendaItem

    return dict(AgendaItem.objects.filter(pk__in=pks).values_list("pk", "version"))


# The PDF burst


def clear_queue() -> int:
    """Delete the renders an interrupted earlier run left queued or running (this database is
    the load test's own): the worker would take them first (oldest first) and they would
    lengthen the drain. Called before the worker starts, never under it."""
    from django_tasks_db.models import DBTaskResult

    deleted, _by_model = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).delete()
    return deleted


def queue_renders(rng, count: int) -> tuple[list, list[dict]]:
    """Enqueue the minutes PDF of `count` published meetings, as publishing or re-rendering
    them does. Their latest stored document's source hash is cleared first: a task renders
    only when the text changed (meetings/documents.py), and these must really render."""
    from django.db.models import Count

    from meetings.documents import MinutesDocument
    from meetings.models import Meeting
    from meetings.tasks import make_minutes_document

    published = list(
        Meeting.objects.with_published_minutes()
        .annotate(n=Count("items"))
        .filter(n__gte=5, n__lte=30)
        .values_list("pk", "n")
    )
    chosen = rng.sample(published, count)
    ids = [pk for pk, _n in chosen]
    MinutesDocument.objects.filter(meeting_id__in=ids).update(html_sha256="0" * 64)
    results = [make_minutes_document.enqueue(meeting_id=pk) for pk in ids]
    return [r.id for r in results], [{"meeting": pk, "items": n} for pk, n in chosen]


def queue_state(task_ids: list) -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(id__in=task_ids).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def render_facts(task_ids: list) -> dict:
    from django_tasks_db.models import DBTaskResult

    rows = list(
        DBTaskResult.objects.filter(id__in=task_ids).values(
            "status", "enqueued_at", "started_at", "finished_at"
        )
    )
    took = [
        (r["finished_at"] - r["started_at"]).total_seconds()
        for r in rows
        if r["started_at"] and r["finished_at"]
    ]
    first = min(r["enqueued_at"] for r in rows)
    last = max((r["finished_at"] for r in rows if r["finished_at"]), default=None)
    return {
        "statuses": {
            s: sum(1 for r in rows if r["status"] == s) for s in {r["status"] for r in rows}
        },
        "render_s": {
            "median": round(statistics.median(took), 2) if took else None,
            "max": round(max(took), 2) if took else None,
            "sum": round(sum(took), 1),
        },
        "enqueued_to_last_done_s": round((last - first).total_seconds(), 1) if last else None,
    }


# The run


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadtest", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--seconds", type=int, default=300, help="the mix's duration")
    parser.add_argument("--users", type=int, default=200, help="connections in the mix")
    parser.add_argument("--writers", type=int, default=16, help="of them, saving minutes")
    parser.add_argument("--searchers", type=int, default=34, help="of them, searching")
    parser.add_argument("--renders", type=int, default=20, help="PDFs in the burst")
    parser.add_argument("--probe-connections", type=int, default=16)
    parser.add_argument("--baseline-seconds", type=int, default=30)
    parser.add_argument("--burst-limit", type=int, default=600, help="longest wait for the drain")
    parser.add_argument(
        "--worker-cpu-weight",
        default="1",
        type=cpu_weight,
        help="the task worker's CPU cgroup weight as systemd's CPUWeight= (1-10000 or idle); "
        "0: no cgroup, niced by --worker-nice",
    )
    parser.add_argument("--worker-nice", type=int, default=10, help="without a cgroup")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--skip-mix", action="store_true")
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--force-generate", action="store_true")
    parser.add_argument("--no-save", action="store_true")
    return parser.parse_args(argv)


def cpu_weight(value: str) -> str:
    """--worker-cpu-weight: "idle" or a whole number from 0 (no cgroup) to 10,000."""
    if value == "idle" or (value.isdigit() and int(value) <= 10_000):
        return value
    raise argparse.ArgumentTypeError("idle or a whole number from 0 to 10000")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    readers = args.users - args.writers - args.searchers
    if readers < 2:
        raise SystemExit("--users must leave at least 2 connections for the public reads")
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench-deps does it).", file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    atexit.register(stop_all)
    started = time.monotonic()
    url = args.database_url
    env = server_env(url, "loadtest")
    os.environ.update({k: env[k] for k in env if k.startswith(("DJANGO_", "DATABASE_URL"))})

    ensure_database(url)
    log("migrating the load test's database")
    migrate = [PYTHON, "manage.py", "migrate", "--no-input", "-v0"]
    if subprocess.run(migrate, cwd=BASE_DIR, env=env, timeout=600).returncode != 0:
        name = url.rsplit("/", 1)[-1]
        if "loadtest" not in name:
            raise SystemExit(f"migrate failed on {name}; not dropping a database not ours")
        drop_database(url)
        ensure_database(url)
        subprocess.run(migrate, cwd=BASE_DIR, env=env, check=True, timeout=600)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    from . import generate

    dataset = generate.ensure_dataset(generate.QUICK, force=args.force_generate)
    rng = random.Random(8)
    log("choosing the URLs and search queries")
    reads, searches, queries = choose_paths(rng)
    read_paths = weighted(reads, READ_MIX, rng, 2000)
    search_paths = weighted(searches, SEARCH_MIX, rng, 1000)
    facts = machine()
    connections.close_all()

    options = {"workers": args.workers, "worker_class": "sync", "threads": 1}
    # gunicorn's access log: what the server answered each save, also those wrk stopped
    # waiting for at the end of its time (so every version in the database is accounted for).
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    ACCESS_LOG.write_text("")
    app_env = env | {
        "GUNICORN_CMD_ARGS": f"--access-logfile {ACCESS_LOG} --access-logformat "
        "'%(m)s %(U)s %(s)s %(D)s'"
    }
    app = Server("loadtest-app", "cooperation.wsgi:application", free_port(), options, app_env)
    weight = None if args.worker_cpu_weight == "0" else args.worker_cpu_weight
    worker = Worker(env, args.worker_nice, weight)
    meter = CpuMeter(settings.DATABASES["default"]["NAME"])
    workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
    mix: dict = {}
    burst: dict = {}
    try:
        log(f"starting gunicorn ({options}) on 127.0.0.1:{app.port}")
        app.start("/healthz")
        checked = preflight(app, reads | searches)
        log("warm-up: 5 s of public reads at 16 connections")
        Wrk(app, "warmup", connections=16, threads=2, seconds=5, workdir=workdir,
            paths=read_paths).result()  # fmt: skip
        drain(app)

        if not args.skip_mix:
            writes = prepare_writes(app, workdir, dataset.get("scale", {}).get("big_held", 2))
            connections.close_all()
            log(
                f"the mix: {args.users} connections for {args.seconds} s ({readers} public "
                f"reads, {args.searchers} searches, {args.writers} minutes saves)"
            )
            log_offset = ACCESS_LOG.stat().st_size
            meter.start()
            runs = {
                "public": Wrk(app, "public", connections=readers, threads=2,
                              seconds=args.seconds, workdir=workdir, paths=read_paths),
                "search": Wrk(app, "search", connections=args.searchers, threads=1,
                              seconds=args.seconds, workdir=workdir, paths=search_paths),
                "writes": Wrk(app, "writes", connections=args.writers, threads=args.writers,
                              seconds=args.seconds, workdir=workdir,
                              script=BENCH_DIR / "loadtest_writes.lua", headers=writes["headers"],
                              env={"LOAD_ITEMS": str(writes["file"]),
                                   "LOAD_WRITERS": str(args.writers)}),
            }  # fmt: skip
            groups = {name: run.result() for name, run in runs.items()}
            cpu = meter.stop()
            mix_drain = drain(app)
            after = versions_now(writes["versions"])
            total = sum(g["requests"] for g in groups.values())
            mix = {
                "seconds": args.seconds,
                "users": args.users,
                "groups": groups,
                "total": {
                    "requests": total,
                    "rps": round(sum(g["rps"] for g in groups.values()), 1),
                    "errors": sum(g["error_count"] for g in groups.values()),
                },
                "writes_accounted": account_writes(
                    writes, after, groups["writes"].get("saved", 0), log_offset
                ),
                "cpu": cpu,
                "drain_s": mix_drain,
            }
            for name, g in groups.items():
                log(
                    f"  {name}: {g['requests']} requests, {g['rps']} req/s, p50 "
                    f"{g['latency_ms']['p50']} ms, p95 {g['latency_ms']['p95']} ms, p99 "
                    f"{g['latency_ms']['p99']} ms, errors {g['error_count']}"
                )
            log(f"  other load on the machine: {cpu['other_cores']} cores")

        if not args.skip_burst:
            if left := clear_queue():
                log(f"deleted {left} tasks an earlier run left in the queue")
            worker.start()
            log(f"task worker: {worker.description}")
            time.sleep(3)
            if worker.proc.poll() is not None:
                raise RuntimeError(f"db_worker exited:\n{worker.logfile.read_text()[-2000:]}")
            probe = {"connections": args.probe_connections, "threads": 2, "workdir": workdir,
                     "paths": read_paths}  # fmt: skip
            log(f"without a burst: {args.baseline_seconds} s of public reads at "
                f"{args.probe_connections} connections")  # fmt: skip
            meter.start()
            baseline = Wrk(app, "baseline", seconds=args.baseline_seconds, **probe).result()
            baseline["cpu"] = meter.stop()
            drain(app)
            task_ids, meetings = queue_renders(rng, args.renders)
            log(f"burst: {args.renders} minutes PDFs enqueued; public reads until drained")
            meter.start()
            loaded = Wrk(app, "burst", seconds=args.burst_limit, **probe)
            t0 = time.monotonic()
            while time.monotonic() - t0 < args.burst_limit:
                state = queue_state(task_ids)
                if sum(n for s, n in state.items() if s in ("SUCCESSFUL", "FAILED")) == len(
                    task_ids
                ):
                    break
                time.sleep(0.25)
            drained_s = round(time.monotonic() - t0, 1)
            loaded.interrupt()
            during = loaded.result()
            during["cpu"] = meter.stop()
            drain(app)
            renders = render_facts(task_ids)
            connections.close_all()
            burst = {
                "renders": args.renders,
                "meetings": meetings,
                "worker": worker.description,
                "baseline": baseline,
                "during": during,
                "drained_s": drained_s,
                "tasks": renders,
                "target_p95_ms": P95_TARGET_MS,
            }
            for name, g in (("without", baseline), ("during", during)):
                log(
                    f"  {name} the burst: {g['requests']} requests in {g['seconds']} s, p50 "
                    f"{g['latency_ms']['p50']} ms, p95 {g['latency_ms']['p95']} ms, errors "
                    f"{g['error_count']}; other load {g['cpu']['other_cores']} cores"
                )
            log(f"  drained in {drained_s} s; renders {renders}")
    finally:
        stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    errors = (mix.get("total", {}).get("errors", 0) if mix else 0) + sum(
        burst[k]["error_count"] for k in ("baseline", "during") if burst
    )
    failed_renders = args.renders - burst["tasks"]["statuses"].get("SUCCESSFUL", 0) if burst else 0
    # None: the phase was not run (--skip-mix, --skip-burst).
    verdicts = {
        "errors": errors,
        "mix_zero_errors": mix["total"]["errors"] == 0 if mix else None,
        "writes_all_stored": mix["writes_accounted"]["same"] if mix else None,
        "renders_succeeded": failed_renders == 0 if burst else None,
        "baseline_p95_within_target": (
            burst["baseline"]["latency_ms"]["p95"] <= P95_TARGET_MS if burst else None
        ),
        "burst_p95_within_target": (
            burst["during"]["latency_ms"]["p95"] <= P95_TARGET_MS if burst else None
        ),
    }
    now = dt.datetime.now().astimezone()
    output = {
        "schema": 1,
        "kind": "loadtest",
        "date": now.isoformat(timespec="seconds"),
        "machine": facts | {"loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "dataset": {
            "scale": dataset.get("scale"),
            "counts": dataset.get("counts"),
            "reused": dataset.get("reused"),
        },  # fmt: skip
        "server": {
            "gunicorn": options,
            "settings": "cooperation.settings, DJANGO_DEBUG=0, DJANGO_CONN_MAX_AGE=600",
        },
        "paths": {
            "read_mix": READ_MIX,
            "search_mix": SEARCH_MIX,
            "read_groups": {k: len(v) for k, v in reads.items()},
            "search_queries": queries,
            "preflight": checked,
        },
        "mix": mix,
        "pdf_burst": burst,
        "verdicts": verdicts,
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    if not args.no_save:
        LOADTEST_RESULTS.mkdir(parents=True, exist_ok=True)
        path = LOADTEST_RESULTS / f"{now:%Y-%m-%d-%H%M}.json"
        path.write_text(json.dumps(output, indent=1, ensure_ascii=False, default=str) + "\n")
        log(f"results: {path.relative_to(BASE_DIR)}")
    print(summary(output))
    ok = errors == 0 and (not burst or failed_renders == 0)
    ok = ok and (not mix or mix["writes_accounted"]["same"])
    return 0 if ok else 1


def drop_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    params = {"dbname": "postgres", "user": config["USER"] or None, "host": config["HOST"] or None,
              "port": config["PORT"] or None, "password": config["PASSWORD"] or None}  # fmt: skip
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        log(f"dropping database {config['NAME']}")
        conn.execute(
            sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(config["NAME"]))
        )


def summary(run: dict) -> str:
    """The figures as Markdown (the tables docs/performance.md quotes)."""
    m = run["machine"]
    lines = [
        f"**Load test, {run['date']}** — {m['nproc']} cores ({m['cpu']}), {m['memory']}, "
        f"PostgreSQL {m['postgresql'].split()[0]}, {m['gunicorn']} "
        f"({run['server']['gunicorn']['workers']} sync workers), {m['wrk']}, commit "
        f"{m['commit']}; load average {m['loadavg_at_start'][0]} at the start, "
        f"{m['loadavg_at_end'][0]} at the end; {run['wall_seconds']:.0f} s in all.",
        "",
    ]
    mix = run["mix"]
    if mix:
        lines += [
            f"The mix: {mix['users']} connections for {mix['seconds']} s, no pause between "
            f"requests; other processes used {mix['cpu']['other_cores']} cores meanwhile.",
            "",
            "| group | connections | requests | req/s | p50 ms | p95 ms | p99 ms | max ms "
            "| errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, g in mix["groups"].items():
            lat = g["latency_ms"]
            lines.append(
                f"| {name} | {g['connections']} | {g['requests']:,} | {g['rps']:,.1f} | "
                f"{lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']:,.0f} | "
                f"{g['error_count']} |"
            )
        t, w = mix["total"], mix["writes_accounted"]
        lines += [
            f"| **all** | {mix['users']} | {t['requests']:,} | {t['rps']:,.1f} | | | | | "
            f"**{t['errors']}** |",
            "",
            f"Saves: {w['answered_200_to_wrk']:,} answered 200 within the run, "
            f"{w['answered_200_by_server']:,} by the server in all (wrk stops waiting at the "
            f"end), other answers {w['other_answers_by_server'] or 'none'}; versions added in "
            f"the database {w['versions_added']:,}: "
            + (
                "one per save answered 200, item by item"
                if w["same"]
                else f"MISMATCH on items {w['items_mismatched']}"
            )
            + f" ({w['items']} items of {w['meetings']} meetings).",
            "",
        ]
    burst = run["pdf_burst"]
    if burst:
        lines += [
            f"PDF burst: {burst['renders']} minutes PDFs enqueued at once, one task worker "
            f"({burst['worker']}); public reads at {burst['baseline']['connections']} "
            f"connections; target p95 ≤ {burst['target_p95_ms']} ms.",
            "",
            "| public reads | seconds | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
            "| other load (cores) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, key in (("without a burst", "baseline"), ("while the worker drains", "during")):
            g = burst[key]
            lat = g["latency_ms"]
            lines.append(
                f"| {label} | {g['seconds']} | {g['requests']:,} | {g['rps']:,.1f} | "
                f"{lat['p50']} | {lat['p95']} | {lat['p99']} | {g['error_count']} | "
                f"{g['cpu']['other_cores']} |"
            )
        tasks = burst["tasks"]
        lines += [
            "",
            f"Drained in {burst['drained_s']} s (enqueued to last done "
            f"{tasks['enqueued_to_last_done_s']} s); renders {tasks['statuses']}, median "
            f"{tasks['render_s']['median']} s, longest {tasks['render_s']['max']} s.",
            "",
        ]
    lines.append("Verdicts: " + ", ".join(f"{k} = {v}" for k, v in run["verdicts"].items()))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
