"""Forms of the secretariat's workspace: every input goes through one."""

from __future__ import annotations

import functools

from django import forms
from django.core.validators import MaxValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseKind
from cases.richtext import as_plain_text_if_lossless, sanitise
from cooperation import widgets as python_rendered
from cooperation.models import Body, Cooperation, Person

from .models import AgendaItem, Attendance, FollowUp, Meeting


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of rows, but an id too large for the database is an invalid
    choice: Django's `pk__in` query would raise OverflowError on SQLite (a 500)."""

    def _check_values(self, value):
        for pk in value:
            try:
                too_large = abs(int(pk)) >= 2**63
            except (TypeError, ValueError):
                continue  # Django's own check refuses it as no id
            if too_large:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


# The years a meeting can be planned in (the archive filters take the same).
FIRST_YEAR, LAST_YEAR = 1900, 2200


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

    def clean_start(self):
        return self.within_years(self.cleaned_data["start"])

    def clean_end(self):
        return self.within_years(self.cleaned_data["end"])

    @staticmethod
    def within_years(moment):
        # Year 1 in Oslo time is year 0 in UTC (an OverflowError on SQLite), and a meeting in
        # year 9999 has no room for its two hours in the calendar feed.
        if moment and not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Give a year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return moment

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("place") and not cleaned.get("video_url"):
            raise forms.ValidationError(_("Give a place, a video link, or both."))
        return cleaned


class AgendaCaseSearchForm(forms.Form):
    """Find a case for the agenda by its number ("12/2026", "2026/12") or words of its title."""

    # A short list to choose from; a cooperation has thousands of cases.
    MAX_MATCHES = 10

    case_query = forms.CharField(
        label=_("Existing case"),
        help_text=_("Its number, e.g. 12/2026, or words from its title."),
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#case-matches",
                "hx-swap": "outerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["case_query"].widget.attrs["hx-get"] = reverse(
            "meetings:agenda_case_search", args=[meeting.pk]
        )

    def candidates(self):
        """The cooperation's cases that are not on this meeting's agenda already."""
        on_agenda = self.meeting.items.filter(case__isnull=False).values("case")
        return Case.objects.of(self.meeting.body.cooperation).exclude(pk__in=on_agenda)

    def find(self, query: str) -> list[Case]:
        """At most one more than MAX_MATCHES, newest first, so "more than shown" is known."""
        query = query.strip()
        if not query:
            return []
        return list(
            self.candidates().matching(query).order_by("-year", "-sequence")[: self.MAX_MATCHES + 1]
        )


class AgendaItemAddForm(AgendaCaseSearchForm):
    """Add an existing case to the agenda, or write the title of a new one.

    The case is chosen among the matches of a search (`case`), or, without JavaScript,
    found from what was typed (`case_query`) when exactly one case matches it.
    """

    case = forms.ModelChoiceField(
        label=_("Existing case"),
        queryset=Case.objects.none(),
        required=False,
        # Never rendered from its queryset (all the cooperation's cases): the template
        # lists the matches of the search as radio buttons of this name.
        widget=forms.HiddenInput,
    )
    new_title = forms.CharField(
        label=_("…or the title of a new case"), max_length=300, required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, initial=CaseKind.DECISION)

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, meeting=meeting, **kwargs)
        self.fields["case"].queryset = self.candidates()
        self.matches: list[Case] = []

    def clean(self):
        cleaned = super().clean()
        query = cleaned.get("case_query", "").strip()
        new_title = cleaned.get("new_title", "").strip()
        if cleaned.get("case"):
            # Should the form come back with an error, the chosen case stays chosen.
            self.matches = [cleaned["case"]]
        if bool(cleaned.get("case") or query) == bool(new_title):
            raise forms.ValidationError(
                _("Choose an existing case or write a new title – one of them.")
            )
        if query and not cleaned.get("case"):
            cleaned["case"] = self.only_match(query)
        return cleaned

    def only_match(self, query: str) -> Case | None:
        found = self.find(query)
        if len(found) == 1:
            return found[0]
        if found:
            # Without JavaScript the page comes back with the matches to choose from.
            self.matches = found[: self.MAX_MATCHES]
            message = _("Several cases match “%(query)s”: choose one of them, or write more.")
        else:
            message = _("No case matches “%(query)s” (cases on this agenda are left out).")
        self.add_error("case_query", message % {"query": query})
        return None


class CancelForm(forms.Form):
    """Why a meeting is cancelled (shown to the public)."""

    reason = forms.CharField(max_length=300, required=False)


SMALLINT_MAX = 32767


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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The model's validation is not run here (`_post_clean`), but the counts must fit the
        # column: PostgreSQL refuses 40000 in a smallint with an error (a 500).
        for name in ("votes_for", "votes_against", "votes_blank"):
            self.fields[name].validators.append(MaxValueValidator(SMALLINT_MAX))
            self.fields[name].widget.attrs["max"] = SMALLINT_MAX

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


