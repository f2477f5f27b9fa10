from django.conf import settings
from django.db import models


class Identity(models.Model):
    """What the provider says about a person's sign-in: set by the test through /login/."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    email_verified = models.BooleanField(default=True)
    amr = models.JSONField(default=list)  # e.g. ["pwd", "otp"]; empty: no amr claim
    acr = models.CharField(max_length=200, blank=True)  # empty: no acr claim

    def __str__(self) -> str:
        return f"{self.user} amr={self.amr} acr={self.acr!r}"
