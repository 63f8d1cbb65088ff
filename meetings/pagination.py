"""Keyset pagination: page 2,000 costs what page 1 costs, and no COUNT(*) is taken.

A page is the rows after (or before) a cursor, the (date, id) of the last row shown, in a
stable order on two columns. The cursor travels in the query string as
"<microseconds since 1970 UTC>_<id>": exact, and nothing in it needs escaping in a URL.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from .compiled import Compiled, marker_for, moment_marker, number_marker

PAGE_SIZE = 25
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


class BadCursor(ValueError):
    """The cursor in the URL is not one we made."""


def encode_cursor(moment: datetime.datetime, pk: int) -> str:
    return f"{(moment - EPOCH) // MICROSECOND}_{pk}"


# ASCII digits only: str.isdigit() also passes "²" and "--1", which int() refuses.
CURSOR = re.compile(r"(-?[0-9]{1,19})_([0-9]{1,18})", re.ASCII)


def decode_cursor(value: str) -> tuple[datetime.datetime, int]:
    match = CURSOR.fullmatch(value)
    if match is None:
        raise BadCursor(value)
    micros, pk = match.groups()
    try:
        return EPOCH + int(micros) * MICROSECOND, int(pk)
    except OverflowError as error:
        raise BadCursor(value) from error


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def keyset_page(
    queryset: QuerySet,
    *,
    date_field: str,
    newest_first: bool,
    after: str = "",
    before: str = "",
    size: int = PAGE_SIZE,
) -> Page:
    """One page of `queryset` ordered by (date_field, pk), newest or oldest first.

    `after` gives the page following a cursor; `before` the page preceding it. Raises
    BadCursor for a cursor we did not make.
    """
    walk = Walk.of(newest_first, after, before)
    rows = list(keyset_query(queryset, walk, walk.cursor, date_field=date_field, size=size))
    return walk.page(rows, date_field=date_field, size=size)


@dataclass(frozen=True)
class Walk:
    """Where a page starts and which way it reads: the cursor (if any), and whether the rows
    are read newest first. Walking backwards is walking forwards in the opposite order, then
    reversing the rows."""

    forward: bool
    descending: bool
    cursor: tuple[datetime.datetime, int] | None

    @classmethod
    def of(cls, newest_first: bool, after: str = "", before: str = "") -> Walk:
        forward = not before
        cursor = decode_cursor(after or before) if (after or before) else None
        return cls(forward, newest_first if forward else not newest_first, cursor)

    def page(self, rows: list, *, date_field: str, size: int = PAGE_SIZE) -> Page:
        """The page of `rows`, as read by keyset_query (one more than `size`, if there are)."""
        more = len(rows) > size
        rows = rows[:size]
        if not self.forward:
            rows.reverse()

        def cursor_of(row) -> str:
            if isinstance(row, dict):  # a .values() queryset, which must hold pk and date_field
                return encode_cursor(row[date_field], row["pk"])
            value = row
            for part in date_field.split("__"):
                value = getattr(value, part)
            return encode_cursor(value, row.pk)

        has_next = more if self.forward else self.cursor is not None
        has_previous = self.cursor is not None if self.forward else more
        return Page(
            rows=rows,
            next_cursor=cursor_of(rows[-1]) if rows and has_next else None,
            previous_cursor=cursor_of(rows[0]) if rows and has_previous else None,
        )


def keyset_query(
    queryset: QuerySet,
    walk: Walk,
    cursor: tuple | None,
    *,
    date_field: str,
    size: int = PAGE_SIZE,
) -> QuerySet:
    """The rows of `walk`'s page and one more (to know whether there is a next page), in its
    order. `cursor` is the walk's own, or markers in its place (CompiledPages)."""
    sign = "-" if walk.descending else ""
    queryset = queryset.order_by(f"{sign}{date_field}", f"{sign}pk")
    if cursor:
        moment, pk = cursor
        bound, shown = ("lte", "gte") if walk.descending else ("gte", "lte")
        # The rows after the cursor, (date, id) < (d, i) when descending, as a bound on the
        # date minus the rows of date d already shown. `date < d OR (date = d AND id < i)`
        # gives the (date, id) index no start, so a deep page walked it from the newest row;
        # the bound starts the scan at the cursor, and the exclusion (unlike the OR beside a
        # bound) leaves the planner's estimate of the rows at what the bound selects.
        queryset = queryset.filter(**{f"{date_field}__{bound}": moment}).exclude(
            **{date_field: moment, f"pk__{shown}": pk}
        )
    return queryset[: size + 1]


class CompiledPages:
    """keyset_page over the rows of `build(**values)` (a `.values()` queryset holding "pk"
    and `date_field`), its SQL compiled once per process for each shape of request: which
    values are given (a filter chosen or not), which order, with a cursor or without
    (docs/decisions/0013-compiled-queries.md). The values are plain ints, texts and moments;
    each is a parameter of the SQL, so a shape's SQL is the same for every request."""

    def __init__(
        self, build: Callable[..., QuerySet], *, date_field: str, size: int = PAGE_SIZE
    ) -> None:
        self.build = build
        self.date_field = date_field
        self.size = size
        self._shapes: dict[tuple, Compiled] = {}

    def page(
        self, values: dict[str, Any], *, newest_first: bool, after: str = "", before: str = ""
    ) -> Page:
        """As keyset_page(build(**values), …); raises BadCursor for a cursor we did not make."""
        walk = Walk.of(newest_first, after, before)
        given = {name: value for name, value in values.items() if value is not None}
        compiled = self._compiled(walk, given)
        if walk.cursor:
            given["cursor_at"], given["cursor_pk"] = walk.cursor
        return walk.page(compiled.rows(**given), date_field=self.date_field, size=self.size)

    def _compiled(self, walk: Walk, given: dict[str, Any]) -> Compiled:
        shape = (walk.descending, walk.cursor is not None, *sorted(given))
        compiled = self._shapes.get(shape)
        if compiled is None:
            markers = {name: marker_for(value, n) for n, (name, value) in enumerate(given.items())}
            if walk.cursor:
                markers["cursor_at"] = moment_marker(len(markers))
                markers["cursor_pk"] = number_marker(len(markers))

            def build(cursor_at=None, cursor_pk=None, **values) -> QuerySet:
                cursor = (cursor_at, cursor_pk) if walk.cursor else None
                rows = self.build(**values)
                return keyset_query(rows, walk, cursor, date_field=self.date_field, size=self.size)

            compiled = self._shapes[shape] = Compiled(build, **markers)
        return compiled
