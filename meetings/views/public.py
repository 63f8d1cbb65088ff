"""The public portal: what the public, the press and the members' administrations read.

Only what is public is ever looked up here: meetings whose notice has gone out, minutes that
are published, cases on the agenda of such a meeting; exempt content shows its public title
and legal basis only. Anything else is 404.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.models import Case
from cooperation.models import Body, Membership

from ..documents import NoticeDocument
from ..filters import DecisionFilter, MeetingFilter
from ..models import AgendaItem, Attendance, Meeting
from ..pagination import BadCursor, keyset_page

HOME_UPCOMING = 10
HOME_PUBLISHED = 10
BODY_MEETINGS = 10
# The case document's texts are shown on the case page only: lists and the meeting page,
# which show the case's title and number, do not read them.
CASE_TEXTS = ("proposed_decision", "background", "assessment", "external_references")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The public front page: upcoming meetings, the latest published minutes, the bodies."""
    # Three queries whatever the number of rows: upcoming meetings, published minutes and
    # bodies, each with what it shows joined in.
    upcoming = list(
        Meeting.objects.public().upcoming().select_related("body__cooperation")[:HOME_UPCOMING]
    )
    published = list(
        Meeting.objects.with_published_minutes()
        .select_related("body__cooperation")
        .order_by("-published_at", "-start")[:HOME_PUBLISHED]
    )
    bodies = (
        Body.objects.active().select_related("cooperation").order_by("cooperation__name", "name")
    )
    return render(
        request,
        "meetings/home.html",
        {"upcoming": upcoming, "published": published, "bodies": bodies},
    )


def archive_page(request: HttpRequest, filterset, *, date_field: str):
    """Filter and page an archive list; bad parameters become a message, never a 500."""
    if not filterset.is_valid():
        messages.error(request, _("Some of the filters were not understood and were ignored."))
        return filterset, keyset_page(filterset.queryset, date_field=date_field, newest_first=True)
    try:
        page = keyset_page(
            filterset.qs,
            date_field=date_field,
            newest_first=filterset.newest_first,
            after=request.GET.get("etter", ""),
            before=request.GET.get("for", ""),
        )
    except BadCursor:
        messages.error(request, _("The page link was not understood; showing the first page."))
        page = keyset_page(filterset.qs, date_field=date_field, newest_first=filterset.newest_first)
    return filterset, page


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The archive of meetings, newest first, filtered by body and year."""
    meetings = Meeting.objects.public().select_related("body")
    filterset, page = archive_page(
        request, MeetingFilter(request.GET, queryset=meetings), date_field="start"
    )
    return render(request, "meetings/meeting_list.html", {"filter": filterset, "page": page})


@require_safe
def decision_list(request: HttpRequest) -> HttpResponse:
    """The archive of treatments with published decisions."""
    items = (
        AgendaItem.objects.published()
        .select_related("meeting__body", "case")
        .defer(*(f"case__{name}" for name in CASE_TEXTS))
    )
    filterset, page = archive_page(
        request, DecisionFilter(request.GET, queryset=items), date_field="meeting__start"
    )
    return render(request, "meetings/decision_list.html", {"filter": filterset, "page": page})


# A published meeting's page is rendered once and cached (docs/decisions/0010-page-caching.md):
# everything but the preview's banner, which holds no per-request value (CSP nonce, CSRF).
# Published minutes change only by a formal correction, or when an item or its case is
# exempted or edited: each moves a stamp in the key (minutes_cache_key). The names shown
# (people, organisations, bodies) are not in it, so a rendering is kept ten minutes at most.
MINUTES_PART = "meetings/meeting_detail.html#meeting-content"
MINUTES_CACHE_SECONDS = 10 * 60


@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting: its agenda once the notice is out, and its minutes once published."""
    meeting = get_object_or_404(
        Meeting.objects.public()
        .select_related("body__cooperation")
        .annotate(
            item_count=Count("items"),
            items_modified=Max("items__modified"),
            cases_modified=Max("items__case__modified"),
        ),
        pk=pk,
    )
    context = {
        "meeting": meeting,
        # The latest public version of the notice as a stored PDF, beside the agenda.
        "notice_document": meeting.notice_documents.filter(
            audience=NoticeDocument.Audience.PUBLIC
        ).first(),
        # The latest stored minutes PDF, shown with its size and checksum beside the minutes.
        "minutes_document": meeting.minutes_documents.first()
        if meeting.minutes_are_public
        else None,
    }
    if not meeting.minutes_are_public:
        context |= meeting_page_context(meeting, show_minutes=False)
        return render(request, "meetings/meeting_detail.html", context)
    key = minutes_cache_key(context)
    context["minutes_html"] = cache.get(key)
    if context["minutes_html"] is None:
        context |= meeting_page_context(meeting, show_minutes=True)
        context["minutes_html"] = render_to_string(MINUTES_PART, context)
        cache.set(key, context["minutes_html"], MINUTES_CACHE_SECONDS)
    return render(request, "meetings/meeting_detail.html", context)


