"""Queries compiled once per process, for the hot paths of the public pages.

Building and compiling an ORM query costs about a millisecond for the queries that read a
cached page's stamps (on the bench data: the case page's 0.95 ms, the home page's upcoming
meetings 1.7 ms), as much as PostgreSQL takes to run them and a quarter of what a cached
page costs in all. Their SQL depends only on the shape of the request, not on its values, so
`Compiled` compiles the query once per process with markers for the values that change (a
slug, a year, the time), and a request puts its values in place of the markers among the
parameters, as meetings/search.py does for its own queries
(docs/decisions/0013-compiled-queries.md).

The result is what the same `.values()` queryset gives: dicts, with the database backend's
converters applied (SQLite keeps moments as text, for one), on PostgreSQL and SQLite alike.
A test compares the two for every compiled query (tests/meetings/test_compiled.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Marker values no request has, each of its type and within its column's range (the ORM
# drops a condition that cannot match, and with it the parameter).
TEXT = "\ue002{}\ue002"
NUMBER = 32_000  # + n: within a smallint (a case's year) and above any real one
MOMENT = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)  # + n seconds


def text_marker(n: int) -> str:
    return TEXT.format(n)


def number_marker(n: int) -> int:
    return NUMBER + n


def moment_marker(n: int) -> datetime.datetime:
    return MOMENT + datetime.timedelta(seconds=n)


def day_marker(n: int) -> datetime.date:
    return MOMENT.date() + datetime.timedelta(days=n)


def marker_for(value: Any, n: int) -> Any:
    """The n-th marker of `value`'s type: a number, a text or a moment."""
    if isinstance(value, bool):
        raise TypeError("A compiled query takes no booleans (one that chooses SQL is a shape).")
    if isinstance(value, int):
        return number_marker(n)
    if isinstance(value, str):
        return text_marker(n)
    if isinstance(value, datetime.datetime):
        return moment_marker(n)
    raise TypeError(f"A compiled query takes ints, texts and moments, not {type(value)}.")


class Compiled:
    """`build(**markers)` (a `.values()` queryset) compiled at its first use in a process;
    `rows(**values)` runs it with the values in place of the markers.

    Only for a query whose SQL is the same for every value (no value may choose a branch in
    `build`, nor be left out of the SQL): `rows` refuses values whose marker is not among
    the compiled parameters."""

    def __init__(self, build: Callable[..., QuerySet], **markers: Any) -> None:
        self.build = build
        self.markers = markers
        self._statements: dict[str, tuple] = {}

    def _statement(self, alias: str) -> tuple:
        statement = self._statements.get(alias)
        if statement is None:
            queryset = self.build(**self.markers).using(alias)
            query = queryset.query
            compiler = query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            adapt = _adapter(alias)
            missing = [name for name, mark in self.markers.items() if adapt(mark) not in params]
            if missing:
                raise RuntimeError(f"A compiled query does not pass {missing} as parameters.")
            # As ValuesIterable names the columns.
            if query.selected:
                names = list(query.selected)
            else:
                names = [*query.extra_select, *query.values_select, *query.annotation_select]
            if len(names) != len(compiler.select):
                raise RuntimeError("Compiled is for .values() querysets of named columns.")
            converters = compiler.get_converters([column for column, _, _ in compiler.select])
            statement = self._statements[alias] = (sql, params, names, compiler, converters)
        return statement

    def rows(self, using: str = "default", **values: Any) -> list[dict]:
        if values.keys() != self.markers.keys():  # a marker left in place would be a value
            raise TypeError(f"Compiled.rows needs {sorted(self.markers)}, got {sorted(values)}.")
        sql, params, names, compiler, converters = self._statement(using)
        adapt = _adapter(using)
        by_marker = {adapt(self.markers[name]): adapt(value) for name, value in values.items()}
        try:
            filled = [_filled(param, by_marker) for param in params]
        except _OutOfRange:
            return []  # as the ORM, which leaves out a condition no row can meet
        with connections[using].cursor() as cursor:
            cursor.execute(sql, filled)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]


def _adapter(alias: str) -> Callable[[Any], Any]:
    """A value as the backend passes it as a parameter: moments and days as text on SQLite,
    as they are on PostgreSQL (the ORM adapts them when it compiles; the rest passes
    unchanged)."""
    ops = connections[alias].ops

    def adapt(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    return adapt


class _OutOfRange(Exception):
    pass


# The ranges of psycopg's integer types, which the ORM passes for some columns; a plain int
# is a 64-bit integer to both databases (SQLite refuses a larger one with OverflowError).
INTEGER_LIMITS = {"Int2": 2**15, "Int4": 2**31, "Int8": 2**63}
BIGINT_LIMIT = 2**63


def _filled(param: Any, by_marker: dict) -> Any:
    """The request's value for a marker (an int of the marker's type), else the parameter as
    compiled. An int out of its column's range matches no row (_OutOfRange)."""
    try:
        value = by_marker[param]
    except (KeyError, TypeError):  # not a marker, or not hashable
        return param
    if isinstance(param, int) and not isinstance(param, bool):
        limit = INTEGER_LIMITS.get(type(param).__name__, BIGINT_LIMIT)
        if not -limit <= value < limit:
            raise _OutOfRange
        return type(param)(value)
    return value
