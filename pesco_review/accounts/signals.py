"""What follows an account event. Whether a person holds a second factor is read once, when
they sign in (and again when they add or remove one), and kept in their session: the check on
every request (middleware.py) costs no query."""

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from pesco_review.accounts.middleware import ENROLLED_SESSION_KEY

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def _remember(request, user) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = Authenticator.objects.filter(
            user=user, type__in=SECOND_FACTORS
        ).exists()


@receiver(user_logged_in)
def enrolment_at_sign_in(sender, request, user, **kwargs) -> None:
    _remember(request, user)


@receiver(authenticator_added)
@receiver(authenticator_removed)
def enrolment_changed(sender, request, user, **kwargs) -> None:
    _remember(request, user)
