"""What the benchmark requests: the URLs of each scenario, chosen from the data in the bench
database through the app's own querysets, and the search queries with how many rows match."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.urls import get_resolver, reverse

from meetings.models import AgendaItem, Meeting
from meetings.pagination import PAGE_SIZE, encode_cursor

# Targets from ../shared/design/quality.md (the figures every issue reads its target from).
LIST_TARGET = "p95 ≤ 40 ms; ≥ 15 % of floor"
LIST_P95_MS = 40
LIST_FLOOR_RATIO = 0.15
SEARCH_TARGET = "p95 ≤ 150 ms (DB p95 ≤ 50 ms)"
SEARCH_P95_MS = 150
SEARCH_DB_P95_MS = 50
HTMX_TARGET = "server p95 ≤ 100 ms"
HTMX_P95_MS = 100
DEEP_TARGET = "same cost as page 1 (≥ 80 % of its req/s)"
DEEP_RATIO = 0.8
DEEP_PAGE = 2000

RARE_MAX_DOCS = 25
PATHS_PER_SCENARIO = 200


@dataclass
class Scenario:
    name: str
    title: str
    paths: list[str]
    group: str  # floor, page, deep, search
    target: str = ""
    note: str = ""
    queries: list[dict] = field(default_factory=list)  # search: query, matches
    compare_to: str = ""  # deep pages: the page-1 scenario
    headers: dict[str, str] = field(default_factory=dict)  # e.g. a logged-in member's Cookie


def _sample(rng: random.Random, rows: list, k: int = PATHS_PER_SCENARIO) -> list:
    return rng.sample(rows, min(k, len(rows)))


def deep_cursors(queryset, date_field: str, page: int, pages: int = 20) -> tuple[list[str], int]:
    """Cursors ("etter") that open pages page-pages+1 … page of a newest-first keyset list,
    built the way meetings.pagination builds them: the (date, id) of the previous page's last
    row. Returns them and the deepest page number actually used."""
    rows = queryset.order_by(f"-{date_field}", "-pk").values_list(date_field, "pk")
    total = rows.count()
    last_full = max(2, total // PAGE_SIZE)
    page = min(page, last_full)
    first = max(2, page - pages + 1)
    wanted = {(p - 1) * PAGE_SIZE - 1: p for p in range(first, page + 1)}
    cursors = []
    window = rows[min(wanted) : max(wanted) + 1]
    for offset, (moment, pk) in enumerate(window, start=min(wanted)):
        if offset in wanted:
            cursors.append(encode_cursor(moment, pk))
    return cursors, page


def page_cursor(queryset, date_field: str, page: int) -> str:
    cursors, _ = deep_cursors(queryset, date_field, page, pages=1)
    return cursors[0]


def list_scenarios(rng: random.Random) -> list[Scenario]:
    meetings = Meeting.objects.with_public_agenda()
    decisions = AgendaItem.objects.published()
    meeting_url = reverse("meetings:meeting_list")
    decision_url = reverse("meetings:decision_list")
    meeting_cursors, meeting_page = deep_cursors(meetings, "start", DEEP_PAGE)
    decision_cursors, decision_page = deep_cursors(decisions, "meeting__start", DEEP_PAGE)
    return [
        Scenario("meeting_list", "Meeting list, page 1", [meeting_url], "page", LIST_TARGET),
        Scenario(
            "meeting_list_deep",
            f"Meeting list, pages {meeting_page - len(meeting_cursors) + 1}–{meeting_page}",
            [f"{meeting_url}?{urlencode({'etter': c})}" for c in meeting_cursors],
            "deep",
            DEEP_TARGET,
            note=f"the deepest full pages there are ({meetings.count():,} public meetings)"
            if meeting_page < DEEP_PAGE
            else "",
            compare_to="meeting_list",
        ),
        Scenario("decision_list", "Decision list, page 1", [decision_url], "page", LIST_TARGET),
        Scenario(
            "decision_list_deep",
            f"Decision list, pages {decision_page - len(decision_cursors) + 1}–{decision_page}",
            [f"{decision_url}?{urlencode({'etter': c})}" for c in decision_cursors],
            "deep",
            DEEP_TARGET,
            note=f"{decisions.count():,} published items"
            if decision_page >= DEEP_PAGE
            else f"the deepest full pages there are ({decisions.count():,} published items)",
            compare_to="decision_list",
        ),
    ]


def page_scenarios(rng: random.Random) -> list[Scenario]:
    from django.db.models import Count

    published = Meeting.objects.with_published_minutes().annotate(n=Count("items"))
    big = list(published.filter(n=30).values_list("pk", flat=True))
    ordinary = list(published.filter(n__lt=30).values_list("pk", "n"))
    picked = _sample(rng, ordinary)
    mean_items = sum(n for _pk, n in picked) / max(1, len(picked))
    treated = AgendaItem.objects.on_public_agenda().values("case_id")
    cases = list(
        treated.filter(case__isnull=False, case__is_exempt=False)
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values_list("case__cooperation__slug", "case__year", "case__sequence")
    )
    from cooperation.models import Body

    bodies = list(Body.objects.values_list("cooperation__slug", "slug"))
    meeting_url = reverse("meetings:meeting_detail", kwargs={"pk": 0}).replace("/0/", "/{}/")
    return [
        Scenario(
            "home_page",
            "Home page",
            [reverse("meetings:home")],
            "page",
            LIST_TARGET,
            note="upcoming meetings, latest published minutes, the bodies; target assumed as "
            "for the lists",
        ),
        Scenario(
            "meeting_page",
            "Meeting page (published minutes)",
            [meeting_url.format(pk) for pk, _n in picked],
            "page",
            LIST_TARGET,
            note=f"{len(picked)} meetings, {mean_items:.1f} items on average",
        ),
        Scenario(
            "minutes_30_items",
            "Published minutes, 30 items",
            [meeting_url.format(pk) for pk in big],
            "page",
            LIST_TARGET,
            note=f"{len(big)} meetings of 30 items",
        ),
        Scenario(
            "case_page",
            "Case page with its history",
            [
                reverse(
                    "meetings:case_detail",
                    kwargs={"cooperation": c, "year": y, "sequence": s},
                )
                for c, y, s in _sample(rng, cases)
            ],
            "page",
            LIST_TARGET,
            note="cases treated by two bodies",
        ),
        Scenario(
            "body_page",
            "Body page",
            [
                reverse("meetings:body_detail", kwargs={"cooperation": c, "slug": s})
                for c, s in bodies
            ],
            "page",
            LIST_TARGET,
            note=f"all {len(bodies)} bodies; target assumed as for the lists",
        ),
    ]


def oparl_scenarios() -> list[Scenario]:
    """The OParl meeting lists (first pages): each cooperation's (an OParl Body) and each
    body's (an OParl Organization). Nothing when the API is not in the URLconf."""
    from django.urls import NoReverseMatch

    from cooperation.models import Body, Cooperation

    try:
        paths = [
            reverse("oparl:body_sublist", kwargs={"pk": pk, "name": "meetings"})
            for pk in Cooperation.objects.values_list("pk", flat=True)
        ] + [
            reverse("oparl:organization_meetings", kwargs={"pk": pk})
            for pk in Body.objects.values_list("pk", flat=True)
        ]
    except NoReverseMatch:
        return []
    return [
        Scenario(
            "oparl_meeting_list",
            "OParl meeting list, page 1",
            paths,
            "page",
            LIST_TARGET,
            note="5 cooperations' and 50 bodies' lists, 25 meetings each, items embedded",
        )
    ]


