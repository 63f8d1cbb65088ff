"""The secretariat's side of the approval: send the minutes out, record an approval given
outside the system, withdraw them, correct approved minutes, read a meeting's log and send
again an e-mail that could not be delivered."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cooperation.domain import DomainError

from ..approval_forms import CorrectionForm, RecordApprovalForm, SendForApprovalForm, WithdrawForm
from ..approval_mail import MailReport, send_approval_requests
from ..approvals import Approval, Comment, Correction
from ..forms import MinutesForm
from ..models import EditConflict, Meeting
from ..outbox import OutgoingEmail
from ..tasks import render_states
from .secretariat import secretariat_required, staff_item, staff_meeting


def workspace(meeting: Meeting) -> HttpResponse:
    return redirect("meetings:meeting_workspace", pk=meeting.pk)


def report_mail(request: HttpRequest, report: MailReport) -> None:
    if report.sent:
        messages.success(request, _("E-mailed to %(names)s.") % {"names": ", ".join(report.sent)})
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
            _("These have no e-mail address: %(names)s.")
            % {"names": ", ".join(report.without_address)},
        )


@require_http_methods(["GET", "POST"])
@secretariat_required
def send_for_approval(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the deadline (and the members who approve with the chair); send."""
    meeting = staff_meeting(request, pk)
    form = SendForApprovalForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            meeting.send_minutes_for_approval(
                by=request.user,
                deadline=form.cleaned_data.get("deadline"),
                members=form.cleaned_data.get("members", ()),
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The minutes are out for approval."))
            report_mail(request, send_approval_requests(meeting))
            return workspace(meeting)
    chair = meeting.attendances.filter(is_chair=True).select_related("person").first()
    return render(
        request,
        "meetings/secretariat/send_for_approval.html",
        {"meeting": meeting, "form": form, "chair": chair},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def record_approval(request: HttpRequest, pk: int) -> HttpResponse:
    """Minutes approved outside the system (signed on paper, by e-mail): say how."""
    meeting = staff_meeting(request, pk)
    form = RecordApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting.record_minutes_approved(by=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The minutes are recorded as approved."))
            return workspace(meeting)
    return render(
        request,
        "meetings/secretariat/approval_action.html",
        {
            "meeting": meeting,
            "form": form,
            "heading": _("Record an approval given outside the system"),
            "explanation": _(
                "Use this only when the minutes were approved another way, e.g. signed on "
                "paper at the end of the meeting. The meeting's log keeps what you write."
            ),
            "submit": _("Record the minutes as approved"),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = staff_meeting(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting.withdraw_minutes_from_approval(
                by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The minutes are withdrawn from approval."))
            return workspace(meeting)
    return render(
        request,
        "meetings/secretariat/approval_action.html",
        {
            "meeting": meeting,
            "form": form,
            "heading": _("Withdraw the minutes from approval"),
            "explanation": _(
                "The minutes go back to draft. Approvals already given count again only if "
                "the text is unchanged when you send them out anew."
            ),
            "submit": _("Withdraw"),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def item_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """A formal correction of approved minutes: both texts are kept, and the reason."""
    item = staff_item(request, pk)
    meeting = item.meeting
    if request.method == "POST":
        form = CorrectionForm(request.POST, instance=item)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in MinutesForm.Meta.fields}
            fields["outcome"] = fields["outcome"] or ""
            fields["vote"] = fields["vote"] or ""
            try:
                item.correct(
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                    **fields,
                )
            except EditConflict as error:
                messages.error(request, str(error))
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The correction is recorded."))
                if meeting.minutes_are_public:
                    # The correction asked the task worker for a new version of the stored
                    # PDF; the old one is kept, and served until the new one is stored.
                    messages.success(
                        request,
                        _("The published minutes show it; their new PDF is being made."),
                    )
                return redirect("meetings:meeting_log", pk=meeting.pk)
    else:
        form = CorrectionForm(instance=item, initial={"version": item.version})
    return render(
        request,
        "meetings/secretariat/item_correction.html",
        {
            "item": item,
            "meeting": meeting,
            "form": form,
            "corrections": item.corrections.select_related("by"),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_safe
@secretariat_required
def meeting_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Every state change, approval, comment, e-mail, publication and correction."""
    meeting = staff_meeting(request, pk)
    events = meeting.events.select_related("actor").order_by("at", "id")
    documents = list(meeting.minutes_documents.all())
    renders = render_states(meeting) if meeting.notice_sent_at else {}
    return render(
        request,
        "meetings/secretariat/meeting_log.html",
        {
            "meeting": meeting,
            "events": events,
            "approvals": Approval.objects.filter(meeting=meeting).select_related("person", "user"),
            "current_digest": meeting.minutes_digest(),
            "comments": Comment.objects.filter(meeting=meeting).select_related("item"),
            "corrections": Correction.objects.filter(item__meeting=meeting).select_related(
                "item", "by"
            ),
            "documents": documents,
            "pdf_renders": renders,
            # "Make the PDFs again" where it is needed: a render failed, or the published
            # minutes have no PDF (with the immediate backend a failure leaves no task row).
            "pdf_retry": any(state.failed for state in renders.values())
            or (meeting.minutes_are_public and not documents),
            "emails": meeting.outgoing_emails.select_related("person"),
        },
    )


@require_POST
@secretariat_required
def email_send_again(request: HttpRequest, pk: int, email: int) -> HttpResponse:
    """Send again now an e-mail that failed or was given up, to the person's address as it
    now stands."""
    meeting = staff_meeting(request, pk)
    message = get_object_or_404(OutgoingEmail.objects.filter(meeting=meeting), pk=email)
    try:
        sent = message.send_again(by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if sent:
            messages.success(request, _("The e-mail to %(to)s is sent.") % {"to": message.to})
        else:
            messages.error(
                request,
                _("The e-mail to %(to)s could not be sent this time either: %(error)s")
                % {"to": message.to, "error": message.last_error},
            )
    return redirect(reverse("meetings:meeting_log", args=[meeting.pk]) + "#e-post")
