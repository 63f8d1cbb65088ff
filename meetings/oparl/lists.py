"""External object lists: the filters of OParl 1.1, and keyset pages over one or more tables.

A list is a sequence of sources (a list of Organizations is our bodies, then the member
organisations, then — with `modified_since` — the withdrawn ones), each in primary-key
order. The cursor in `after`/`before` is "<source>-<id>" of the row at the page's edge, so
the order is stable while rows are added, a deep page costs what the first costs, and no
COUNT(*) is taken. Every source from the cursor's on is queried on every page, so a page
costs the same number of queries however many rows there are.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
FILTERS = ("created_since", "created_until", "modified_since", "modified_until")
FALSE = {"0", "false", "no", "off"}

# "+" in a query string is a space: a client that forgot to encode the offset's "+" sends
# "2024-01-01T00:00:00 01:00"; the space can only have been a plus there.
UNENCODED_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class FilterMoment(forms.DateTimeField):
    """An ISO 8601 date-time; one without an offset is read in Norwegian time."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        if isinstance(value, str):
            value = UNENCODED_PLUS.sub(r"\1+\2", value.strip())
        moment = super().to_python(value)
        if moment is not None:
            try:
                moment.astimezone(datetime.UTC)
            except OverflowError as error:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        return moment


class ListParams(forms.Form):
    """The query string of an external list. Unknown parameters are ignored."""

    created_since = FilterMoment(required=False)
    created_until = FilterMoment(required=False)
    modified_since = FilterMoment(required=False)
    modified_until = FilterMoment(required=False)
    # A hint (OParl: the server decides); `elementsPerPage` is OParl 1.0's name for it.
    limit = forms.IntegerField(required=False)
    elementsPerPage = forms.IntegerField(required=False)
    after = forms.RegexField(r"^\d{1,2}-\d{1,18}$", required=False)
    before = forms.RegexField(r"^(\d{1,2}-\d{1,18}|end)$", required=False)
    omit_internal = forms.CharField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        hint = data.get("limit")
        if hint is None:
            hint = data.get("elementsPerPage")
        data["page_size"] = DEFAULT_LIMIT if hint is None else max(1, min(MAX_LIMIT, hint))
        data["omit_internal"] = (
            "omit_internal" in self.data and data.get("omit_internal", "").lower() not in FALSE
        )
        return data

    def problem(self) -> str:
        return "Bad value for " + ", ".join(sorted(self.errors)) + "."

    def carried(self) -> dict[str, str]:
        """The parameters every link of the list keeps: the filters, the limit, omit_internal."""
        data = self.cleaned_data
        kept = {name: data[name].isoformat() for name in FILTERS if data.get(name)}
        if data.get("limit") is not None or data.get("elementsPerPage") is not None:
            kept["limit"] = str(data["page_size"])
        if data["omit_internal"]:
            kept["omit_internal"] = "true"
        return kept


@dataclass(frozen=True)
class Source:
    """One table of a list: its rows, how one becomes JSON, and its created/modified fields."""

    rows: QuerySet
    serialize: Callable[[Any], dict]
    created: str = "oparl_created"
    modified: str = "oparl_modified"
    # Reads what the rows embed, for a list of them at once (when prefetching cannot).
    embed: Callable[[list], None] | None = None

    def filtered(self, data: dict) -> QuerySet:
        lookups = {
            f"{self.created}__gte": data.get("created_since"),
            f"{self.created}__lte": data.get("created_until"),
            f"{self.modified}__gte": data.get("modified_since"),
            f"{self.modified}__lte": data.get("modified_until"),
        }
        return self.rows.filter(**{key: value for key, value in lookups.items() if value})


def list_page(request: HttpRequest, params: ListParams, sources: list[Source]) -> dict:
    """One page of the list, with OParl's `data`, `pagination` and `links`."""
    data = params.cleaned_data
    size = data["page_size"]
    after, before = data.get("after"), data.get("before")
    if before:
        rows, more_before = _backward(sources, data, before, size)
        more_after = before != "end" and bool(rows)
    if before and not more_before and len(rows) < size:
        # Walking back reached the start with a short page: show the first page instead,
        # since every page but the last must be full.
        before = after = None
    if not before:
        rows, more_after = _forward(sources, data, after, size)
        more_before = bool(after)

    base = request.build_absolute_uri(request.path)
    carried = params.carried()

    def link(**cursor: str) -> str:
        query = urlencode({**carried, **cursor})
        return f"{base}?{query}" if query else base

    links = {"first": link()}
    if more_before:
        links["prev"] = link(before=_token(rows[0])) if rows else link(before="end")
    links["self"] = request.build_absolute_uri()
    if more_after:
        links["next"] = link(after=_token(rows[-1]))
    links["last"] = link(before="end")
    return {
        "data": [sources[index].serialize(row) for index, row in rows],
        "pagination": {"elementsPerPage": size},
        "links": links,
    }


def _token(entry: tuple[int, Any]) -> str:
    index, row = entry
    return f"{index}-{row.pk}"


def _parse(token: str) -> tuple[int, int]:
    index, _, pk = token.partition("-")
    return int(index), int(pk)


def _forward(
    sources: list[Source], data: dict, after: str | None, size: int
) -> tuple[list[tuple[int, Any]], bool]:
    start, pk = _parse(after) if after else (0, None)
    found: list[tuple[int, Any]] = []
    for index in range(start, len(sources)):
        rows = sources[index].filtered(data)
        if index == start and pk is not None:
            rows = rows.filter(pk__gt=pk)
        found += [(index, row) for row in _fetch(sources[index], rows.order_by("pk"), size)]
    return found[:size], len(found) > size


def _backward(
    sources: list[Source], data: dict, before: str, size: int
) -> tuple[list[tuple[int, Any]], bool]:
    start, pk = (len(sources) - 1, None) if before == "end" else _parse(before)
    found: list[tuple[int, Any]] = []
    for index in range(min(start, len(sources) - 1), -1, -1):
        rows = sources[index].filtered(data)
        if index == start and pk is not None:
            rows = rows.filter(pk__lt=pk)
        found += [(index, row) for row in _fetch(sources[index], rows.order_by("-pk"), size)]
    return found[:size][::-1], len(found) > size


def _fetch(source: Source, rows: QuerySet, size: int) -> list:
    """Up to `size` + 1 rows of `source`; what they prefetch and embed, for the first `size`
    only: the last row only tells that there are more, it is never shown. (The same queries
    as for all of them: none when there are no rows.)"""
    lookups = rows._prefetch_related_lookups
    fetched = list(rows.prefetch_related(None)[: size + 1])
    shown = fetched[:size]
    if lookups:
        prefetch_related_objects(shown, *lookups)
    if source.embed and shown:
        source.embed(shown)
    return fetched


def single_page(request: HttpRequest, params: ListParams, entries: list, serialize) -> dict:
    """A list short enough for one page, filtered in Python (the derived legislative terms)."""
    data = params.cleaned_data
    bounds = [
        ("oparl_created", data.get("created_since"), data.get("created_until")),
        ("oparl_modified", data.get("modified_since"), data.get("modified_until")),
    ]
    kept = [
        entry
        for entry in entries
        if all(
            (since is None or getattr(entry, field) >= since)
            and (until is None or getattr(entry, field) <= until)
            for field, since, until in bounds
        )
    ]
    here = request.build_absolute_uri()
    return {
        "data": [serialize(entry) for entry in kept],
        "pagination": {"elementsPerPage": max(len(kept), 1)},
        "links": {"first": here, "self": here, "last": here},
    }
