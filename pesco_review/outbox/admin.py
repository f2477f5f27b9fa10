from django.contrib import admin, messages

from pesco_review.outbox.models import OutboxMail
from pesco_review.outbox.services import mail_retry


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    """What was sent, what waits and why: read only, but a failed message can be tried again."""

    list_display = ("created_at", "kind", "subject", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("subject", "to")
    readonly_fields = [field.name for field in OutboxMail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Try the selected failed messages again", permissions=["change"])
    def retry(self, request, queryset):
        retried = sum(mail_retry(mail=mail) for mail in queryset)
        messages.info(request, f"{retried} failed message(s) will be sent again.")
