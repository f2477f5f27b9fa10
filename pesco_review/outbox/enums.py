from enum import nonmember

from django.db import models


class MailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"

    FINISHED = nonmember(frozenset({"sent", "failed"}))