def member_scenarios() -> list[Scenario]:
    """A member's page of a 30-item meeting whose minutes are out for approval, opened by one
    of those who approve them (not the chair): the page computes the digest of the minutes
    (Meeting.minutes_digest) and lists the approvals of that text and the comments."""
    from django.db.models import Count

    from meetings.approvals import Approver

    from .htmx import member_session

    in_approval = (
        Meeting.objects.filter(state=Meeting.State.IN_APPROVAL)
        .annotate(n=Count("items"))
        .filter(n=30)
    )
    approver = (
        Approver.objects.filter(meeting__in=in_approval, is_chair=False)
        .order_by("meeting_id", "pk")
        .first()
    )
    if approver is None:
        return []
    session = member_session(approver.person_id)
    meeting = approver.meeting
    digest_ms, digest_queries = digest_cost(meeting)
    return [
        Scenario(
            "member_approval_page",
            "Member: minutes out for approval, 30 items",
            [reverse("meetings:member_meeting", kwargs={"pk": meeting.pk})],
            "page",
            LIST_TARGET,
            note=f"meeting {meeting.pk}: {meeting.attendances.count()} attendance rows, "
            f"{meeting.approvers.count()} approvers, {meeting.comments.count()} comments; "
            f"the digest alone (Meeting.minutes_digest) {digest_ms:.0f} ms, "
            f"{digest_queries} queries; an approver's session; target assumed as for the "
            "public meeting page",
            headers={"Cookie": session["cookie"]},
        )
    ]


