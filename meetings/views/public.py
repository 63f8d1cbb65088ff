"""The public portal: what the public, the press and the members' administrations read.

Only what is public is ever looked up here: meetings whose notice has gone out, minutes that
are published, cases on the agenda of such a meeting; exempt content shows its public title
and legal basis only. Anything else is 404.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

from django.contrib import messages
from django.db.models import (
    CharField,
    Count,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.models import Attachment, Case
from cooperation.models import Body, MandateVersion, Membership

from ..compiled import Compiled, day_marker, moment_marker, number_marker, text_marker
from ..documents import MinutesDocument, NoticeDocument
from ..filters import DecisionFilter, MeetingFilter, form_key
from ..models import (
    UNDER_WAY,
    AgendaItem,
    Attendance,
    Meeting,
    attachments_served,
    cases_on_public_agenda,
)
from ..page_cache import cached_part, stamp_key, total
from ..pagination import BadCursor, CompiledPages, Page

HOME_UPCOMING = 10
HOME_PUBLISHED = 10
BODY_MEETINGS = 10
# The case document's texts are shown on the case page only: lists and the meeting page,
# which show the case's title and number, do not read them.
CASE_TEXTS = ("proposed_decision", "background", "assessment", "external_references")


# The home page's two lists: the ids and stamps of their meetings (a meeting, its body and
# cooperation: what a row shows), whatever the number of rows, compiled once (compiled.py).
HOME_STAMPS = ("pk", "modified", "body__modified", "body__cooperation__modified")
UPCOMING_STAMPS = Compiled(
    lambda now, under_way: (
        Meeting.objects.with_public_agenda().upcoming(now).values(*HOME_STAMPS)[:HOME_UPCOMING]
    ),
    now=moment_marker(0),
    under_way=moment_marker(0) - UNDER_WAY,  # upcoming() derives it from `now`
)
PUBLISHED_STAMPS = Compiled(
    lambda: (
        Meeting.objects.with_published_minutes()
        .order_by("-published_at", "-start")
        .values(*HOME_STAMPS)[:HOME_PUBLISHED]
    )
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The public front page: upcoming meetings, the latest published minutes, the bodies."""
    # The lists are rendered only when no rendering is kept under their stamps (ADR 11), and
    # the bodies once a minute (ADR 10).
    now = timezone.now()
    upcoming = UPCOMING_STAMPS.rows(now=now, under_way=now - UNDER_WAY)
    published = PUBLISHED_STAMPS.rows()
    key = stamp_key(HOME_PART, tuple(tuple(row.values()) for row in upcoming + [{}] + published))

    def render_lists() -> str:
        found = Meeting.objects.select_related("body__cooperation").in_bulk(
            [row["pk"] for row in upcoming + published]
        )
        return render_to_string(
            HOME_PART,
            {
                "upcoming": [found[row["pk"]] for row in upcoming if row["pk"] in found],
                "published": [found[row["pk"]] for row in published if row["pk"] in found],
            },
        )

    def bodies():  # the template calls it only when its kept rendering has expired
        return (
            Body.objects.active()
            .select_related("cooperation")
            .order_by("cooperation__name", "name")
        )

    return render(
        request,
        "meetings/home.html",
        {
            "lists_html": cached_part(key, render_lists),
            "upcoming": upcoming,
            "published": published,
            "bodies": bodies,
        },
    )


HOME_PART = "meetings/home.html#meeting-lists"


def archive_page(request: HttpRequest, filter_class, pages: CompiledPages):
    """Filter and page an archive list; bad parameters become a message, never a 500.

    The page's rows are dicts of the id, the date and the stamps only (archive_rows reads and
    renders the rows themselves only when its cache does not have them), read by `pages`'s
    query for this shape of request. The filters are checked only when the query string
    names one: the form itself is built only if its rendering is not kept."""
    data = request.GET
    filterset = SimpleLazyObject(lambda: filter_class(data))
    values, newest_first = {}, True
    if filter_class.given(data):
        if not filterset.is_valid():
            messages.error(request, _("Some of the filters were not understood and were ignored."))
            return filterset, pages.page({}, newest_first=True)
        values, newest_first = filterset.parameters(), filterset.newest_first
    try:
        page = pages.page(
            values,
            newest_first=newest_first,
            after=data.get("etter", ""),
            before=data.get("for", ""),
        )
    except BadCursor:
        messages.error(request, _("The page link was not understood; showing the first page."))
        page = pages.page(values, newest_first=newest_first)
    return filterset, page


