from django.contrib import admin

from .models import Attachment, Case


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "kind", "is_exempt", "responsible", "cooperation"]
    list_filter = ["cooperation", "kind", "is_exempt", "year"]
    search_fields = ["title", "public_title"]
    autocomplete_fields = ["responsible", "references"]
    list_select_related = ["responsible", "cooperation"]
    inlines = [AttachmentInline]
