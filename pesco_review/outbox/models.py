from django.db import models
from django.db.models import Q

from pesco_review.outbox.enums import MailState


class OutboxMail(models.Model):
    """One message, written in the same transaction as the step that causes it and sent by a
    task afterwards (reviews, reminders, account notices): a step that is rolled back sends
    nothing, and a step that is committed sends its mail once, whenever the broker and the mail
    server answer."""

    kind = models.CharField(max_length=100, help_text="What the mail is about, for the admin.")
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    from_email = models.CharField(max_length=254)
    to = models.JSONField(default=list)
    message_id = models.CharField(
        max_length=255, unique=True, help_text="Its Message-ID header: the same on every attempt."
    )
    state = models.CharField(max_length=10, choices=MailState.choices, default=MailState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbox mail"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state=MailState.PENDING),
                name="outboxmail_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(state=MailState.SENT),
                name="outboxmail_sent_at_only_when_sent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