def archive_rows(
    request: HttpRequest, part: str, page: Page, queryset: Callable[[], QuerySet]
) -> str:
    """A list page's rows and pager, rendered once per process for these exact rows
    (docs/decisions/0011-list-caching.md). The key holds what `archive_page` read: the id,
    date and stamps (`modified` of the row and of the rows it names) of every row shown, with
    the query string (filters and cursor) and the cursors of the pages beside it. So a row
    saved, published, exempted, withdrawn or renamed, or a row coming or going, is a new key.
    Only then are the rows read from `queryset()` (the list's own, so a row withdrawn in
    between drops out) and rendered: a second query."""
    stamps = tuple(tuple(row.values()) for row in page.rows)
    key = stamp_key(part, request.get_full_path(), stamps, page.next_cursor, page.previous_cursor)

    def render_rows() -> str:
        found = queryset().in_bulk([row["pk"] for row in page.rows])
        rows = [found[row["pk"]] for row in page.rows if row["pk"] in found]
        context = {"page": dataclasses.replace(page, rows=rows)}
        return render_to_string(part, context, request=request)

    return cached_part(key, render_rows)


MEETING_ROWS = ("pk", "start", "modified", "body__modified")
MEETING_PAGES = CompiledPages(
    lambda **filters: MeetingFilter.apply(Meeting.objects.with_public_agenda(), **filters).values(
        *MEETING_ROWS
    ),
    date_field="start",
)


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The archive of meetings, newest first, filtered by body and year."""
    filterset, page = archive_page(request, MeetingFilter, MEETING_PAGES)
    rows_html = archive_rows(
        request,
        "meetings/meeting_list.html#rows",
        page,
        lambda: Meeting.objects.with_public_agenda().select_related("body"),
    )
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "filter": filterset,
            "form_key": form_key(MeetingFilter, request.GET),
            "page": page,
            "rows_html": rows_html,
        },
    )


DECISION_ROWS = (
    "pk",
    "meeting__start",
    "modified",
    "case__modified",
    "meeting__modified",
    "meeting__body__modified",
)
DECISION_PAGES = CompiledPages(
    lambda **filters: DecisionFilter.apply(AgendaItem.objects.published(), **filters).values(
        *DECISION_ROWS
    ),
    date_field="meeting__start",
)


@require_safe
def decision_list(request: HttpRequest) -> HttpResponse:
    """The archive of treatments with published decisions."""
    filterset, page = archive_page(request, DecisionFilter, DECISION_PAGES)
    rows_html = archive_rows(
        request,
        "meetings/decision_list.html#rows",
        page,
        lambda: (
            AgendaItem.objects.published()
            .select_related("meeting__body", "case")
            .defer(*(f"case__{name}" for name in CASE_TEXTS))
        ),
    )
    return render(
        request,
        "meetings/decision_list.html",
        {
            "filter": filterset,
            "form_key": form_key(DecisionFilter, request.GET),
            "page": page,
            "rows_html": rows_html,
        },
    )


# A published meeting's page is rendered once and cached (docs/decisions/0010-page-caching.md):
# everything but the preview's banner, which holds no per-request value (CSP nonce, CSRF).
# Published minutes change only by a formal correction, or when an item or its case is
# exempted or edited: each moves a stamp in the key (minutes_cache_key). The names shown
# (people, organisations, bodies) are not in it, so a rendering is kept ten minutes at most.
MINUTES_PART = "meetings/meeting_detail.html#meeting-content"
MINUTES_CACHE_SECONDS = 10 * 60


@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting: its agenda once the notice is out, and its minutes once published.

    The key of a published meeting's cached page is read first (MEETING_KEY, one query);
    the meeting itself only to render its page: its agenda, or its minutes when no rendering
    is kept under that key."""
    found = MEETING_KEY.rows(pk=pk)
    if not found:
        raise Http404
    key = found[0]
    if key["state"] != Meeting.State.PUBLISHED:
        return render(request, "meetings/meeting_detail.html", public_meeting_context(pk))

    def render_minutes() -> str:
        return render_to_string(MINUTES_PART, public_meeting_context(pk))

    # What the frame shows of the meeting (its title), as the template reads it.
    meeting = {"title": key["title"], "start": key["start"], "body": {"name": key["body__name"]}}
    html = cached_part(minutes_cache_key(key), render_minutes, MINUTES_CACHE_SECONDS)
    context = {"meeting": meeting, "minutes_html": html}
    return render(request, "meetings/meeting_detail.html", context)


