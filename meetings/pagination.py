"""Keyset pagination: page 2,000 costs what page 1 costs, and no COUNT(*) is taken.

A page is the rows after (or before) a cursor, the (date, id) of the last row shown, in a
stable order on two columns. The cursor travels in the query string as
"<microseconds since 1970 UTC>_<id>": exact, and nothing in it needs escaping in a URL.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import QuerySet

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
    forward = not before
    cursor = decode_cursor(after or before) if (after or before) else None
    # Walking backwards is walking forwards in the opposite order, then reversing the rows.
    descending = newest_first if forward else not newest_first
    sign = "-" if descending else ""
    queryset = queryset.order_by(f"{sign}{date_field}", f"{sign}pk")
    if cursor:
        moment, pk = cursor
        bound, shown = ("lte", "gte") if descending else ("gte", "lte")
        # The rows after the cursor, (date, id) < (d, i) when descending, as a bound on the
        # date minus the rows of date d already shown. `date < d OR (date = d AND id < i)`
        # gives the (date, id) index no start, so a deep page walked it from the newest row;
        # the bound starts the scan at the cursor, and the exclusion (unlike the OR beside a
        # bound) leaves the planner's estimate of the rows at what the bound selects.
        queryset = queryset.filter(**{f"{date_field}__{bound}": moment}).exclude(
            **{date_field: moment, f"pk__{shown}": pk}
        )
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()

    def cursor_of(row) -> str:
        if isinstance(row, dict):  # a .values() queryset, which must hold pk and date_field
            return encode_cursor(row[date_field], row["pk"])
        value = row
        for part in date_field.split("__"):
            value = getattr(value, part)
        return encode_cursor(value, row.pk)

    has_next = more if forward else bool(cursor)
    has_previous = bool(cursor) if forward else more
    return Page(
        rows=rows,
        next_cursor=cursor_of(rows[-1]) if rows and has_next else None,
        previous_cursor=cursor_of(rows[0]) if rows and has_previous else None,
    )
