from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Body,
    Cooperation,
    LoginAttempt,
    MandateVersion,
    Membership,
    Organisation,
    Person,
    RoleChange,
    StaffMembership,
)

admin.site.site_header = _("Meetings and cases – administration")
admin.site.site_title = _("Administration")
admin.site.index_title = _("Reference data")


class StaffInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Cooperation)
class CooperationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StaffInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "part_of", "org_number", "is_member", "cooperation"]
    list_filter = ["cooperation", "kind", "is_member"]
    search_fields = ["name", "org_number"]
    autocomplete_fields = ["part_of"]
    list_select_related = ["part_of", "cooperation"]


class MandateInline(admin.StackedInline):
    model = MandateVersion
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person", "on_behalf_of"]


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_political", "parent", "numbering", "cooperation"]
    list_filter = ["cooperation", "kind", "is_political", "numbering", "approval_rule"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    list_select_related = ["parent", "cooperation"]
    inlines = [MandateInline, MembershipInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "organisation", "email", "cooperation"]
    list_filter = ["cooperation"]
    search_fields = ["name", "email", "organisation__name"]
    autocomplete_fields = ["organisation", "user"]
    list_select_related = ["organisation", "cooperation"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "body", "on_behalf_of", "start", "end"]
    list_filter = ["body__cooperation", "role", "body"]
    search_fields = ["person__name", "body__name", "on_behalf_of__name"]
    autocomplete_fields = ["person", "body", "on_behalf_of"]
    list_select_related = ["person", "body", "on_behalf_of"]
    date_hierarchy = "start"


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """The audit of logins: read only."""

    list_display = ["at", "username", "ip", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["username", "ip"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The audit of role changes (cooperation/audit.py): read only, never deleted here."""

    list_display = ["at", "actor_name", "action", "kind", "subject", "scope", "source"]
    list_filter = ["kind", "action"]
    search_fields = ["subject", "scope", "actor_name", "source"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