def public_meeting_context(pk: int) -> dict:
    """What the public meeting page shows of a meeting, read now: its agenda, and its minutes
    when they are public. (Should they have been withdrawn since the key was read, they are
    not shown; the withdrawal moved the meeting's `modified`, so no later request has the key
    a rendering is kept under.)"""
    meeting = get_object_or_404(public_meetings(), pk=pk)
    context = {"meeting": meeting} | meeting_documents(meeting)
    return context | meeting_page_context(meeting, show_minutes=meeting.minutes_are_public)


def public_meetings():
    """Public meetings with their body and cooperation, and the stamps of their stored PDFs
    (meeting_documents reads the documents by them)."""
    return (
        Meeting.objects.with_public_agenda()
        .select_related("body__cooperation")
        .annotate(
            notice_document_stamp=LATEST_PUBLIC_NOTICE,
            minutes_document_stamp=LATEST_MINUTES,
        )
    )


# A public meeting's state and what its frame shows, with the stamps of its cached page (when
# published): its items' and their cases', its stored PDFs'; compiled once (compiled.py).
MEETING_STAMPS = (
    "pk",
    "modified",
    "published_at",
    "corrected_at",
    "item_count",
    "items_modified",
    "cases_modified",
    "notice_document_stamp",
    "minutes_document_stamp",
)
MEETING_KEY = Compiled(
    lambda pk: (
        public_meetings()
        .filter(pk=pk)
        .annotate(
            item_count=Count("items"),
            items_modified=total("items__modified"),
            cases_modified=total("items__case__modified"),
        )
        .values("state", "title", "start", "body__name", *MEETING_STAMPS)
    ),
    pk=number_marker(0),
)


# The latest public notice PDF and the latest minutes PDF of a meeting as "<id>:<SHA-256>",
# read with the meeting: part of the key of its cached page; the documents themselves are read
# only to render it. Plain SQL: as Subquery expressions the two cost ~1 ms of Python a request
# to build and compile, most of a cached page's cost.
LATEST_PUBLIC_NOTICE = RawSQL(
    f"SELECT d.id || ':' || d.sha256 FROM {NoticeDocument._meta.db_table} d"
    f" WHERE d.meeting_id = {Meeting._meta.db_table}.id AND d.audience = %s"
    " ORDER BY d.version DESC LIMIT 1",
    (NoticeDocument.Audience.PUBLIC.value,),
)
LATEST_MINUTES = RawSQL(
    f"SELECT d.id || ':' || d.sha256 FROM {MinutesDocument._meta.db_table} d"
    f" WHERE d.meeting_id = {Meeting._meta.db_table}.id ORDER BY d.version DESC LIMIT 1",
    (),
)


def meeting_documents(meeting: Meeting) -> dict:
    """The stored PDFs beside the agenda and the minutes: the latest public notice (a meeting
    whose notice went out before the PDFs existed has none) and, once the minutes are
    published, the latest minutes PDF, shown with its size and checksum."""

    def document(model, stamp: str | None):
        return model.objects.filter(pk=int(stamp.split(":")[0])).first() if stamp else None

    return {
        "notice_document": document(NoticeDocument, meeting.notice_document_stamp),
        "minutes_document": document(MinutesDocument, meeting.minutes_document_stamp)
        if meeting.minutes_are_public
        else None,
    }


