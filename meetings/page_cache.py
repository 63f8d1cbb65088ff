"""Rendered parts of public pages, kept under the stamps of the rows they show.

docs/decisions/0010-page-caching.md and 0011-shared-page-cache.md: a part's key is made of what
the request itself has just read from the database (the shown rows' ids and `modified` stamps,
the page's query string, the language), so a change to any shown row is a new key at once, in
every process, and nothing needs to be told to forget anything. What the key cannot hold
(names of a related row that has no stamp in the key) lives `PART_SECONDS` at most.

Two levels: this process's memory ("default"), then the files every process of the host
shares ("pages"), so each part is rendered once per host, not once per worker. A key is never
reused for other content, so the two levels cannot disagree.

The parts hold no per-request value: the CSP nonce and the CSRF token are in `base.html`,
outside every cached part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import cache, caches
from django.db.models import BigIntegerField, Func, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

PART_SECONDS = 10 * 60


def stamp_key(name: str, *parts: object) -> str:
    """A cache key for the part `name` made of `parts` (stamps, ids, the path) and the
    language. `repr` of datetimes keeps microseconds, so two saves a moment apart differ."""
    digest = hashlib.blake2b(repr((get_language(), parts)).encode(), digest_size=16)
    return f"part:{name}:{digest.hexdigest()}"


def row_stamps(rows: Iterable, *related: str) -> tuple:
    """(id, modified, and each `related` row's modified) of every row, in order: what a list's
    key needs to change whenever a shown row, or a row it names, is saved."""
    stamps = []
    for row in rows:
        stamp = [row.pk, row.modified]
        for path in related:
            value = row
            for part in path.split("__"):
                value = getattr(value, part) if value is not None else None
            # An item without a case names none: its place in the key stays None.
            stamp.append(value.modified if value is not None else None)
        stamps.append(tuple(stamp))
    return tuple(stamps)


class Micros(Func):
    """A moment as whole microseconds since 1970 (NULL stays NULL), on PostgreSQL and SQLite
    (which keeps moments as text, "2026-11-23 10:00:01.123456" in UTC)."""

    output_field = BigIntegerField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) * 1000000 AS bigint)"

    def as_sqlite(self, compiler, connection, **extra):
        # The seconds, and the microseconds after the dot (none when they are 0).
        sql, params = compiler.compile(self.source_expressions[0])
        seconds = f"CAST(strftime('%%s', {sql}) AS integer) * 1000000"
        micros = f"CAST(COALESCE(NULLIF(substr({sql}, 21, 6), ''), '0') AS integer)"
        return f"({seconds} + {micros})", (*params, *params)


def total(field: str):
    """The sum of `field` (a moment, e.g. "modified") over a set of rows, in microseconds; 0
    when there are none or all are NULL. An aggregate for a stamp (as in `stamp_of`): unlike
    the latest of them, it changes when any one of them does, also when another row of the
    set is dated later (a clock ahead, data imported with future dates), and when a row
    joins or leaves the set."""
    return Coalesce(Sum(Micros(field)), 0)


def cached_part(key: str, render: Callable[[], str], timeout: int = PART_SECONDS) -> str:
    """The part under `key`, rendered by `render()` and kept when it is not there yet."""
    html = cache.get(key)
    if html is None:
        shared = caches["pages"]
        html = shared.get(key)
        if html is None:
            html = render()
            shared.set(key, html, timeout)
        cache.set(key, html, timeout)
    return html
