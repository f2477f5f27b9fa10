from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "pesco_review.outbox"
    label = "outbox"
    verbose_name = "Mail outbox"
