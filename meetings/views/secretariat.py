"""The secretariat's workspace: plan meetings, build agendas, move meetings on, write minutes.

Everything is looked up through `staffed_by(user)`: another cooperation's meeting is 404; a
logged-in user who works in no secretariat gets 403.
"""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from cases.models import COMMON_LEGAL_BASES, Case
from cases.richtext import plain_text
from cooperation.domain import DomainError, NotAllowed
from cooperation.models import Cooperation, Person

from ..forms import (
    AgendaCaseSearchForm,
    AgendaItemAddForm,
    AttachmentForm,
    AttendanceFormSet,
    AttendeeAddForm,
    CancelForm,
    CaseForm,
    DisqualifiedForm,
    FollowUpForm,
    MeetingPlanForm,
    MinutesForm,
    WorkingGroupForm,
)
from ..models import AgendaItem, Attendance, EditConflict, FollowUp, Meeting
from ..notices import send_notice_emails
from ..outbox import OutgoingEmail
from ..public_record import add_attachment, edit_case, make_documents
from ..tasks import render_states
from .public import meeting_page_context

UPCOMING_DAYS = 120


def secretariat_required(view):
    """Log in first; then only people who work in a secretariat (or superusers) get in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not Cooperation.objects.remember_staffing(request.user):
            raise PermissionDenied(_("Only the secretariat has access to this page."))
        return view(request, *args, **kwargs)

    return wrapper


def staff_meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.staffed_by(request.user).select_related("body__cooperation"), pk=pk
    )


def staff_item(request: HttpRequest, pk: int) -> AgendaItem:
    return get_object_or_404(
        AgendaItem.objects.filter(
            meeting__in=Meeting.objects.staffed_by(request.user)
        ).select_related("meeting__body__cooperation", "case"),
        pk=pk,
    )


@require_safe
@secretariat_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The secretary's day: upcoming meetings per body and what needs doing."""
    meetings = Meeting.objects.staffed_by(request.user).select_related("body__cooperation")
    now = timezone.now()
    upcoming = list(
        meetings.filter(start__gte=now, start__lte=now + timezone.timedelta(days=UPCOMING_DAYS))
        .exclude(state=Meeting.State.CANCELLED)
        .annotate(item_count=Count("items"))
        .order_by("start")
    )
    to_do = list(
        meetings.filter(
            Q(state=Meeting.State.PLANNED)
            | Q(state=Meeting.State.NOTICE_SENT, start__lt=now)
            | Q(state__in=[Meeting.State.HELD, Meeting.State.IN_APPROVAL, Meeting.State.APPROVED])
        )
        .exclude(pk__in=[m.pk for m in upcoming if m.state != Meeting.State.PLANNED])
        .order_by("start")
    )
    # Undelivered e-mail is named until it is sent: failed (and retried), or given up.
    undelivered_mail = list(
        meetings.filter(
            Exists(OutgoingEmail.objects.undelivered().filter(meeting=OuterRef("pk")))
        ).order_by("start")
    )
    overdue = list(
        FollowUp.objects.filter(
            item__meeting__in=Meeting.objects.staffed_by(request.user),
            done_at__isnull=True,
            due__lt=timezone.localdate(),
        )
        .select_related("item__meeting__body", "responsible")
        .order_by("due")
    )
    return render(
        request,
        "meetings/secretariat/dashboard.html",
        {
            "upcoming": upcoming,
            "to_do": to_do,
            "undelivered_mail": undelivered_mail,
            "overdue": overdue,
        },
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    form = MeetingPlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "body"}
        try:
            meeting = Meeting.plan(body=form.cleaned_data["body"], by=request.user, **fields)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The meeting is planned with the standard items."))
            return redirect("meetings:meeting_workspace", pk=meeting.pk)
    return render(request, "meetings/secretariat/meeting_new.html", {"form": form})


