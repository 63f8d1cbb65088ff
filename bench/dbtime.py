"""The database's share of a search: the two queries `meetings.search.find` runs, taken from
the search module itself (not copied), timed on their own, and their plans."""

from __future__ import annotations

import contextlib
import statistics
import time

from django.db import connection

from meetings.search import planned_for_its_words

REPEATS = 30
BUDGET_S = 8.0


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "max_ms": round(max(values), 2),
        "mean_ms": round(statistics.fmean(values), 2),
    }


def the_two_queries(query: str) -> tuple[tuple[str, tuple | dict], tuple[str, tuple] | None]:
    """SQL and parameters of query 1 (the page's ids) and query 2 (the shown rows with their
    headlines) for page 1 ordered by relevance, exactly as find() builds them."""
    from meetings.search import PAGE_SIZE, _shown_postgresql, page_query, parse_number

    first = page_query(query, order="rank")
    with connection.cursor() as cursor, planned_for_its_words():
        cursor.execute(*first)
        shown = [row[0] for row in cursor.fetchall()][:PAGE_SIZE]
    if not shown:
        return first, None
    rows_query = _shown_postgresql(shown, parse_number(query) or query)
    return first, rows_query.query.sql_with_params()


def _run(cursor, sql: str, params: tuple | dict, *, first: bool = False) -> float:
    """One execution, timed; query 1 (`first`) unprepared, as find() runs it (ADR 12)."""
    started = time.perf_counter()
    with planned_for_its_words() if first else contextlib.nullcontext():
        cursor.execute(sql, params)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def explain(sql: str, params: tuple | dict) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def time_query(query: str, repeats: int = REPEATS, budget_s: float = BUDGET_S) -> dict:
    first, second = the_two_queries(query)
    q1, q2, both = [], [], []
    with connection.cursor() as cursor:
        _run(cursor, *first, first=True)  # warm
        if second:
            _run(cursor, *second)
        deadline = time.perf_counter() + budget_s
        while len(both) < repeats and (len(both) < 5 or time.perf_counter() < deadline):
            a = _run(cursor, *first, first=True)
            b = _run(cursor, *second) if second else 0.0
            q1.append(a)
            q2.append(b)
            both.append(a + b)
    return {
        "query": query,
        "ids": summary(q1),
        "rows": summary(q2),
        "total": summary(both),
        "samples_ms": [round(x, 2) for x in both],
        "explain_ids": explain(*first),
        "explain_rows": explain(*second) if second else "",
    }


def time_scenario(queries: list[str], **kwargs) -> dict:
    per_query = [time_query(q, **kwargs) for q in queries]
    pooled = [x for result in per_query for x in result["samples_ms"]]
    return {"pooled": summary(pooled), "queries": per_query}
