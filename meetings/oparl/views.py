"""The OParl 1.1 endpoints: read-only JSON, open to every origin, bokmål labels.

Each view returns a dict; `oparl_endpoint` makes the JSON response, answers a bad parameter
with 400 and an unknown object with 404 (both as JSON), and adds the CORS header.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.db.models import Max, Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone, translation

from cooperation.models import Cooperation

from . import published
from .lists import JsonText, ListParams, Source, dumps, list_page, single_page
from .models import Tombstone
from .serializers import (
    SHAPES,
    Out,
    body,
    deleted,
    legislative_term,
    legislative_terms,
    system,
    tombstone_stamp,
)

SAFE_METHODS = ("GET", "HEAD")


class BadRequest(Exception):
    """A parameter the API cannot read; the message says which."""


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"type": "Error", "status": status, "message": message}, status=status)


def oparl_endpoint(view: Callable[..., dict]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def endpoint(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "*"
        elif request.method not in SAFE_METHODS:
            response = error(405, "The OParl API is read-only.")
            response["Allow"] = "GET, HEAD, OPTIONS"
        else:
            # The labels (roles, outcomes, kinds) are the portal's bokmål, whatever the
            # visitor chose for the HTML pages.
            with translation.override("nb"):
                try:
                    response = json_response(view(request, *args, **kwargs))
                except Http404:
                    response = error(404, "No such object.")
                except BadRequest as problem:
                    response = error(400, str(problem))
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return endpoint


def json_response(result: dict) -> HttpResponse:
    """`result` as JSON; a value already encoded (a list page's cached `data`) as it is, so
    that the response is what JsonResponse makes of the decoded value, byte for byte."""
    if not any(isinstance(value, JsonText) for value in result.values()):
        return JsonResponse(result, json_dumps_params={"ensure_ascii": False})
    members = (
        f"{dumps(name)}: {value if isinstance(value, JsonText) else dumps(value)}"
        for name, value in result.items()
    )
    return HttpResponse("{" + ", ".join(members) + "}", content_type="application/json")


def read_params(request: HttpRequest) -> ListParams:
    params = ListParams(request.GET)
    if not params.is_valid():
        raise BadRequest(params.problem())
    return params


def out_for(request: HttpRequest, params: ListParams | None = None) -> Out:
    """How to show objects: `params` are a list page's (its entries' embedded objects are
    then brief), None for a single object."""
    omit_internal = bool(params and params.cleaned_data["omit_internal"])
    return Out(request, omit_internal=omit_internal, listing=params is not None)


def entry_point(request: HttpRequest) -> HttpResponse:
    response = redirect("oparl:system")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@oparl_endpoint
def system_detail(request: HttpRequest) -> dict:
    span = Cooperation.objects.aggregate(created=Min("created"), modified=Max("modified"))
    now = timezone.now()
    return system(
        out_for(request), created=span["created"] or now, modified=span["modified"] or now
    )


@oparl_endpoint
def body_list(request: HttpRequest) -> dict:
    params = read_params(request)
    out = out_for(request, params)
    return list_page(request, params, [Source(published.bodies(), lambda c: body(c, out))])


def get_cooperation(pk: int) -> Cooperation:
    cooperation = published.bodies().filter(pk=pk).first()
    if cooperation is None:
        raise Http404
    return cooperation


@oparl_endpoint
def body_detail(request: HttpRequest, pk: int) -> dict:
    return body(get_cooperation(pk), out_for(request))


# The external lists of a Body: list name -> [(kind, lookup from the row to its cooperation)].
BODY_LISTS: dict[str, list[tuple[str, str]]] = {
    "organizations": [("organization", "cooperation"), ("member-organization", "cooperation")],
    "people": [("person", "cooperation")],
    "memberships": [("membership", "body__cooperation")],
    "meetings": [("meeting", "body__cooperation")],
    "locations": [("location", "body__cooperation")],
    "agenda-items": [("agenda-item", "body__cooperation")],
    "consultations": [("consultation", "body__cooperation")],
    "papers": [("paper", "cooperation")],
    "files": [
        ("document", "cooperation"),
        ("file", "case__cooperation"),
        ("minutes", "body__cooperation"),
        ("notice", "body__cooperation"),
    ],
}
# The external lists of an Organization (one of our bodies), by the row's body.
ORGANIZATION_LISTS: dict[str, list[tuple[str, str]]] = {
    "meetings": [("meeting", "body")],
    "consultations": [("consultation", "body")],
}


def sources(
    kinds: list[tuple[str, str]], owner: dict, stones: Q, params: ListParams, out: Out
) -> list[Source]:
    """The sources of a list; withdrawn objects last, and only when modified_since is given.
    The rows of a kind with stamps (SHAPES[kind].stamped) are read with them, so that a page
    of them is cached (lists.list_page)."""
    found = []
    for kind, lookup in kinds:
        shape = SHAPES[kind]
        found.append(
            Source(
                stamped_rows(kind, out).filter(**{lookup: owner[lookup]}),
                functools.partial(shape.serialize, out=out),
                embed=functools.partial(shape.embed, out=out) if shape.embed else None,
                stamp=shape.stamp,
            )
        )
    if params.cleaned_data.get("modified_since"):
        found.append(
            Source(
                withdrawn([kind for kind, _ in kinds]).filter(stones),
                lambda stone: deleted(stone, out),
                created="created",
                modified="deleted_at",
                stamp=tombstone_stamp,
            )
        )
    return found


# The rows of a kind with stamps, built once per process and per `omit_internal` (the only
# thing of the request they depend on): building their subqueries costs more than running
# them. Only derive from them (each filter is a copy); never evaluate one as it is.
STAMPED_ROWS: dict[tuple[str, bool], QuerySet] = {}


def stamped_rows(kind: str, out: Out) -> QuerySet:
    """SHAPES[kind].rows_for(out), with the stamps of what they show when they have any."""
    shape = SHAPES[kind]
    if not shape.stamped:
        return shape.rows_for(out)
    rows = STAMPED_ROWS.get((kind, out.omit_internal))
    if rows is None:
        rows = STAMPED_ROWS[kind, out.omit_internal] = shape.stamped(shape.rows_for(out))
    return rows


def withdrawn(kinds: list[str]) -> QuerySet[Tombstone]:
    """Tombstones of these kinds, except of objects that are published again."""
    republished = Q()
    for kind in kinds:
        republished |= Q(kind=kind, object_id__in=published.PUBLISHED[kind]().values("pk"))
    return Tombstone.objects.filter(kind__in=kinds).exclude(republished)


@oparl_endpoint
def body_sublist(request: HttpRequest, pk: int, name: str) -> dict:
    # Every cooperation is a Body (published.bodies()); only the terms read more of it.
    if name != "legislative-terms" and not Cooperation.objects.filter(pk=pk).exists():
        raise Http404
    params = read_params(request)
    out = out_for(request, params)
    if name == "legislative-terms":
        terms = legislative_terms(get_cooperation(pk))
        return single_page(request, params, terms, lambda term: legislative_term(term, out))
    if name not in BODY_LISTS:
        raise Http404
    owner = {"cooperation": pk, "body__cooperation": pk, "case__cooperation": pk}
    stones = Q(cooperation=pk)
    found = sources(BODY_LISTS[name], owner, stones, params, out)
    return list_page(request, params, found, key=out.key())


@oparl_endpoint
def organization_sublist(request: HttpRequest, pk: int, name: str) -> dict:
    if not published.organizations().filter(pk=pk).exists():
        raise Http404
    params = read_params(request)
    out = out_for(request, params)
    stones = Q(in_organization=pk)
    found = sources(ORGANIZATION_LISTS[name], {"body": pk}, stones, params, out)
    return list_page(request, params, found, key=out.key())


@oparl_endpoint
def object_detail(request: HttpRequest, kind: str, pk: int) -> dict:
    """One object: published, or withdrawn (`deleted: true`), or 404."""
    shape = SHAPES[kind]
    out = out_for(request)
    row = shape.rows_for(out).filter(pk=pk).first()
    if row is not None:
        if shape.embed:
            shape.embed([row], out)
        return shape.serialize(row, out)
    stone = Tombstone.objects.filter(kind=kind, object_id=pk).first()
    if stone is not None:
        return deleted(stone, out)
    raise Http404


@oparl_endpoint
def not_found(request: HttpRequest) -> dict:
    raise Http404


@oparl_endpoint
def legislative_term_detail(request: HttpRequest, body: int, year: int) -> dict:
    for term in legislative_terms(get_cooperation(body)):
        if term.year == year:
            return legislative_term(term, out_for(request))
    raise Http404