def workspace_context(meeting: Meeting, add_form: AgendaItemAddForm | None = None) -> dict:
    items = list(meeting.items.select_related("case", "previous_meeting__body"))
    # The add form lists no cases until asked: a search finds a few (`agenda_case_search`).
    add_form = add_form or AgendaItemAddForm(meeting=meeting)
    return {
        "meeting": meeting,
        "items": items,
        "add_form": add_form,
        "matches": add_form.matches,
        "editable": meeting.state == Meeting.State.PLANNED,
        "supplementable": meeting.state == Meeting.State.NOTICE_SENT,
        "moves": MOVES,
    }


WORKSPACE = "meetings/secretariat/meeting_workspace.html"


def render_agenda(
    request: HttpRequest,
    meeting: Meeting,
    *,
    partial: str = "agenda",
    status: int = 200,
    add_form: AgendaItemAddForm | None = None,
    agenda_out_of_band: bool = False,
    **extra,
) -> HttpResponse:
    """The workspace; HTMX gets one partial: the agenda (a move) or the add form (an add).

    `extra` is added to the context as it is.
    """
    template = f"{WORKSPACE}#{partial}" if request.htmx else WORKSPACE
    context = workspace_context(meeting, add_form)
    context.update(extra, agenda_out_of_band=agenda_out_of_band)
    return render(request, template, context, status=status)


