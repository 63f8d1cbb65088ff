"""The members' side, under /medlem/: the meetings of their own bodies, with the exempt case
documents, and the draft minutes they are asked to read, comment on and approve.

A member sees a meeting when they sat in its body on the meeting's day, or approve its
minutes (`Meeting.objects.for_member`); anything else is 404. Draft minutes are shown only
once they are sent for approval; comments only to the secretariat and those who approve.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.models import Attachment
from cooperation.domain import DomainError, NotAllowed
from cooperation.models import Body

from ..approval_forms import ApprovalForm, CommentForm
from ..approvals import Approver, Comment
from ..models import AgendaItem, Attendance, Meeting, MeetingEvent

PAST_MEETINGS = 20


def member_meetings(user, pk: int | None = None):
    """The meetings a member may open: their bodies' meetings after the notice, and those
    whose minutes they approve. `pk`: only that one (else the database first lists every
    meeting the member sat in to find it)."""
    approves = Approver.objects.filter(meeting=OuterRef("pk"), person__user=user)
    mine = Meeting.objects.for_member(user)
    if pk is not None:
        mine = mine.filter(pk=pk)
    mine = mine.values("pk")
    return (
        Meeting.objects.filter(Q(pk__in=mine) | Exists(approves))
        .exclude(state=Meeting.State.PLANNED)
        .select_related("body__cooperation")
    )


def member_meeting_or_404(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(member_meetings(request.user, pk), pk=pk)


def reads_the_draft(meeting: Meeting, user) -> bool:
    """Asked to read the draft: an approver, or any member when the body approves at its
    next meeting. They comment, and they see each other's comments."""
    if meeting.approval_rule == Body.ApprovalRule.NEXT_MEETING:
        return Meeting.objects.for_member(user).filter(pk=meeting.pk).exists()
    return meeting.approvers.filter(person__user=user).exists()


@require_safe
@login_required
def member_home(request: HttpRequest) -> HttpResponse:
    """The member's meetings: minutes to approve, meetings to come, meetings held."""
    meetings = member_meetings(request.user)
    to_approve = list(
        meetings.filter(state=Meeting.State.IN_APPROVAL, approvers__person__user=request.user)
    )
    for meeting in to_approve:
        meeting.my_approval = meeting.approvals_of_current_text().get(
            meeting.approver_for(request.user).person_id
        )
    upcoming = list(meetings.upcoming()[:PAST_MEETINGS])
    past = list(
        meetings.past()
        .exclude(state=Meeting.State.CANCELLED)
        .exclude(pk__in=[m.pk for m in upcoming])[:PAST_MEETINGS]
    )
    return render(
        request,
        "meetings/member/home.html",
        {
            "to_approve": to_approve,
            "upcoming": upcoming,
            "past": past,
            "has_person": hasattr(request.user, "person"),
        },
    )


@require_safe
@login_required
def member_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = member_meeting_or_404(request, pk)
    return render(request, "meetings/member/meeting.html", member_context(request, meeting))


def member_context(request: HttpRequest, meeting: Meeting, **forms) -> dict:
    items = list(
        meeting.items.select_related("case").prefetch_related("case__attachments", "disqualified")
    )
    # What the page shows of each item and attendance row, worked out once: the labels of
    # choices (translated once, not for every row) and the attachments' links (reversed once).
    outcomes = choice_labels(AgendaItem, "outcome")
    link = id_url("meetings:member_attachment", meeting.pk)
    for item in items:
        item.outcome_label = outcomes.get(item.outcome, item.outcome)
        item.case_attachments = list(item.case.attachments.all()) if item.case_id else []
        for attachment in item.case_attachments:
            attachment.member_url = link(attachment.pk)
    show_draft = meeting.state in (
        Meeting.State.IN_APPROVAL,
        Meeting.State.APPROVED,
        Meeting.State.PUBLISHED,
    )
    # The approvers are read once: who approves, whether this user is one of them.
    approvers = list(meeting.approvers.select_related("person"))
    approver = next((a for a in approvers if a.person.user_id == request.user.pk), None)
    if meeting.approval_rule == Body.ApprovalRule.NEXT_MEETING:
        reader = show_draft and reads_the_draft(meeting, request.user)
    else:
        reader = show_draft and approver is not None
    context = {
        "meeting": meeting,
        "items": items,
        "show_draft": show_draft,
        "reader": reader,
        "approver": approver,
        "attendance": [],
    }
    if show_draft:
        attendance = list(
            meeting.attendances.select_related(
                "person", "on_behalf_of", "substitute_for"
            ).prefetch_related("left_during")
        )
        roles = choice_labels(Attendance, "role")
        for row in attendance:
            row.role_label = roles.get(row.role, row.role)
        # The digest of what this page shows, from the rows already read.
        digest = meeting.minutes_digest(items=items, attendance=attendance)
        # Every approval of the meeting, read once (a few per approver): those of this text
        # count (as Meeting.approvals_of_current_text), and the user's latest lapsed one.
        every_approval = list(meeting.approvals.all())
        approvals = {a.person_id: a for a in every_approval if a.digest == digest}
        for person_approver in approvers:
            person_approver.approval = approvals.get(person_approver.person_id)
        mine = approvals.get(approver.person_id) if approver else None
        lapsed = None
        if approver and not mine:
            lapsed = max(
                (
                    a
                    for a in every_approval
                    if a.person_id == approver.person_id and a.lapsed_at is not None
                ),
                key=lambda a: a.lapsed_at,
                default=None,
            )
        context.update(
            attendance=attendance,
            digest=digest,
            approvers=approvers,
            my_approval=mine,
            my_lapsed_approval=lapsed,
            may_approve=bool(
                approver
                and not mine
                and meeting.state == Meeting.State.IN_APPROVAL
                and not meeting.approval_deadline_passed
            ),
            approval_form=forms.get("approval_form") or ApprovalForm(initial={"digest": digest}),
        )
    if reader:
        comments = list(meeting.comments.all())
        by_item: dict = {}
        for comment in comments:
            by_item.setdefault(comment.item_id, []).append(comment)
        for item in items:
            item.member_comments = by_item.get(item.pk, [])
        comment_form = forms.get("comment_form") or CommentForm(meeting=meeting)
        # The items to choose from are those already read (what is posted is still checked
        # against the form's queryset): as the form labels them, in the same order.
        field = comment_form.fields["item"]
        field.choices = [("", field.empty_label), *((item.pk, str(item)) for item in items)]
        context.update(
            general_comments=by_item.get(None, []),
            may_comment=meeting.state == Meeting.State.IN_APPROVAL,
            comment_form=comment_form,
        )
    return context