def minutes_cache_key(context: dict) -> str:
    """The key of a published meeting's rendered page: its own stamps, its items' and their
    cases' (read with it), its stored PDFs and the language."""
    meeting = context["meeting"]
    stamps = [
        meeting.pk,
        meeting.modified,
        meeting.published_at,
        meeting.corrected_at,
        meeting.item_count,
        meeting.items_modified,
        meeting.cases_modified,
        get_language(),
    ]
    for document in (context["notice_document"], context["minutes_document"]):
        stamps += [document.pk, document.sha256] if document else [None, None]
    digest = hashlib.blake2b(repr(stamps).encode(), digest_size=16).hexdigest()
    return f"published-minutes:{meeting.pk}:{digest}"


def meeting_page_context(meeting: Meeting, *, show_minutes: bool) -> dict:
    """What the meeting page shows; the secretariat's preview uses the same data."""
    items = (
        meeting.items.select_related("case__cooperation")
        .defer(*(f"case__{name}" for name in CASE_TEXTS))
        .prefetch_related("disqualified")
    )
    if show_minutes and meeting.corrected_at:
        # A formal correction after approval is shown where it was made, with its date.
        items = items.prefetch_related("corrections")
    items = list(items)
    attendance = []
    if show_minutes:
        attendance = list(
            meeting.attendances.select_related("person", "on_behalf_of", "substitute_for")
        )
    roles = Attendance.Role
    return {
        "meeting": meeting,
        "show_minutes": show_minutes,
        "items": items,
        "present": [a for a in attendance if a.role in Attendance.PRESENT_ROLES],
        "apologies": [a for a in attendance if a.role == roles.APOLOGIES],
        "staff": [a for a in attendance if a.role == roles.STAFF],
        "guests": [a for a in attendance if a.role == roles.GUEST],
        "chair": next((a for a in attendance if a.is_chair), None),
        "corrected": sorted(
            {c.at for item in items for c in item.corrections.all()}
            if show_minutes and meeting.corrected_at
            else []
        ),
    }


def public_case(cooperation: str, year: int, sequence: int) -> Case:
    """A case the public may see: one on the agenda of a meeting whose notice has gone out."""
    on_public_agenda = AgendaItem.objects.public().filter(case=OuterRef("pk"))
    case = (
        Case.objects.select_related("cooperation", "responsible")
        .filter(cooperation__slug=cooperation, year=year, sequence=sequence)
        .filter(Exists(on_public_agenda))
        .first()
    )
    if case is None:
        raise Http404(_("No public case has this reference."))
    return case


@require_safe
def case_detail(request: HttpRequest, cooperation: str, year: int, sequence: int) -> HttpResponse:
    """A case: its public document, its path through the bodies, its attachments."""
    case = public_case(cooperation, year, sequence)
    treatments = list(
        AgendaItem.objects.public()
        .filter(case=case)
        .select_related("meeting__body", "case")
        .defer(*(f"case__{name}" for name in CASE_TEXTS))
        .order_by("meeting__start", "pk")
    )
    attachments = [] if case.is_exempt else list(case.attachments.filter(is_exempt=False))
    return render(
        request,
        "meetings/case_detail.html",
        {"case": case, "treatments": treatments, "attachments": attachments},
    )


@require_safe
def attachment_download(
    request: HttpRequest, cooperation: str, year: int, sequence: int, pk: int
) -> FileResponse:
    """Attachments are served through here, so an exempt one can never be fetched."""
    case = public_case(cooperation, year, sequence)
    if case.is_exempt:
        raise Http404
    attachment = get_object_or_404(case.attachments, pk=pk, is_exempt=False)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing.")) from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.file.name.rsplit("/", 1)[-1],
        content_type=attachment.content_type or "application/octet-stream",
    )


def public_body(cooperation: str, slug: str) -> Body:
    return get_object_or_404(
        Body.objects.select_related("cooperation", "parent"),
        cooperation__slug=cooperation,
        slug=slug,
    )


@require_safe
def body_list(request: HttpRequest) -> HttpResponse:
    bodies = Body.objects.select_related("cooperation", "parent").order_by(
        "cooperation__name", "name"
    )
    return render(request, "meetings/body_list.html", {"bodies": bodies})


@require_safe
def body_detail(request: HttpRequest, cooperation: str, slug: str) -> HttpResponse:
    """A body: its mandate and its history, its members, its meetings."""
    body = public_body(cooperation, slug)
    mandates = list(
        body.mandates.prefetch_related(
            Prefetch(
                "adopted_by_items",
                queryset=AgendaItem.objects.public().select_related("meeting__body"),
            )
        ).order_by("-valid_from")
    )
    today = timezone.localdate()
    current = next((m for m in mandates if m.valid_from <= today), None)
    members = list(body.memberships.current(today).select_related("person", "on_behalf_of"))
    # Chair first, then deputy chair, members, deputies … as the roles are listed.
    role_order = {role: n for n, role in enumerate(Membership.Role.values)}
    members.sort(key=lambda m: (role_order[m.role], m.person.name))
    meetings = Meeting.objects.public().for_body(body)
    upcoming = list(meetings.upcoming()[:BODY_MEETINGS])
    past = list(
        meetings.filter(Q(end__lt=timezone.now()) | Q(end__isnull=True, start__lt=timezone.now()))
        .exclude(pk__in=[m.pk for m in upcoming])
        .order_by("-start")[:BODY_MEETINGS]
    )
    return render(
        request,
        "meetings/body_detail.html",
        {
            "body": body,
            "mandate": current,
            "mandates": mandates,
            "members": members,
            "upcoming": upcoming,
            "past": past,
        },
    )


@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "meetings/accessibility.html")
