"""Imports, for the record: read-only (an import is previewed and confirmed on its own page)."""

from django.contrib import admin

from onboarding.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "file_name", "uploaded_by", "uploaded_at", "state", "applied_at"]
    list_filter = ["kind", "state"]
    search_fields = ["file_name", "sha256", "uploaded_by__username"]
    list_select_related = ["uploaded_by"]
    exclude = ["rows"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