def minutes_cache_key(key: dict) -> str:
    """The key of a published meeting's rendered page: its own stamps, its items' and their
    cases' and its stored PDFs' (MEETING_KEY: all read with it) and the language."""
    stamps = [*(key[name] for name in MEETING_STAMPS), get_language()]
    digest = hashlib.blake2b(repr(stamps).encode(), digest_size=16).hexdigest()
    return f"published-minutes:{key['pk']}:{digest}"


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
    case = (
        cases_on_public_agenda(Case.objects.select_related("cooperation", "responsible"))
        .filter(cooperation__slug=cooperation, year=year, sequence=sequence)
        .first()
    )
    if case is None:
        raise Http404(_("No public case has this reference."))
    return case


@require_safe
def case_detail(request: HttpRequest, cooperation: str, year: int, sequence: int) -> HttpResponse:
    """A case: its public document, its path through the bodies, its attachments.

    Everything but the page's frame is rendered once per key and cached
    (docs/decisions/0010-page-caching.md): a cached page costs one query, the case with the
    stamps of what its page shows (case_stamps); only a miss reads its document, treatments
    and attachments (case_part). As public_case: a case on no public agenda is not found."""
    found = CASE_KEY.rows(cooperation=cooperation, year=year, sequence=sequence)
    if not found or found[0]["treatments_stamp"] is None:
        raise Http404(_("No public case has this reference."))
    row = found[0]
    key = stamp_key(CASE_PART, row["pk"], *(row[name] for name in CASE_STAMPS))
    html = cached_part(key, lambda: case_part(row["pk"]))
    title = Case(**{name: row[name] for name in CASE_TITLE}).title_for_public
    return render(request, "meetings/case_detail.html", {"title": title, "case_html": html})


@require_safe
def attachment_download(
    request: HttpRequest, cooperation: str, year: int, sequence: int, pk: int
) -> FileResponse:
    """Attachments are served through here, so an exempt one can never be fetched."""
    case = public_case(cooperation, year, sequence)
    attachment = get_object_or_404(attachments_served(case.attachments.all()), pk=pk)
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
    """A body by its cooperation's and its own slug, with its cooperation and parent."""
    bodies = Body.objects.select_related("cooperation", "parent")
    return get_object_or_404(bodies, cooperation__slug=cooperation, slug=slug)


@require_safe
def body_list(request: HttpRequest) -> HttpResponse:
    bodies = Body.objects.select_related("cooperation", "parent").order_by(
        "cooperation__name", "name"
    )
    return render(request, "meetings/body_list.html", {"bodies": bodies})


@require_safe
def body_detail(request: HttpRequest, cooperation: str, slug: str) -> HttpResponse:
    """A body: its mandate and its history, its members, its meetings.

    Everything but the page's frame is rendered once per key and cached
    (docs/decisions/0010-page-caching.md): a cached page costs one query, the body with the
    stamps of what its page shows (body_stamps); only a miss reads the mandates, members and
    meetings (body_part). What depends on the time is in the key too: today's date, which
    decides the mandate in force and who is a member, and how many of the body's meetings
    are upcoming and how many have begun."""
    today = timezone.localdate()
    found = BODY_KEY.rows(cooperation=cooperation, slug=slug, today=today)
    if not found:
        raise Http404
    row = found[0]
    key = stamp_key(BODY_PART, today, *(row[name] for name in BODY_KEY_FIELDS))
    html = cached_part(key, lambda: body_part(public_body(cooperation, slug), today))
    context = {"name": row["name"], "cooperation": cooperation, "slug": slug, "body_html": html}
    return render(request, "meetings/body_detail.html", context)


# The case and body pages cache all but their frame (base.html, with the CSP nonce and the
# CSRF token; the title; the body's feed link): docs/decisions/0010-page-caching.md.
CASE_PART = "meetings/case_detail.html#case-content"
BODY_PART = "meetings/body_detail.html#body-content"
# The stamps read with a case (case_stamps) and a body (body_stamps), in their pages' keys.
CASE_STAMPS = (
    "modified",
    "cooperation_modified",
    "responsible_modified",
    "treatments_stamp",
    "attachments_stamp",
)
BODY_STAMPS = ("mandates_stamp", "adopting_stamp", "members_stamp", "meetings_stamp")
# What a meeting in the body page's lists shows: its link, date, title and state.
BODY_MEETING_FIELDS = ("modified", "start", "title", "state")

