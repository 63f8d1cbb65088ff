"""Forms of the approval of the minutes: sending them out, approving, commenting, correcting."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.models import Body, Person

from .forms import IdsChoiceField, MinutesForm
from .models import AgendaItem, Attendance, Meeting

DEFAULT_DEADLINE_DAYS = 7


class SendForApprovalForm(forms.Form):
    """The deadline, and the members chosen at the meeting to approve with the chair."""

    deadline = forms.DateField(
        label=_("Deadline for the approval"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    members = IdsChoiceField(
        label=_("Members who approve with the chair"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {"deadline": timezone.localdate() + datetime.timedelta(days=DEFAULT_DEADLINE_DAYS)},
        )
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        rule = meeting.body.approval_rule
        if rule == Body.ApprovalRule.NEXT_MEETING:
            del self.fields["deadline"]
        if rule != Body.ApprovalRule.CHAIR_AND_MEMBERS:
            del self.fields["members"]
        else:
            present = meeting.attendances.filter(
                role__in=Attendance.PRESENT_ROLES, is_chair=False, person__isnull=False
            )
            self.fields["members"].queryset = Person.objects.filter(
                pk__in=present.values("person_id")
            ).order_by("name")
            self.fields["members"].required = True
            self.fields["members"].help_text = _("Choose %(count)s.") % {
                "count": meeting.body.approvers_count
            }

    def clean_deadline(self) -> datetime.date:
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return deadline

    def clean_members(self):
        members = self.cleaned_data["members"]
        count = self.meeting.body.approvers_count
        if len(members) != count:
            raise forms.ValidationError(
                _("Choose exactly %(count)s members besides the chair.") % {"count": count}
            )
        return members


class ApprovalForm(forms.Form):
    """Approve: the digest of the text the approver read travels with the click."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


class CommentForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("On item"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("The minutes as a whole"),
    )
    text = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by the secretariat and the others who approve, never by the public."),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = meeting.items.select_related("case")
        self.fields["item"].label_from_instance = lambda item: str(item)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write a comment."))
        return text


class RecordApprovalForm(forms.Form):
    note = forms.CharField(
        label=_("How were the minutes approved?"),
        max_length=300,
        help_text=_("E.g. “Signed on paper by the chair and two members on 3 December.”"),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are the minutes withdrawn?"), max_length=300)


class CorrectionForm(MinutesForm):
    """A formal correction of approved minutes: the fields of the minutes and why."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the published minutes (not for exempt items)."),
    )