def digest_cost(meeting, samples: int = 7) -> tuple[float, int]:
    """The median time of Meeting.minutes_digest in this process, and its query count."""
    import statistics
    import time

    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(samples):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            meeting.minutes_digest()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return statistics.median(times[1:]), queries


def notice_meeting(items: int = 30) -> int | None:
    """A published meeting of 30 items, whose notice (sent) is rendered in both versions."""
    from django.db.models import Count

    published = Meeting.objects.with_published_minutes().annotate(n=Count("items"))
    return published.filter(n=items).order_by("pk").values_list("pk", flat=True).first()


def pdf_meetings() -> dict[int, int]:
    """A published meeting of 20 and one of 100 items: {items: meeting id}."""
    from django.db.models import Count

    published = Meeting.objects.with_published_minutes().annotate(n=Count("items"))
    found = {}
    for n in (20, 100):
        pk = published.filter(n=n).order_by("pk").values_list("pk", flat=True).first()
        if pk:
            found[n] = pk
    return found


# Search


def matches(query: str) -> int:
    """How many rows the search finds (the view never counts; this is for the report)."""
    from meetings.search import matching

    return matching(query).count()


def _lexemes(words: list[str]) -> dict[str, str]:
    """Each word's Norwegian lexeme, as PostgreSQL stems it (empty for a stop word)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, coalesce((SELECT string_agg(lexeme, ' ') FROM "
            "unnest(to_tsvector('norwegian', w))), '') FROM unnest(%s::text[]) w",
            [words],
        )
        return dict(cursor.fetchall())


def common_words(vocabulary, n: int = 3) -> list[tuple[str, int]]:
    """The most frequent lexemes in the index (from a sample), each as a word that stems to it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT search_vector FROM meetings_searchdocument "
            "TABLESAMPLE SYSTEM (5) REPEATABLE (1)$$) ORDER BY ndoc DESC, word LIMIT 40"
        )
        top = [word for word, _ndoc in cursor.fetchall()]
    surface: dict[str, str] = {}
    for word, lexeme in _lexemes(vocabulary.words[:3000]).items():
        if lexeme and " " not in lexeme:
            surface.setdefault(lexeme, word)
    found = [surface[lexeme] for lexeme in top if lexeme in surface][:n]
    return [(word, matches(word)) for word in found]