# The body page's key: the body's, its cooperation's and its parent's `modified`, and the
# stamps of what its page shows (body_stamps); with the name the frame shows, by the body's
# reference and today's date, compiled once (compiled.py).
BODY_KEY_FIELDS = ("pk", "modified", "cooperation__modified", "parent__modified", *BODY_STAMPS)
BODY_KEY = Compiled(
    lambda cooperation, slug, today: (
        body_stamps(today)
        .filter(cooperation__slug=cooperation, slug=slug)
        .values("name", *BODY_KEY_FIELDS)[:1]
    ),
    cooperation=text_marker(0),
    slug=text_marker(1),
    today=day_marker(0),
)


def stamp_of(queryset, outer: str, *aggregates):
    """`aggregates` over the rows of `queryset` that belong to the outer row (`queryset`
    filters `outer` on an OuterRef) joined into one text, as a subquery to annotate the outer
    query with: e.g. the number of rows and the sum of their `modified` (page_cache.total),
    "3 5387390401123456". One subquery instead of one per aggregate is cheaper to
    build and to run. NULL when there is no row. (`||` joins text and numbers alike on
    PostgreSQL and SQLite.)"""
    stamp = Func(
        *aggregates,
        template="(%(expressions)s)",
        arg_joiner=" || ' ' || ",
        output_field=CharField(),
    )
    rows = queryset.order_by().values(outer)
    return Subquery(rows.annotate(stamp=stamp).values("stamp"))


def case_stamps():
    """Cases, each with, in the same query, the `modified` of its cooperation and officer
    responsible, the number of its public treatments and the sum of their, their meetings'
    and bodies' `modified` (none: the case is not public), and the number and the sum of
    `modified` of its attachments. Exempting the case, an item or an attachment, a meeting's
    notice or publication, a body renamed: each moves a stamp, since a save changes its
    `modified`, and so the sum, even when another row is dated later (page_cache.total); a
    row gone changes a number."""
    treatments = AgendaItem.objects.on_public_agenda().filter(case=OuterRef("pk"))
    attachments = Attachment.objects.filter(case=OuterRef("pk"))
    return Case.objects.annotate(
        cooperation_modified=F("cooperation__modified"),
        responsible_modified=F("responsible__modified"),
        treatments_stamp=stamp_of(
            treatments,
            "case",
            Count("pk"),
            total("modified"),
            total("meeting__modified"),
            total("meeting__body__modified"),
        ),
        attachments_stamp=stamp_of(attachments, "case", Count("pk"), total("modified")),
    )


# What the case page's frame shows of the case: its title for the public.
CASE_TITLE = ("title", "public_title", "is_exempt")
# The case with its stamps, by its reference, compiled once (compiled.py).
CASE_KEY = Compiled(
    lambda cooperation, year, sequence: (
        case_stamps()
        .filter(cooperation__slug=cooperation, year=year, sequence=sequence)
        .values("pk", *CASE_TITLE, *CASE_STAMPS)[:1]
    ),
    cooperation=text_marker(0),
    year=number_marker(0),
    sequence=number_marker(1),
)


def case_part(pk: int) -> str:
    """The case page's content (CASE_PART), read and rendered only when not in the cache:
    the case document, its path through the bodies and its attachments (3 queries)."""
    case = get_object_or_404(Case.objects.select_related("cooperation", "responsible"), pk=pk)
    treatments = list(
        AgendaItem.objects.on_public_agenda()
        .filter(case=case)
        .select_related("meeting__body")
        .defer("minutes_text")
        .order_by("meeting__start", "pk")
    )
    for item in treatments:
        item.case = case  # what is_withheld reads, so it is not read again per item
    attachments = list(attachments_served(case.attachments.all()))
    return render_to_string(
        CASE_PART, {"case": case, "treatments": treatments, "attachments": attachments}
    )


