"""The review's records in the administration, to look up and to search; read-only. Cycles,
reports and versions change through the application's pages, whose services check the rules
and write the audit trail; the admin never bypasses them."""

from django.contrib import admin

from pesco_review.admin_readonly import ReadOnlyAdmin
from reviews.models import ConsolidatedReview, ReminderSent, ReviewCycle, StatusReport


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ReadOnlyAdmin):
    list_display = ["year", "state", "opens", "submission_deadline", "review_deadline"]
    list_filter = ["state"]
    search_fields = ["year"]


@admin.register(StatusReport)
class StatusReportAdmin(ReadOnlyAdmin):
    list_display = ["project", "cycle", "state", "revision", "submitted_at", "approved_at"]
    list_filter = ["state", "cycle__year", "is_demo"]
    search_fields = ["project__acronym", "project__name"]
    list_select_related = ["project", "cycle"]
    list_per_page = 100
    raw_id_fields = ["project", "cycle", "prefilled_from"]


@admin.register(ConsolidatedReview)
class ConsolidatedReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "cycle",
        "version",
        "state",
        "attempts",
        "provisional",
        "requested_by",
        "requested_at",
        "published_at",
        "short_error",
    ]
    list_filter = ["state", "provisional", "cycle__year"]
    search_fields = ["cycle__year", "error", "pdf_sha256", "docx_sha256"]
    list_select_related = ["cycle", "requested_by"]

    @admin.display(description="error")
    def short_error(self, obj) -> str:
        return obj.error[:120]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["rule", "report", "recipient", "sent_at"]
    list_filter = ["rule", "report__cycle__year"]
    search_fields = ["report__project__acronym", "recipient__username", "recipient__email"]
    list_select_related = ["report__project", "report__cycle", "recipient"]
    date_hierarchy = "sent_at"
