"""The secretariat's HTMX saves on 30-item meetings, under the same 16-client load as the
public pages, from Python threads (a save needs state wrk cannot keep: each item's version).

- minutes save: POST /sekretariat/saker/<item>/referat/ with HX-Request, the form's own
  fields (read from its page) and the item's current version; each client writes its own
  items of the two held 30-item meetings, so a 409 (conflict) would be a bug, not contention;
- reorder: POST /sekretariat/moter/<meeting>/saker/<item>/flytt-opp|ned/ with HX-Request,
  two clients per planned 30-item meeting.

A staff user of the cooperations concerned is made in the bench database, with a session
created directly (no login round trip) and a CSRF secret sent as cookie and header.
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
VERSION = re.compile(r'name="version" value="(\d+)"')


class FormFields(HTMLParser):
    """The fields a browser would send from each form with method=post (`forms`); `fields`
    are those of the first form that has a field called `wanted`."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.forms: list[dict[str, str]] = []
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
            self.fields = {}
            self.forms.append(self.fields)
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = value
                self.fields.setdefault(self._select, value)
            if "selected" in a:
                self.fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def session_cookies(cooperation_ids: list[int]) -> dict[str, str]:
    """A logged-in session of a secretary of these cooperations, and a CSRF secret."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    from cooperation.models import StaffMembership

    user, _ = User.objects.get_or_create(username=USERNAME, defaults={"first_name": "Bench"})
    if user.has_usable_password():
        user.set_unusable_password()
        user.save()
    for cooperation_id in cooperation_ids:
        StaffMembership.objects.get_or_create(cooperation_id=cooperation_id, user=user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = get_random_string(32)
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}",
        "csrf": csrf,
    }


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

    def run(self, tasks: list, seconds: float) -> dict:
        """tasks: one callable per client, called as task(conn, headers) -> (status, ms)."""
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
        non2xx = sum(v for k, v in self.statuses.items() if not 200 <= k < 300)
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
                "statuses": {str(k): v for k, v in self.statuses.items() if not 200 <= k < 300},
                "client": self.failures[:5],
            },
            "error_count": non2xx + len(self.failures),
        }


def prepare(port: int, connections: int) -> dict:
    """The meetings, the session and the clients' tasks for both scenarios."""
    from django.db.models import Count
    from django.urls import reverse

    from meetings.models import Meeting

    held = list(
        Meeting.objects.filter(state=Meeting.State.HELD)
        .annotate(n=Count("items"))
        .filter(n=30)
        .select_related("body")
    )
    planned = list(
        Meeting.objects.filter(state=Meeting.State.PLANNED)
        .annotate(n=Count("items"))
        .filter(n=30)
        .select_related("body")
    )
    if not held or not planned:
        raise RuntimeError("the dataset has no held or no planned 30-item meeting")
    cookies = session_cookies(sorted({m.body.cooperation_id for m in held + planned}))
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
            parser = FormFields("minutes_text")
            parser.feed(html)
            form = next((f for f in parser.forms if "minutes_text" in f and "version" in f), None)
            if form is None:
                raise RuntimeError(f"the page {path} has no form with minutes_text and version")
            items.append({"path": path, "fields": form, "saves": 0})
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
    return {
        "headers": headers,
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