def body_stamps(today):
    """Bodies, each with, in the same query, the number and the sum of `modified`
    (page_cache.total) of what its page shows: its mandates, the public items that adopted
    one (their meetings and bodies too), the memberships of `today` (their people and
    organisations too) and its public meetings. A membership ended, a mandate added or
    edited, an item numbered at its meeting's notice, a meeting published or cancelled: each
    moves a stamp, since a save changes its `modified`, and so the sum, even when another row
    is dated later; a row gone changes a number.

    And how many of its public meetings are upcoming and how many have begun (the page's
    two lists), by the database's clock, so that the query stays the same all day: as time
    passes a meeting can only leave the upcoming ones and join those begun, so for the same
    meetings these two numbers tell which meetings each list shows."""
    mandates = MandateVersion.objects.filter(body=OuterRef("pk"))
    adopting = AgendaItem.objects.on_public_agenda().filter(adopts_mandate__body=OuterRef("pk"))
    members = Membership.objects.current(today).filter(body=OuterRef("pk"))
    meetings = Meeting.objects.with_public_agenda().filter(body=OuterRef("pk"))
    return Body.objects.annotate(
        mandates_stamp=stamp_of(mandates, "body", Count("pk"), total("modified")),
        adopting_stamp=stamp_of(
            adopting,
            "adopts_mandate__body",
            Count("pk"),
            total("modified"),
            total("meeting__modified"),
            total("meeting__body__modified"),
        ),
        members_stamp=stamp_of(
            members,
            "body",
            Count("pk"),
            total("modified"),
            total("person__modified"),
            # Not every member sits on behalf of an organisation (NULL counts 0).
            total("on_behalf_of__modified"),
        ),
        meetings_stamp=stamp_of(
            meetings,
            "body",
            Count("pk"),
            total("modified"),
            Count("pk", filter=upcoming_meetings()),
            Count("pk", filter=begun_meetings()),
        ),
    )


def upcoming_meetings() -> Q:
    """Meetings not yet over (those under way too), as Meeting.objects.upcoming() has them,
    by the database's clock: the body page's upcoming meetings, and what its key counts of
    them. (test_public_pages checks that the two agree.)"""
    not_over = Q(end__gte=Now()) | Q(end__isnull=True, start__gte=Now() - UNDER_WAY)
    return not_over & ~Q(state=Meeting.State.CANCELLED)


def begun_meetings() -> Q:
    """Meetings that have begun (those under way too), by the database's clock: the body
    page's past meetings, and what its key counts of them."""
    return Q(end__lt=Now()) | Q(end__isnull=True, start__lt=Now())


def body_part(body: Body, today) -> str:
    """The body page's content (BODY_PART), read and rendered only when not in the cache:
    the mandates with the items that adopted them, today's members, the upcoming meetings
    and the past ones (5 queries)."""
    mandates = list(
        body.mandates.prefetch_related(
            Prefetch(
                "adopted_by_items",
                queryset=AgendaItem.objects.on_public_agenda()
                .select_related("meeting__body")
                .defer("minutes_text", "decision"),
            )
        ).order_by("-valid_from")
    )
    current = next((m for m in mandates if m.valid_from <= today), None)
    members = list(
        body.memberships.current(today).select_related("person", "on_behalf_of").order_by()
    )
    # Chair first, then deputy chair, members, deputies … as the roles are listed.
    role_order = {role: n for n, role in enumerate(Membership.Role.values)}
    members.sort(key=lambda m: (role_order[m.role], m.person.name))
    # By the database's clock, as the key counted them (body_stamps), and read after it: at
    # worst a meeting that has just begun shows under a key that does not count it yet.
    meetings = Meeting.objects.with_public_agenda().for_body(body).only(*BODY_MEETING_FIELDS)
    upcoming = list(meetings.filter(upcoming_meetings()).order_by("start")[:BODY_MEETINGS])
    past = list(
        meetings.filter(begun_meetings())
        .exclude(pk__in=[m.pk for m in upcoming])
        .order_by("-start")[:BODY_MEETINGS]
    )
    return render_to_string(
        BODY_PART,
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
