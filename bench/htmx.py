"""The secretariat's saves on 30-item meetings, under the same 16-client load as the public
pages, from Python threads (a save needs state wrk cannot keep: each item's version, the
attendance as it now stands).

- minutes save: POST /sekretariat/saker/<item>/referat/ with HX-Request, the form's own
  fields (read from its page) and the item's current version; each client writes its own
  items of the two held 30-item meetings, so a 409 (conflict) would be a bug, not contention;
- reorder: POST /sekretariat/moter/<meeting>/saker/<item>/flytt-opp|ned/ with HX-Request,
  two clients per planned 30-item meeting;
- attendance save: POST /sekretariat/moter/<meeting>/fremmote/ of the whole formset (about 20
  rows, each with its 30 "left during" boxes), as the page's form sends it, with one row
  changed each time (a member leaves during the first item, or comes back): each client on
  its own held 30-item council meeting. The answer is a redirect to the page (302).

A staff user of the cooperations concerned is made in the bench database, with a session
created directly (no login round trip) and a CSRF secret sent as cookie and header; so is a
member's (`member_session`) for the member's pages.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urlencode

from .dbtime import percentile

USERNAME = "bench-sekretariat"
MEMBER_USERNAME = "bench-medlem"
VERSION = re.compile(r'name="version" value="(\d+)"')


class FormFields(HTMLParser):
    """The fields a browser would send from each form with method=post: `forms` (name ->
    value, the last of each name) and `pairs` (every name and value in order, as sent: a
    name may repeat, as checked boxes of one field do)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.pairs: list[list[list[str]]] = []
        self._in_form = False
        self._textarea: list[str] | None = None
        self._select: str | None = None
        self._option: list[str] | None = None

    def _add(self, name: str, value: str) -> list[str]:
        entry = [name, value]
        self.pairs[-1].append(entry)
        self.forms[-1][name] = value
        return entry

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
            self.forms.append({})
            self.pairs.append([])
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    # A browser sends "on" for a checked box without a value.
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._add(name, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = self._add(name, "")
        elif tag == "select" and name:
            self._select, self._option = name, None
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._option is None:
                self._option = self._add(self._select, value)
            if "selected" in a:
                self._option[1] = value
                self.forms[-1][self._select] = value

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data
            self.forms[-1][self._textarea[0]] = self._textarea[1]


def form_with(html: str, field: str) -> tuple[dict[str, str], list[list[str]]] | None:
    """The fields and the pairs of the page's first post form with this field."""
    parser = FormFields()
    parser.feed(html)
    for fields, pairs in zip(parser.forms, parser.pairs, strict=True):
        if field in fields:
            return fields, pairs
    return None


def user_session(user, *, staff: bool) -> dict[str, str]:
    """A logged-in session of this user, as a login leaves it (so the first request does not
    write it), and a CSRF secret: the Cookie header, the CSRF token, the session key."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # What cooperation.security.SessionTimeoutMiddleware keeps in a session.
    now = timezone.now().isoformat()
    session.update({"login_at": now, "last_seen": now, "staff_session": staff})
    session.create()
    csrf = get_random_string(32)
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}",
        "csrf": csrf,
        "session_key": session.session_key,
    }


def _bench_user(username: str):
    from django.contrib.auth.models import User

    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": "Bench"})
    if user.has_usable_password():
        user.set_unusable_password()
        user.save()
    return user


def member_session(person_id: int) -> dict[str, str]:
    """A session of a member: the login of this person (a member of the body, an approver),
    taken from whichever person had it in an earlier run."""
    from cooperation.models import Person

    user = _bench_user(MEMBER_USERNAME)
    Person.objects.filter(user=user).exclude(pk=person_id).update(user=None)
    Person.objects.filter(pk=person_id).update(user=user)
    return user_session(user, staff=False)


def session_cookies(cooperation_ids: list[int]) -> dict[str, str]:
    """A logged-in session of a secretary of these cooperations, and a CSRF secret."""
    from cooperation.models import StaffMembership

    user = _bench_user(USERNAME)
    for cooperation_id in cooperation_ids:
        StaffMembership.objects.get_or_create(cooperation_id=cooperation_id, user=user)
    return user_session(user, staff=True)


def _request(conn, method: str, path: str, headers: dict, body: str | None = None):
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, data.decode(errors="replace"), elapsed


class Load:
    """Threads that each repeat their own task until the deadline; latencies in ms."""

    def __init__(self, port: int, headers: dict) -> None:
        self.port, self.headers = port, headers
        self.samples: list[float] = []
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.failures: list[str] = []

    def run(self, tasks: list, seconds: float, ok: tuple[int, ...] = ()) -> dict:
        """tasks: one callable per client, called as task(conn, headers) -> (status, ms).
        A status outside 2xx is an error unless it is in `ok` (a save's redirect)."""
        self.samples, self.statuses = [], {}
        deadline = time.monotonic() + seconds
        started = time.monotonic()

        def client(task):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                while time.monotonic() < deadline:
                    status, ms = task(conn, self.headers)
                    with self.lock:
                        self.samples.append(ms)
                        self.statuses[status] = self.statuses.get(status, 0) + 1
            except Exception as error:  # noqa: BLE001 - reported in the results
                with self.lock:
                    self.failures.append(repr(error))
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(t,), daemon=True) for t in tasks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 90)
        elapsed = time.monotonic() - started
        n = len(self.samples)
        unexpected = {k: v for k, v in self.statuses.items() if not 200 <= k < 300 and k not in ok}
        non2xx = sum(unexpected.values())
        return {
            "requests": n,
            "seconds": round(elapsed, 2),
            "rps": round(n / elapsed, 1),
            "latency_ms": {
                "min": round(min(self.samples), 2) if n else 0,
                "p50": round(percentile(self.samples, 50), 2) if n else 0,
                "p90": round(percentile(self.samples, 90), 2) if n else 0,
                "p95": round(percentile(self.samples, 95), 2) if n else 0,
                "p99": round(percentile(self.samples, 99), 2) if n else 0,
                "max": round(max(self.samples), 2) if n else 0,
                "mean": round(sum(self.samples) / n, 2) if n else 0,
            },
            "errors": {
                "non2xx": non2xx,
                "statuses": {str(k): v for k, v in unexpected.items()},
                "expected": {str(k): v for k, v in self.statuses.items() if k in ok},
                "client": self.failures[:5],
            },
            "error_count": non2xx + len(self.failures),
        }


