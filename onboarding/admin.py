"""Imports, for the record: read-only (an import is previewed and confirmed on its own page)."""

from django.contrib import admin

from onboarding.models import ImportRun
from pesco_review.admin_readonly import ReadOnlyAdmin


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "file_name", "uploaded_by", "uploaded_at", "state", "applied_at"]
    list_filter = ["kind", "state"]
    search_fields = ["file_name", "sha256", "uploaded_by__username"]
    list_select_related = ["uploaded_by"]
    exclude = ["rows"]
