"""Forms of the secretariat's workspace: every input goes through one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseKind
from cooperation.models import Body, Cooperation

from .models import AgendaItem, Meeting


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MeetingPlanForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["body", "title", "start", "end", "place", "video_url"]
        widgets = {"start": DateTimeInput(), "end": DateTimeInput()}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = (
            Body.objects.active()
            .filter(cooperation__in=Cooperation.objects.staffed_by(user))
            .select_related("cooperation")
        )
        self.fields["start"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["end"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("place") and not cleaned.get("video_url"):
            raise forms.ValidationError(_("Give a place, a video link, or both."))
        return cleaned


class AgendaItemAddForm(forms.Form):
    """Add an existing case to the agenda, or write the title of a new one."""

    case = forms.ModelChoiceField(
        label=_("Existing case"), queryset=Case.objects.none(), required=False
    )
    new_title = forms.CharField(
        label=_("…or the title of a new case"), max_length=300, required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, initial=CaseKind.DECISION)

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        on_agenda = meeting.items.filter(case__isnull=False).values("case")
        self.fields["case"].queryset = (
            Case.objects.of(meeting.body.cooperation)
            .exclude(pk__in=on_agenda)
            .order_by("-year", "-sequence")
        )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("case")) == bool(cleaned.get("new_title", "").strip()):
            raise forms.ValidationError(
                _("Choose an existing case or write a new title – one of them.")
            )
        return cleaned


class MinutesForm(forms.ModelForm):
    """The minutes of one item; `version` is the optimistic lock the save is checked against."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = AgendaItem
        fields = [
            "minutes_text",
            "decision",
            "outcome",
            "vote",
            "votes_for",
            "votes_against",
            "votes_blank",
        ]
        widgets = {
            "minutes_text": forms.Textarea(attrs={"rows": 8}),
            "decision": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("vote") == AgendaItem.Vote.COUNTED and (
            cleaned.get("votes_for") is None or cleaned.get("votes_against") is None
        ):
            self.add_error("votes_for", _("A counted vote needs the votes for and against."))
        return cleaned

    def _post_clean(self) -> None:
        # The model's own validation runs in save_minutes; a stale version must not be judged
        # against the constraints here.
        pass