class RichTextField(forms.CharField):
    """Rich text from the editor, or plain text from the bare textarea; sanitised (ADR 0006)."""

    widget = forms.Textarea

    def __init__(self, **kwargs) -> None:
        kwargs["help_text"] = kwargs.get("help_text") or _("An empty line starts a new paragraph.")
        super().__init__(**kwargs)

    def clean(self, value):
        # Text of paragraphs and line breaks only is kept as plain text, as the texts were
        # before; only formatting makes it HTML. An emptied editor ("<p><br></p>") is "".
        return as_plain_text_if_lossless(sanitise(super().clean(value)))

    def prepare_value(self, value):
        return as_plain_text_if_lossless(value) if isinstance(value, str) else value

    def widget_attrs(self, widget):
        # static/js/richtext.js puts its editor over the textareas marked so.
        return {**super().widget_attrs(widget), "data-richtext": True}


class CaseForm(forms.ModelForm):
    """The case document (saksframlegg), as the secretariat writes it."""

    class Meta:
        model = Case
        fields = [
            "title",
            "public_title",
            "kind",
            "responsible",
            "proposed_decision",
            "background",
            "assessment",
            "is_exempt",
            "exemption_basis",
            "references",
            "external_references",
        ]
        field_classes = {
            "proposed_decision": RichTextField,
            "background": RichTextField,
            "assessment": RichTextField,
            "references": IdsChoiceField,
        }
        widgets = {
            "proposed_decision": forms.Textarea(attrs={"rows": 4}),
            "background": forms.Textarea(attrs={"rows": 12}),
            "assessment": forms.Textarea(attrs={"rows": 6}),
            "external_references": forms.Textarea(attrs={"rows": 3}),
            "exemption_basis": forms.TextInput(attrs={"list": "legal-bases"}),
            # Every case of the cooperation (20,000 on the benchmark data): written in Python.
            "references": python_rendered.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cooperation = self.instance.cooperation
        self.fields["responsible"].queryset = Person.objects.filter(
            cooperation=cooperation
        ).order_by("name")
        # The menu's labels need the number and the title only, not the texts.
        self.fields["references"].queryset = (
            Case.objects.of(cooperation)
            .exclude(pk=self.instance.pk)
            .order_by("-year", "-sequence")
            .only("pk", "year", "sequence", "title")
        )


ALLOWED_UPLOADS = {
    # suffix: (content type, the bytes the file must start with)
    "pdf": ("application/pdf", [b"%PDF-"]),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [b"PK\x03\x04"],
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [b"PK\x03\x04"]),
    "odt": ("application/vnd.oasis.opendocument.text", [b"PK\x03\x04"]),
    "png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
    "jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "txt": ("text/plain", []),
}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class AttachmentForm(forms.Form):
    """An attachment, checked by size and by its content, not only by its name."""

    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(label=_("File"))
    is_exempt = forms.BooleanField(label=_("exempt from public access"), required=False)
    exemption_basis = forms.CharField(
        label=_("legal basis"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "legal-bases"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in ALLOWED_UPLOADS:
            raise forms.ValidationError(
                _("Files of this type cannot be attached. Allowed: %(types)s.")
                % {"types": ", ".join(sorted(ALLOWED_UPLOADS))}
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB can be attached.")
                % {"size": round(upload.size / 1024 / 1024, 1), "limit": MAX_UPLOAD_BYTES // 2**20}
            )
        content_type, signatures = ALLOWED_UPLOADS[suffix]
        head = upload.read(16)
        upload.seek(0)
        if signatures and not any(head.startswith(s) for s in signatures):
            raise forms.ValidationError(
                _("The file's content does not match its name (.%(suffix)s).") % {"suffix": suffix}
            )
        if suffix == "txt" and b"\x00" in upload.read(8192):
            raise forms.ValidationError(_("This is not a text file."))
        upload.seek(0)
        upload.checked_content_type = content_type
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_exempt") and not cleaned.get("exemption_basis", "").strip():
            self.add_error(
                "exemption_basis", _("An exempt document needs its legal basis (hjemmel).")
            )
        return cleaned


class AttendanceForm(forms.ModelForm):
    """One row of the roster."""

    class Meta:
        model = Attendance
        fields = ["role", "substitute_for", "is_chair", "left_during"]
        field_classes = {"left_during": IdsChoiceField}
        # Drawn on every row of the roster: written in Python, as Django's templates would
        # write them (cooperation/widgets.py).
        widgets = {
            "role": python_rendered.Select,
            "substitute_for": python_rendered.Select,
            "left_during": python_rendered.CheckboxSelectMultiple,
        }

    def __init__(self, *args, meeting: Meeting, choices: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["substitute_for"].queryset = Person.objects.filter(
            cooperation=meeting.body.cooperation
        )
        self.fields["left_during"].queryset = meeting.items.all()
        self.fields["left_during"].required = False
        # The menus are the same on every row: read once by the view, not once per row.
        self.fields["substitute_for"].choices = choices["people"]
        self.fields["left_during"].choices = choices["items"]

    def validate_unique(self) -> None:
        # One chair per meeting is checked across the whole roster by the formset (the rows
        # are saved together), not row by row against what is stored now.
        pass

    def _post_clean(self) -> None:
        if self.instance.pk is None:
            # A row the roster never showed (a forged post): it names no one, and the model's
            # check of that is on a field this form has not (a ValueError, not a message).
            self.add_error(None, _("A row of the attendance cannot add anyone; use “Add”."))
            return
        super()._post_clean()

    def validate_constraints(self) -> None:
        # The check constraints are the rules Attendance.clean() has just applied in Python;
        # asking the database again would cost a query per constraint and row (about 50 for a
        # roster of 20). The database still holds them when the rows are saved.
        pass


class RosterRowField(forms.ModelChoiceField):
    """A row's hidden id, found among the rows the formset has read: Django's own field asks
    the database once per row (20 queries for a roster of 20). An id not on this roster is
    not a valid choice."""

    def __init__(self, rows: dict, **kwargs) -> None:
        super().__init__(Attendance.objects.none(), **kwargs)
        self.rows = rows

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.rows[int(value)]
        except (KeyError, TypeError, ValueError):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class BaseAttendanceFormSet(forms.BaseModelFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        field = form.fields[self._pk_field.name]
        form.fields[self._pk_field.name] = RosterRowField(
            self.rows_by_pk, initial=field.initial, required=False, widget=field.widget
        )

    @functools.cached_property
    def rows_by_pk(self) -> dict:
        """The roster's rows the formset reads (get_queryset is itself read once)."""
        return {row.pk: row for row in self.get_queryset()}

    def clean(self) -> None:
        super().clean()
        chairs = [f for f in self.forms if f.cleaned_data.get("is_chair")]
        if len(chairs) > 1:
            raise forms.ValidationError(_("Only one person can chair the meeting."))


AttendanceFormSet = forms.modelformset_factory(
    Attendance, form=AttendanceForm, formset=BaseAttendanceFormSet, extra=0, can_delete=True
)


class AttendeeAddForm(forms.Form):
    """Add someone to the roster: a person in the register, or a guest by name."""

    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        required=False,
        widget=python_rendered.Select,
    )
    name = forms.CharField(label=_("…or the name of a guest"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Attendance"), choices=Attendance.Role.choices, widget=python_rendered.Select
    )
    substitute_for = forms.ModelChoiceField(
        label=_("substitute for"),
        queryset=Person.objects.none(),
        required=False,
        widget=python_rendered.Select,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(cooperation=meeting.body.cooperation).order_by("name")
        self.fields["person"].queryset = people.exclude(attendances__meeting=meeting)
        self.fields["substitute_for"].queryset = people

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("person")) == bool(cleaned.get("name", "").strip()):
            raise forms.ValidationError(_("Choose a person or write a name – one of them."))
        if cleaned.get("role") == Attendance.Role.SUBSTITUTE and not cleaned.get("substitute_for"):
            self.add_error("substitute_for", _("Say whom the substitute met for."))
        if cleaned.get("role") != Attendance.Role.SUBSTITUTE and cleaned.get("substitute_for"):
            self.add_error("substitute_for", _("Only a substitute meets for someone else."))
        return cleaned


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["description", "responsible", "due"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, item: AgendaItem, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = Person.objects.filter(
            cooperation=item.meeting.body.cooperation
        ).order_by("name")


class WorkingGroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the working group"), max_length=200)
    members = IdsChoiceField(
        label=_("Members"),
        queryset=Person.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    lead = forms.ModelChoiceField(
        label=_("Lead (calls the first meeting)"), queryset=Person.objects.none()
    )

    def __init__(self, *args, item: AgendaItem, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(cooperation=item.meeting.body.cooperation).order_by("name")
        self.fields["members"].queryset = people
        self.fields["lead"].queryset = people

    def clean(self):
        cleaned = super().clean()
        lead, members = cleaned.get("lead"), cleaned.get("members")
        if lead and members is not None and lead not in members:
            self.add_error("lead", _("The lead must be one of the members."))
        return cleaned


class DisqualifiedForm(forms.Form):
    people = IdsChoiceField(
        label=_("Disqualified members (left the meeting during the item)"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, item: AgendaItem, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = Person.objects.filter(
            attendances__meeting=item.meeting,
            attendances__role__in=Attendance.PRESENT_ROLES,
        ).order_by("name")