def rare_words(vocabulary, rng: random.Random, n: int = 8) -> list[tuple[str, int]]:
    """Compounds from the vocabulary's tail that some (at most RARE_MAX_DOCS) rows contain."""
    tail = vocabulary.tail
    candidates = rng.sample(tail[len(tail) // 2 :], 400)
    found = []
    for word in candidates:
        count = matches(word)
        if 1 <= count <= RARE_MAX_DOCS:
            found.append((word, count))
            if len(found) == n:
                break
    return found


def seed_bigrams(vocabulary, n: int = 3) -> list[str]:
    """The commonest pairs of adjacent content words in the seeds ("sirkulær økonomi")."""
    from meetings.search import NORWEGIAN_STOP_WORDS

    def clean(token: str) -> str:
        return token.strip(".,;:!?()[]«»\"'–-•").lower()

    pairs: Counter[str] = Counter()
    tokens = vocabulary.tokens
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a[-1:] in ".,;:!?)":
            continue
        wa, wb = clean(a), clean(b)
        if all(
            re.fullmatch(r"[a-zæøå]{3,}", w) and w not in NORWEGIAN_STOP_WORDS for w in (wa, wb)
        ):
            pairs[f"{wa} {wb}"] += 1
    return [pair for pair, _n in pairs.most_common(n)]


def case_numbers(rng: random.Random, n: int = 10) -> list[str]:
    """Item numbers as people write them ("sak 12/21") and case references ("2021/480")."""
    from cases.models import Case

    items = list(
        AgendaItem.objects.published()
        .filter(year__isnull=False)
        .order_by("?")
        .values_list("sequence", "year")[: n // 2]
    )
    cases = list(
        Case.objects.filter(search_document__isnull=False)
        .order_by("?")
        .values_list("year", "sequence")[: n - len(items)]
    )
    return [f"sak {s:02d}/{y % 100:02d}" for s, y in items] + [f"{y}/{s}" for y, s in cases]


def search_scenarios(vocabulary, rng: random.Random) -> list[Scenario]:
    url = reverse("search")
    bigrams = seed_bigrams(vocabulary)
    numbers = case_numbers(rng)
    groups = [
        ("search_rare", "Search, a rare word", rare_words(vocabulary, rng)),
        ("search_common", "Search, the most frequent word", common_words(vocabulary, 1)),
        ("search_two_words", "Search, two words", [(b, matches(b)) for b in bigrams]),
        ("search_phrase", "Search, a phrase", [(f'"{b}"', matches(f'"{b}"')) for b in bigrams]),
        ("search_case_number", "Search, a case number", [(q, matches(q)) for q in numbers]),
    ]
    scenarios = []
    for name, title, queries in groups:
        scenarios.append(
            Scenario(
                name,
                title,
                [f"{url}?{urlencode({'q': q})}" for q, _n in queries],
                "search",
                SEARCH_TARGET,
                queries=[{"query": q, "matches": n} for q, n in queries],
            )
        )
    return scenarios


# Features the issue lists that the product does not have yet: reported, never faked.
NOT_BUILT = [
    ("htmx_attendance", "Secretariat: attendance save", HTMX_TARGET, ("attendance",)),
    ("member_approval_page", "Member: minutes out for approval", LIST_TARGET, ("medlem",)),
    ("pdf_20_items", "Minutes PDF, 20 items (warm)", "≤ 0.5 s", ("pdf",)),
    ("pdf_100_items", "Minutes PDF, 100 items (warm)", "≤ 2 s", ("pdf",)),
    ("oparl_meeting_list", "OParl meeting list page", LIST_TARGET, ("oparl",)),
]  # fmt: skip


def _url_names() -> list[str]:
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                found.append(f"{p.name or ''} {prefix}{p.pattern}".lower())

    walk(get_resolver().url_patterns)
    return found


def not_built(built: set[str]) -> list[dict]:
    """The scenarios still to come; a URL that looks like one of them is flagged, so the list
    does not silently go stale when the feature lands."""
    names = _url_names()
    rows = []
    for name, title, target, hints in NOT_BUILT:
        if name in built:
            continue
        seen = sorted({n for n in names for h in hints if h in n})
        rows.append(
            {
                "name": name,
                "title": title,
                "target": target,
                "status": "not built yet"
                if not seen
                else "a URL like it exists now but the benchmark has no scenario for it yet",
                "urls_seen": seen,
            }
        )
    return rows