def choice_labels(model, field: str) -> dict:
    """A choice field's labels by value, as get_<field>_display() gives them."""
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def id_url(name: str, *args: int):
    """reverse(name, args=[*args, pk]) for many pks: the URL is reversed once."""
    placeholder = 987654321
    before, after = reverse(name, args=[*args, placeholder]).rsplit(str(placeholder), 1)
    return lambda pk: f"{before}{pk}{after}"


@require_POST
@login_required
def member_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment on the draft, for the secretariat and the other approvers."""
    meeting = member_meeting_or_404(request, pk)
    if not reads_the_draft(meeting, request.user):
        raise PermissionDenied(_("Only those who approve the minutes can comment on them."))
    if meeting.state != Meeting.State.IN_APPROVAL:
        messages.error(request, _("The minutes are no longer out for approval."))
        return redirect("meetings:member_meeting", pk=meeting.pk)
    form = CommentForm(request.POST, meeting=meeting)
    if not form.is_valid():
        context = member_context(request, meeting, comment_form=form)
        return render(request, "meetings/member/meeting.html", context, status=422)
    person = getattr(request.user, "person", None)
    name = person.name if person else request.user.get_full_name() or request.user.username
    comment = Comment.objects.create(
        meeting=meeting,
        item=form.cleaned_data["item"],
        author=request.user,
        author_name=name,
        text=form.cleaned_data["text"],
    )
    where = str(comment.item) if comment.item else _("the minutes as a whole")
    MeetingEvent.log(meeting, MeetingEvent.Kind.COMMENT, by=request.user, note=f"{name} ({where})")
    messages.success(request, _("Your comment is saved. The secretariat sees it."))
    anchor = f"#sak-{comment.item_id}" if comment.item_id else "#kommentarer"
    return redirect(reverse("meetings:member_meeting", args=[meeting.pk]) + anchor)


@require_POST
@login_required
def member_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the text as read; a second click records nothing more."""
    meeting = member_meeting_or_404(request, pk)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The approval was not understood. Open the minutes again."))
        return redirect("meetings:member_meeting", pk=meeting.pk)
    try:
        meeting.approve_minutes(by=request.user, digest=form.cleaned_data["digest"])
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if meeting.state == Meeting.State.APPROVED:
            messages.success(
                request,
                _("Thank you. The minutes are now approved; the secretariat publishes them."),
            )
        else:
            messages.success(request, _("Thank you. Your approval is recorded."))
    return redirect("meetings:member_meeting", pk=meeting.pk)


@require_safe
@login_required
def member_attachment(request: HttpRequest, pk: int, attachment: int) -> FileResponse:
    """An attachment of a case on the meeting's agenda, exempt ones included: the members of
    the body may read them."""
    meeting = member_meeting_or_404(request, pk)
    file = get_object_or_404(
        Attachment.objects.filter(case__treatments__meeting=meeting).distinct(), pk=attachment
    )
    try:
        handle = file.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing.")) from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=file.file.name.rsplit("/", 1)[-1],
        content_type=file.content_type or "application/octet-stream",
    )
    # Exempt content: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