@require_safe
@vary_on_headers("HX-Request")
@secretariat_required
def meeting_workspace(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = staff_meeting(request, pk)
    # Whether a PDF is being made or failed; before the notice there is none to make.
    renders = render_states(meeting) if meeting.notice_sent_at and not request.htmx else {}
    return render_agenda(request, meeting, pdf_renders=renders, pdf_retry=True)


def domain_refusal(request: HttpRequest, error: DomainError) -> None:
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


@require_POST
@vary_on_headers("HX-Request")
@secretariat_required
def agenda_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = staff_meeting(request, pk)
    form = AgendaItemAddForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return render_agenda(request, meeting, partial="agenda-add", status=422, add_form=form)
    try:
        # A new case is made only with its item: a refused add leaves no case behind.
        with transaction.atomic():
            case = form.cleaned_data["case"]
            if case is None:
                case = Case.create_for(
                    meeting.body.cooperation,
                    title=form.cleaned_data["new_title"].strip(),
                    kind=form.cleaned_data["kind"],
                    created_by=request.user,
                )
            if meeting.state == Meeting.State.NOTICE_SENT:
                meeting.add_supplementary_item(
                    by=request.user, case=case, kind=form.cleaned_data["kind"]
                )
            else:
                meeting.add_item(by=request.user, case=case, kind=form.cleaned_data["kind"])
    except DomainError as error:
        domain_refusal(request, error)
    if request.htmx:
        # The form comes back empty, and the agenda with the new item out of band.
        return render_agenda(request, meeting, partial="agenda-add", agenda_out_of_band=True)
    return redirect("meetings:meeting_workspace", pk=meeting.pk)


@require_safe
@vary_on_headers("HX-Request")
@secretariat_required
def agenda_case_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The few cases matching what is typed into the add form, to choose one from."""
    meeting = staff_meeting(request, pk)
    search = AgendaCaseSearchForm(request.GET, meeting=meeting)
    query = search.cleaned_data["case_query"] if search.is_valid() else ""
    found = search.find(query)
    context = {
        "matches": found[: search.MAX_MATCHES],
        "more_matches": len(found) > search.MAX_MATCHES,
        "searched": bool(query.strip()),
    }
    if request.htmx:
        return render(request, f"{WORKSPACE}#case-matches", context)
    add_form = AgendaItemAddForm(meeting=meeting, initial={"case_query": query})
    return render(request, WORKSPACE, {**workspace_context(meeting, add_form), **context})


def render_or_redirect(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """HTMX gets the updated agenda; a plain form post is redirected back (POST/redirect/GET)."""
    if request.htmx:
        return render_agenda(request, meeting)
    return redirect("meetings:meeting_workspace", pk=meeting.pk)


MOVES = {"opp": -1, "ned": 1}


@require_POST
@vary_on_headers("HX-Request")
@secretariat_required
def agenda_item_move(request: HttpRequest, pk: int, item: int, direction: str) -> HttpResponse:
    meeting = staff_meeting(request, pk)
    agenda_item = get_object_or_404(meeting.items, pk=item)
    if direction not in MOVES:
        raise Http404
    steps = MOVES[direction]
    # Drag and drop sends how far the item moved; the buttons move it one place.
    moved = request.POST.get("steps", "")
    # ASCII digits only: str.isdigit() also passes "²" and "--1", which int() refuses.
    if re.fullmatch(r"-?[0-9]{1,4}", moved, re.ASCII):
        steps = int(moved)
    try:
        meeting.move_item(agenda_item, by=request.user, steps=steps)
    except DomainError as error:
        domain_refusal(request, error)
    return render_or_redirect(request, meeting)


@require_POST
@vary_on_headers("HX-Request")
@secretariat_required
def agenda_item_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    meeting = staff_meeting(request, pk)
    agenda_item = get_object_or_404(meeting.items, pk=item)
    try:
        meeting.remove_item(agenda_item, by=request.user)
    except DomainError as error:
        domain_refusal(request, error)
    else:
        messages.success(
            request,
            _("“%(title)s” was removed from the agenda.") % {"title": agenda_item.display_title},
        )
    return render_or_redirect(request, meeting)


# The moves a secretary makes from the workspace, by the word in the URL.
TRANSITIONS = {
    "send-innkalling": ("send_notice", _("The notice is sent and the agenda is public.")),
    "avholdt": ("record_held", _("The meeting is recorded as held.")),
    "publiser": ("publish", _("The minutes are published.")),
    "avlys": ("cancel", _("The meeting is cancelled.")),
    "send-tilleggsinnkalling": (None, _("The supplementary notice is sent.")),
}


@require_http_methods(["GET", "POST"])
@secretariat_required
def meeting_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: what the move will do (a preview, a confirmation); POST: make the move."""
    meeting = staff_meeting(request, pk)
    if action not in TRANSITIONS:
        raise Http404
    method, done = TRANSITIONS[action]
    if request.method == "POST":
        kwargs = {}
        if action == "avlys":
            cancel_form = CancelForm(request.POST)
            if not cancel_form.is_valid():
                for errors in cancel_form.errors.values():
                    for error in errors:
                        messages.error(request, error)
                return redirect(request.path)
            kwargs = {"reason": cancel_form.cleaned_data["reason"]}
        try:
            if method is None:
                check_supplementary_notice(meeting)
            else:
                getattr(meeting, method)(by=request.user, **kwargs)
        except DomainError as error:
            domain_refusal(request, error)
        else:
            messages.success(request, str(done))
            # The move has asked the task worker for the PDFs (meetings/public_record.py).
            # The e-mails link to the members' version at its stable address, which serves
            # the PDF as soon as it is stored.
            if action == "send-innkalling":
                report_notice_emails(request, meeting)
            elif action == "send-tilleggsinnkalling":
                report_notice_emails(request, meeting, supplementary=True)
        if request.htmx:
            return HttpResponseClientRedirect(meeting_url(meeting))
        return redirect(meeting_url(meeting))
    context = workspace_context(meeting)
    context.update({"action": action, "action_done": done})
    return render(request, "meetings/secretariat/meeting_transition.html", context)


def meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:meeting_workspace", args=[meeting.pk])


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@secretariat_required
def item_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the minutes of one item; autosaved through HTMX, never silently overwritten.

    An HTMX save answers with the status region only (and the new version, out of band), so
    the text being typed is never replaced under the writer's cursor.
    """
    item = staff_item(request, pk)
    conflict, status, saved = None, 200, False
    if request.method == "POST":
        form = MinutesForm(request.POST, instance=item)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in MinutesForm.Meta.fields}
            fields["outcome"] = fields["outcome"] or ""
            fields["vote"] = fields["vote"] or ""
            try:
                item.save_minutes(
                    by=request.user, expected_version=form.cleaned_data["version"], **fields
                )
            except EditConflict as error:
                conflict, status = error.current, 409
                # The writer's text stays in the form; the next save, after merging, is
                # checked against the version they have now seen.
                data = request.POST.copy()
                data["version"] = conflict.version
                form = MinutesForm(data, instance=item)
                form.is_valid()
            except DomainError as error:
                domain_refusal(request, error)
                status = 400
            else:
                saved = True
                if not request.htmx:
                    messages.success(request, _("The minutes of the item are saved."))
                    return redirect("meetings:item_minutes", pk=item.pk)
        else:
            status = 422
    else:
        initial = {"version": item.version}
        if not item.decision and item.case_id:
            initial["decision"] = plain_text(item.case.proposed_decision)
        form = MinutesForm(instance=item, initial=initial)
    template = "meetings/secretariat/item_minutes.html"
    if request.htmx:
        template += "#minutes-status"
    context = {
        "item": item,
        "meeting": item.meeting,
        "form": form,
        "conflict": conflict,
        "saved": saved,
        "version": conflict.version if conflict else item.version,
    }
    if not request.htmx:
        # The rest of the page; an autosave answers with the status region only.
        context.update(
            follow_ups=item.follow_ups.select_related("responsible"),
            groups=item.established_bodies.select_related("cooperation"),
            follow_up_form=FollowUpForm(item=item, prefix="oppfolging"),
            disqualified_form=DisqualifiedForm(
                item=item, initial={"people": item.disqualified.all()}
            ),
            group_form=WorkingGroupForm(item=item, prefix="gruppe"),
            comments=list(item.comments.all()),
        )
    return render(request, template, context, status=status)


def report_failed_pdfs(request: HttpRequest, failed: list[int]) -> None:
    """Only the immediate backend (development, tests) renders in the request, so only it can
    fail here; the worker's failures show on the workspace and the log."""
    for meeting in Meeting.objects.filter(pk__in=failed):
        messages.error(
            request,
            _(
                "The PDFs of %(meeting)s could not be made. Try again with “Make the PDFs "
                "again”, or the operator can make them with “manage.py render_notice_pdfs” and "
                "“manage.py render_minutes_pdfs”."
            )
            % {"meeting": meeting},
        )


@require_POST
@secretariat_required
def meeting_pdfs_make(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the meeting's PDFs again, after a failed render: the notice once it is sent, the
    minutes once published (a new version only where the text changed)."""
    meeting = staff_meeting(request, pk)
    if meeting.notice_sent_at is None:
        messages.error(request, _("There is no PDF to make before the notice is sent."))
    else:
        report_failed_pdfs(request, make_documents([meeting.pk]))
        messages.success(request, _("The PDFs are being made."))
    if request.POST.get("back") == "log":
        return redirect("meetings:meeting_log", pk=meeting.pk)
    return redirect(meeting_url(meeting))


@require_http_methods(["GET", "POST"])
@secretariat_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The case document: text, exemption with its legal basis, references, attachments."""
    case = get_object_or_404(
        Case.objects.filter(
            cooperation__in=Cooperation.objects.staffed_by(request.user)
        ).select_related("cooperation"),
        pk=pk,
    )
    # Two forms post here: the case document's, and the attachment upload's. Each is bound
    # only to its own post, so a refused upload shows the case document as it is stored.
    saving_case = request.method == "POST" and "case-title" in request.POST
    form = CaseForm(request.POST if saving_case else None, instance=case, prefix="case")
    attachment_form = AttachmentForm(prefix="vedlegg")
    if saving_case:
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in CaseForm.Meta.fields}
            edit_case(case, by=request.user, **fields)
            messages.success(request, _("The case document is saved."))
            return redirect("meetings:case_edit", pk=case.pk)
    elif request.method == "POST":
        attachment_form = AttachmentForm(request.POST, request.FILES, prefix="vedlegg")
        if attachment_form.is_valid():
            upload = attachment_form.cleaned_data["file"]
            add_attachment(
                case,
                by=request.user,
                title=attachment_form.cleaned_data["title"],
                upload=upload,
                content_type=upload.checked_content_type,
                is_exempt=attachment_form.cleaned_data["is_exempt"],
                exemption_basis=attachment_form.cleaned_data["exemption_basis"],
            )
            messages.success(request, _("The attachment is added."))
            return redirect("meetings:case_edit", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "meetings/secretariat/case_edit.html",
        {
            "case": case,
            "form": form,
            "attachment_form": attachment_form,
            "attachments": case.attachments.all(),
            "legal_bases": COMMON_LEGAL_BASES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Who came, who sent apologies, who met for whom, who chaired, who left during what."""
    meeting = staff_meeting(request, pk)
    if meeting.state == Meeting.State.PLANNED or meeting.minutes_locked:
        messages.error(
            request,
            _("Attendance is recorded between the notice and the approval of the minutes."),
        )
        return redirect("meetings:meeting_workspace", pk=meeting.pk)
    meeting.prefill_attendance()
    roster = meeting.attendances.select_related("person", "on_behalf_of").prefetch_related(
        "left_during"
    )
    people = Person.objects.filter(
        cooperation=meeting.body.cooperation, memberships__body=meeting.body
    ).distinct()
    choices = {
        "people": [("", "---------"), *((p.pk, p.name) for p in people.order_by("name"))],
        "items": [(i.pk, i.display_title) for i in meeting.items.select_related("case")],
    }
    formset = AttendanceFormSet(
        request.POST if "form-TOTAL_FORMS" in request.POST else None,
        queryset=roster,
        form_kwargs={"meeting": meeting, "choices": choices},
    )
    add_form = AttendeeAddForm(
        request.POST if "add-role" in request.POST else None, meeting=meeting, prefix="add"
    )
    if request.method == "POST":
        if formset.is_bound and formset.is_valid():
            try:
                # Under the meeting's lock: refused once approved, approvals of the old
                # attendance lapse (Meeting.changing_minutes).
                with meeting.changing_minutes(by=request.user):
                    # The chair may move from one row to another: clear it on every other
                    # row first, so the one-chair constraint holds at every statement. Only
                    # changed rows are saved, so the chair's own row is left as it is.
                    chairs = [
                        f.instance.pk for f in formset.forms if f.cleaned_data.get("is_chair")
                    ]
                    meeting.attendances.filter(is_chair=True).exclude(pk__in=chairs).update(
                        is_chair=False
                    )
                    formset.save()
            except IntegrityError:
                messages.error(request, _("The attendance could not be saved; check the rows."))
            except DomainError as error:
                domain_refusal(request, error)
            else:
                messages.success(request, _("The attendance is saved."))
                return redirect("meetings:meeting_attendance", pk=meeting.pk)
        elif add_form.is_bound and add_form.is_valid():
            data = add_form.cleaned_data
            try:
                with meeting.changing_minutes(by=request.user):
                    Attendance.objects.create(
                        meeting=meeting,
                        person=data["person"],
                        name="" if data["person"] else data["name"].strip(),
                        role=data["role"],
                        substitute_for=data["substitute_for"],
                        position=meeting.attendances.count() + 1,
                    )
            except DomainError as error:
                domain_refusal(request, error)
            else:
                messages.success(request, _("Added to the attendance."))
            return redirect("meetings:meeting_attendance", pk=meeting.pk)
    return render(
        request,
        "meetings/secretariat/meeting_attendance.html",
        {
            "meeting": meeting,
            "formset": formset,
            "add_form": add_form,
            "has_items": bool(choices["items"]),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_safe
@secretariat_required
def meeting_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as the public will see them, before they are published."""
    meeting = staff_meeting(request, pk)
    context = meeting_page_context(meeting, show_minutes=True)
    context["preview"] = True
    return render(request, "meetings/meeting_detail.html", context)


@require_safe
@secretariat_required
def meeting_preview_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as the PDF will be, before they are published: made from the same data
    the published PDF is made from, laid out on request and never stored."""
    from .. import pdf  # WeasyPrint is loaded on the first render only

    meeting = staff_meeting(request, pk)
    if meeting.state in (Meeting.State.PLANNED, Meeting.State.CANCELLED):
        raise Http404(_("There are no minutes to preview before the meeting."))
    response = HttpResponse(pdf.render_minutes_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="utkast-referat.pdf"'
    # A draft: never kept by a cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@secretariat_required
def item_follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = staff_item(request, pk)
    form = FollowUpForm(request.POST, item=item, prefix="oppfolging")
    if form.is_valid():
        follow_up = form.save(commit=False)
        follow_up.item = item
        follow_up.save()
        messages.success(request, _("The follow-up is added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("meetings:item_minutes", args=[item.pk]) + "#oppfolging")


@require_POST
@secretariat_required
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(
        FollowUp.objects.filter(item__meeting__in=Meeting.objects.staffed_by(request.user)), pk=pk
    )
    follow_up.done_at = None if follow_up.done_at else timezone.now()
    follow_up.save(update_fields=["done_at", "modified"])
    return redirect(reverse("meetings:item_minutes", args=[follow_up.item_id]) + "#oppfolging")


@require_POST
@secretariat_required
def item_working_group_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = staff_item(request, pk)
    form = WorkingGroupForm(request.POST, item=item, prefix="gruppe")
    if form.is_valid():
        try:
            group = item.establish_working_group(
                by=request.user,
                name=form.cleaned_data["name"],
                members=form.cleaned_data["members"],
                lead=form.cleaned_data["lead"],
            )
        except (DomainError, ValidationError) as error:
            messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
        else:
            messages.success(
                request, _("The working group “%(name)s” is set up.") % {"name": group.name}
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("meetings:item_minutes", args=[item.pk]) + "#arbeidsgrupper")


def check_supplementary_notice(meeting: Meeting) -> None:
    if meeting.state != Meeting.State.NOTICE_SENT or not meeting.supplementary_items().exists():
        raise DomainError(
            _("A supplementary notice needs items added after the notice, before the meeting.")
        )


def report_notice_emails(
    request: HttpRequest, meeting: Meeting, *, supplementary: bool = False
) -> None:
    """E-mail the members and tell the secretary exactly who got it and who did not."""
    url = request.build_absolute_uri(reverse("meetings:meeting_detail", args=[meeting.pk]))
    report = send_notice_emails(
        meeting,
        host=request.get_host().split(":")[0],
        url=url,
        by=request.user,
        supplementary=supplementary,
    )
    if report.sent:
        messages.success(
            request,
            _("The notice was e-mailed to %(count)s members.") % {"count": len(report.sent)},
        )
    if report.failed:
        messages.error(
            request,
            _(
                "The e-mail to these could not be sent yet: %(names)s. It is tried again by "
                "itself; the meeting's log shows how it goes."
            )
            % {"names": ", ".join(report.failed)},
        )
    if report.without_address:
        messages.warning(
            request,
            _("These members have no e-mail address: %(names)s.")
            % {"names": ", ".join(report.without_address)},
        )


@require_POST
@secretariat_required
def item_disqualified(request: HttpRequest, pk: int) -> HttpResponse:
    """Who was disqualified (inhabil) and left the room for this item."""
    item = staff_item(request, pk)
    form = DisqualifiedForm(request.POST, item=item)
    if form.is_valid():
        try:
            with item.meeting.changing_minutes(by=request.user):
                item.disqualified.set(form.cleaned_data["people"])
        except DomainError as error:
            domain_refusal(request, error)
        else:
            messages.success(request, _("Disqualified members are saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("meetings:item_minutes", args=[item.pk]) + "#inhabilitet")
