"""External object lists: the filters of OParl 1.1, and keyset pages over one or more tables.

A list is a sequence of sources (a list of Organizations is our bodies, then the member
organisations, then — with `modified_since` — the withdrawn ones), each in primary-key
order. The cursor in `after`/`before` is "<source>-<id>" of the row at the page's edge, so
the order is stable while rows are added, a deep page costs what the first costs, and no
COUNT(*) is taken. Every source from the cursor's on is queried on every page, so a page
costs the same number of queries however many rows there are.

A page whose rows all have stamps (`Source.stamp`: a meeting's, read with it in the query
that selects it; a tombstone's) keeps its `data` as JSON under the key of those stamps and of
what the JSON depends on of the request (`list_page`'s `key`), in the shared page cache
(meetings/page_cache.py, docs/decisions/0011-shared-page-cache.md): a kept page costs the
queries that select its rows, and nothing what they embed is read or serialised again. The
links and the pagination are made for each request.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest

from ..page_cache import cached_part, stamp_key

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
    # A row's part of the key of a cached page: the stamps of all it shows, read with it
    # (None: pages with rows of this source are not cached).
    stamp: Callable[[Any], tuple] | None = None

    def filtered(self, data: dict) -> QuerySet:
        lookups = {
            f"{self.created}__gte": data.get("created_since"),
            f"{self.created}__lte": data.get("created_until"),
            f"{self.modified}__gte": data.get("modified_since"),
            f"{self.modified}__lte": data.get("modified_until"),
        }
        return self.rows.filter(**{key: value for key, value in lookups.items() if value})


class JsonText(str):
    """A value already encoded as JSON (`dumps`), put into the response as it is."""


def dumps(value: Any) -> str:
    """JSON as the API's responses have it (views.oparl_endpoint)."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def list_page(
    request: HttpRequest, params: ListParams, sources: list[Source], key: tuple | None = None
) -> dict:
    """One page of the list, with OParl's `data`, `pagination` and `links`.

    `key`: what the rows' JSON depends on of the request (serializers.Out.key). With it, the
    `data` of a page whose rows all have stamps is kept as JSON (a JsonText) under the key of
    those stamps, and what the rows embed is read only when it is not kept."""
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

    def serialize() -> list[dict]:
        _embed(sources, rows)
        return [sources[index].serialize(row) for index, row in rows]

    if key is not None and rows and all(sources[index].stamp for index, _ in rows):
        stamps = tuple((index, *sources[index].stamp(row)) for index, row in rows)
        part = stamp_key("oparl-list", key, stamps)
        data: Any = JsonText(cached_part(part, lambda: dumps(serialize())))
    else:
        data = serialize()
    return {
        "data": data,
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
    as for all of them: none when there are no rows.) Not for a source with stamps: `_embed`
    reads that for the rows on the page, and only when their JSON is not kept."""
    fetched = list(rows.prefetch_related(None)[: size + 1])
    if source.stamp is None:
        _read_embedded(source, fetched[:size])
    return fetched


def _embed(sources: list[Source], rows: list[tuple[int, Any]]) -> None:
    """What the page's rows of the sources with stamps prefetch and embed (see _fetch)."""
    for index, source in enumerate(sources):
        if source.stamp is not None:
            _read_embedded(source, [row for at, row in rows if at == index])


def _read_embedded(source: Source, shown: list) -> None:
    lookups = source.rows._prefetch_related_lookups
    if lookups:
        prefetch_related_objects(shown, *lookups)
    if source.embed and shown:
        source.embed(shown)


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
