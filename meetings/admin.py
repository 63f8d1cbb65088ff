from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin
from django.forms.models import BaseInlineFormSet

from cases.models import Attachment, Case
from cooperation import admin as cooperation_admin
from cooperation.models import Body, Membership, Organisation, Person

from .approvals import Approval, Comment, Correction
from .models import AgendaItem, Attendance, Meeting, MeetingEvent
from .outbox import OutgoingEmail
from .public_record import ChangingPublicRecordAdmin


class LabelledInlineFormSet(BaseInlineFormSet):
    """Django's tabular inlines head each column with its field's label but give the inputs
    in the cells none (axe: label, select-name). Each input is named after its column, and an
    autocomplete's select too, whose title select2 copies onto the box it draws (axe:
    aria-input-field-name)."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        for field in form.fields.values():
            name = str(field.label or "")
            field.widget.attrs.setdefault("aria-label", name)
            widget = getattr(field.widget, "widget", field.widget)  # inside the related wrapper
            if isinstance(widget, AutocompleteMixin):
                widget.attrs.setdefault("title", name)


class AgendaItemInline(admin.StackedInline):
    """Items can be added and removed only while the meeting is planned (before numbering)."""

    model = AgendaItem
    fk_name = "meeting"
    formset = LabelledInlineFormSet
    extra = 0
    fields = ["position", "kind", "case", "title", "outcome"]
    autocomplete_fields = ["case"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or obj.state == Meeting.State.PLANNED

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or obj.state == Meeting.State.PLANNED


class AttendanceInline(admin.TabularInline):
    model = Attendance
    formset = LabelledInlineFormSet
    extra = 0
    autocomplete_fields = ["person", "on_behalf_of", "substitute_for"]
    exclude = ["left_during"]


class EventInline(admin.TabularInline):
    model = MeetingEvent
    formset = LabelledInlineFormSet
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "kind", "from_state", "to_state", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ChangingPublicRecordAdmin, admin.ModelAdmin):
    """Read-mostly: the state moves only through the secretariat's workspace."""

    list_display = ["__str__", "body", "start", "state"]
    list_filter = ["body__cooperation", "state", "body"]
    search_fields = ["title", "body__name", "place"]
    date_hierarchy = "start"
    readonly_fields = [
        "state",
        "notice_sent_at",
        "published_at",
        "approval_rule",
        "approval_deadline",
        "approved_at",
        "approved_digest",
        "corrected_at",
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # After the notice the numbers depend on the body and the year of the start.
        if obj and obj.state != Meeting.State.PLANNED:
            return [*self.readonly_fields, "body", "start"]
        return self.readonly_fields

    list_select_related = ["body"]
    inlines = [AgendaItemInline, AttendanceInline, EventInline]

    class Media:
        js = ["js/admin-select-names.js"]  # names the autocomplete boxes (axe)


@admin.register(AgendaItem)
class AgendaItemAdmin(ChangingPublicRecordAdmin, admin.ModelAdmin):
    list_display = ["__str__", "meeting", "outcome"]
    list_filter = ["body__cooperation", "outcome", "kind"]
    search_fields = ["title", "case__title"]
    readonly_fields = ["version", "meeting"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if obj and obj.meeting.minutes_locked:
            # Approved minutes change only by a formal correction (the workspace), which
            # keeps both texts; the exemption may still be changed to withhold more.
            return [*self.readonly_fields, *sorted(AgendaItem.MINUTES_FIELDS), "disqualified"]
        return self.readonly_fields if obj else ["version"]

    autocomplete_fields = ["case", "disqualified", "established_bodies"]
    list_select_related = ["meeting__body", "case"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    formset = LabelledInlineFormSet
    extra = 0


# Registered here, not in cases/admin.py: a saved case reaches the search rows, the PDFs and
# the open data through meetings/public_record.py, and cases imports nothing from meetings.
@admin.register(Case)
class CaseAdmin(ChangingPublicRecordAdmin, admin.ModelAdmin):
    list_display = ["reference", "title", "kind", "is_exempt", "responsible", "cooperation"]
    list_filter = ["cooperation", "kind", "is_exempt", "year"]
    search_fields = ["title", "public_title"]
    autocomplete_fields = ["responsible", "references"]
    list_select_related = ["responsible", "cooperation"]
    inlines = [AttachmentInline]


# The cooperation app's admins, registered again with the one path (ADR 15): what they delete
# or change leaves its OParl tombstone, and the notices and minutes that print a body's or a
# person's name are made again. `cooperation` imports nothing from `meetings`.
for model, model_admin in [
    (Organisation, cooperation_admin.OrganisationAdmin),
    (Body, cooperation_admin.BodyAdmin),
    (Person, cooperation_admin.PersonAdmin),
    (Membership, cooperation_admin.MembershipAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(
        model,
        type(
            model_admin.__name__,
            (ChangingPublicRecordAdmin, model_admin),
            {"__module__": __name__},
        ),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: readable in the admin, never written there."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "person", "at", "lapsed_at"]
    list_select_related = ["meeting__body", "person"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "author_name", "at"]
    list_select_related = ["meeting__body"]


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ["item", "by", "at"]
    list_select_related = ["item__meeting__body", "by"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "to", "subject", "status", "attempts", "created"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    list_select_related = ["meeting__body"]