class AttendanceForm:
    """One meeting's attendance formset as its page sends it, with one row changed per save:
    member rows in turn leave during the first item, then, on the next round, come back."""

    def __init__(self, path: str, pairs: list[list[str]], item_id: int) -> None:
        self.path = path
        self.base = [(name, value) for name, value in pairs]
        fields = dict(self.base)
        already = {name for name, value in self.base if value == str(item_id)}
        self.item = str(item_id)
        total = int(fields["form-TOTAL_FORMS"])
        self.rows = [
            n
            for n in range(total)
            if fields.get(f"form-{n}-role") == "member"
            and f"form-{n}-is_chair" not in fields
            and f"form-{n}-left_during" not in already
        ]
        if not self.rows:
            raise RuntimeError(f"{path}: no member row to change")
        self.left: set[int] = set()
        self.saves = 0
        self.lock = threading.Lock()

    def next_body(self) -> str:
        with self.lock:
            row = self.rows[self.saves % len(self.rows)]
            self.saves += 1
            self.left ^= {row}
            left = sorted(self.left)
        extra = [(f"form-{n}-left_during", self.item) for n in left]
        return urlencode(self.base + extra)


def attendance_in_process(form: AttendanceForm, cookie: str, samples: int = 10) -> dict:
    """One secretary alone, in this process: the save (POST, answered with a redirect) and the
    page it redirects to (GET), each with its database time and query count."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_COOKIE=cookie)
    measured: dict[str, list[tuple[float, float, int]]] = {"post": [], "page": []}
    for n in range(samples + 1):
        for kind in ("post", "page"):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                if kind == "post":
                    response = client.post(
                        form.path, form.next_body(), "application/x-www-form-urlencoded"
                    )
                else:
                    response = client.get(form.path)
                ms = (time.perf_counter() - started) * 1000
            expected = 302 if kind == "post" else 200
            if response.status_code != expected:
                raise RuntimeError(f"{kind} {form.path} answered {response.status_code}")
            db = sum(float(q["time"]) for q in captured.captured_queries) * 1000
            if n:  # the first is a warm-up
                measured[kind].append((ms, db, len(captured.captured_queries)))
    out = {}
    for kind, rows in measured.items():
        times = [r[0] for r in rows]
        out[kind] = {
            "samples": len(rows),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "db_median_ms": round(statistics.median(r[1] for r in rows), 1),
            "queries": max(r[2] for r in rows),
        }
    return out


def prepare(port: int, connections: int, minutes_meetings: int = 2) -> dict:
    """The meetings, the sessions and the clients' tasks for the three scenarios. The minutes
    are saved on the latest `minutes_meetings` held 30-item meetings (bench/generate.py's
    big_held), the attendance on the other held 30-item meetings of councils."""
    from django.db.models import Count
    from django.urls import reverse

    from cooperation.models import Body
    from meetings.models import Meeting

    held = list(
        Meeting.objects.filter(state=Meeting.State.HELD)
        .annotate(n=Count("items"))
        .filter(n=30)
        .select_related("body")
        .order_by("-start", "-pk")
    )
    held, councils = held[:minutes_meetings], held[minutes_meetings:]
    councils = [m for m in councils if m.body.kind == Body.Kind.COUNCIL][:connections]
    planned = list(
        Meeting.objects.filter(state=Meeting.State.PLANNED)
        .annotate(n=Count("items"))
        .filter(n=30)
        .select_related("body")
    )
    if not held or not planned:
        raise RuntimeError("the dataset has no held or no planned 30-item meeting")
    cookies = session_cookies(sorted({m.body.cooperation_id for m in held + planned + councils}))
    headers = {
        "Cookie": cookies["cookie"],
        "X-CSRFToken": cookies["csrf"],
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    get_headers = {"Cookie": cookies["cookie"]}
    # Each item's form as the page renders it: the fields, the version.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    items = []
    for meeting in held:
        for item_id in meeting.items.order_by("position").values_list("pk", flat=True):
            path = reverse("meetings:item_minutes", kwargs={"pk": item_id})
            status, html, _ms = _request(conn, "GET", path, get_headers)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            found = form_with(html, "minutes_text")
            if found is None or "version" not in found[0]:
                raise RuntimeError(f"the page {path} has no form with minutes_text and version")
            items.append({"path": path, "fields": found[0], "saves": 0})
    # Each council meeting's attendance form as its page renders it.
    forms = []
    for meeting in councils:
        path = reverse("meetings:meeting_attendance", kwargs={"pk": meeting.pk})
        status, html, _ms = _request(conn, "GET", path, get_headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        found = form_with(html, "form-TOTAL_FORMS")
        if found is None:
            raise RuntimeError(f"the page {path} has no attendance formset")
        first = meeting.items.order_by("position", "pk").values_list("pk", flat=True)[0]
        forms.append(AttendanceForm(path, found[1], first))
    conn.close()

    def minutes_task(own: list[dict]):
        def task(conn, headers):
            item = own[0]
            own.append(own.pop(0))
            fields = dict(item["fields"])
            item["saves"] += 1
            # The same length each time: one word changes.
            fields["minutes_text"] += " (lagret)" if item["saves"] % 2 else " (endret)"
            status, body, ms = _request(conn, "POST", item["path"], headers, urlencode(fields))
            found = VERSION.search(body)
            if found:
                item["fields"]["version"] = found.group(1)
            return status, ms

        return task

    minutes_tasks = [minutes_task(items[k::connections]) for k in range(connections)]

    moves = []
    for meeting in planned:
        ids = list(meeting.items.values_list("pk", flat=True))
        moves.append((meeting.pk, ids))

    def move_task(meeting_pk: int, ids: list[int], seed: int):
        rng = random.Random(seed)

        def task(conn, headers):
            direction = rng.choice(["opp", "ned"])
            path = reverse(
                "meetings:agenda_item_move",
                kwargs={"pk": meeting_pk, "item": rng.choice(ids), "direction": direction},
            )
            status, _body, ms = _request(conn, "POST", path, headers, "")
            return status, ms

        return task

    move_tasks = [move_task(*moves[k % len(moves)], seed=k) for k in range(connections)]

    def attendance_task(form: AttendanceForm):
        def task(conn, headers):
            # A full-page form, not HTMX: the browser posts it and follows the redirect.
            plain = {k: v for k, v in headers.items() if k != "HX-Request"}
            status, _body, ms = _request(conn, "POST", form.path, plain, form.next_body())
            return status, ms

        return task

    rows = [int(dict(f.base)["form-TOTAL_FORMS"]) for f in forms]
    attendance = (
        {
            "tasks": [attendance_task(forms[k % len(forms)]) for k in range(connections)],
            "ok": (302,),
            "note": f"{len(forms)} held 30-item council meetings of {min(rows)}–{max(rows)} rows "
            f"(mean {sum(rows) / len(rows):.1f}), "
            + (
                "one client per meeting"
                if len(forms) >= connections
                else f"{connections // len(forms)}+ clients per meeting"
            ),
            "example_path": forms[0].path,
            "in_process": lambda: attendance_in_process(forms[0], cookies["cookie"]),
        }
        if forms
        else None
    )
    return {
        "headers": headers,
        "attendance": attendance,
        "minutes": {
            "tasks": minutes_tasks,
            "note": f"{len(items)} items of {len(held)} held 30-item meetings, "
            f"{connections} clients each on its own items",
            "example_path": items[0]["path"],
        },
        "reorder": {
            "tasks": move_tasks,
            "note": f"{len(planned)} planned 30-item meetings, "
            f"{connections // len(planned) or 1}+ clients per meeting",
            "example_path": reverse(
                "meetings:agenda_item_move",
                kwargs={"pk": moves[0][0], "item": moves[0][1][0], "direction": "ned"},
            ),
        },
    }
