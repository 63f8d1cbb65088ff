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
from .lists import ListParams, Source, list_page, single_page
from .models import Tombstone
from .serializers import SHAPES, Out, body, deleted, legislative_term, legislative_terms, system

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
                    response = JsonResponse(
                        view(request, *args, **kwargs), json_dumps_params={"ensure_ascii": False}
                    )
                except Http404:
                    response = error(404, "No such object.")
                except BadRequest as problem:
                    response = error(400, str(problem))
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return endpoint


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
    """The sources of a list; withdrawn objects last, and only when modified_since is given."""
    found = [
        Source(
            SHAPES[kind].rows_for(out).filter(**{lookup: owner[lookup]}),
            functools.partial(SHAPES[kind].serialize, out=out),
            embed=functools.partial(SHAPES[kind].embed, out=out) if SHAPES[kind].embed else None,
        )
        for kind, lookup in kinds
    ]
    if params.cleaned_data.get("modified_since"):
        found.append(
            Source(
                withdrawn([kind for kind, _ in kinds]).filter(stones),
                lambda stone: deleted(stone, out),
                created="created",
                modified="deleted_at",
            )
        )
    return found


def withdrawn(kinds: list[str]) -> QuerySet[Tombstone]:
    """Tombstones of these kinds, except of objects that are published again."""
    republished = Q()
    for kind in kinds:
        republished |= Q(kind=kind, object_id__in=published.PUBLISHED[kind]().values("pk"))
    return Tombstone.objects.filter(kind__in=kinds).exclude(republished)


@oparl_endpoint
def body_sublist(request: HttpRequest, pk: int, name: str) -> dict:
    cooperation = get_cooperation(pk)
    params = read_params(request)
    out = out_for(request, params)
    if name == "legislative-terms":
        terms = legislative_terms(cooperation)
        return single_page(request, params, terms, lambda term: legislative_term(term, out))
    if name not in BODY_LISTS:
        raise Http404
    owner = {"cooperation": pk, "body__cooperation": pk, "case__cooperation": pk}
    stones = Q(cooperation=pk)
    return list_page(request, params, sources(BODY_LISTS[name], owner, stones, params, out))


@oparl_endpoint
def organization_sublist(request: HttpRequest, pk: int, name: str) -> dict:
    if not published.organizations().filter(pk=pk).exists():
        raise Http404
    params = read_params(request)
    out = out_for(request, params)
    stones = Q(in_organization=pk)
    return list_page(
        request, params, sources(ORGANIZATION_LISTS[name], {"body": pk}, stones, params, out)
    )


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
