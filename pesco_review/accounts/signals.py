"""What follows an account event. Whether a person holds a second factor is read once, when
they sign in (and again when they add or remove one), and kept in their session: the check on
every request (middleware.py) costs no query."""

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from pesco_review.accounts.adapters import OIDC_MFA_SESSION_KEY, claims_prove_second_factor
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
    if request is not None and hasattr(request, "session"):
        # Every sign-in starts without the provider's word; only a single sign-on gives it
        # (below), so a session that saw one never lends it to a later password sign-in.
        request.session.pop(OIDC_MFA_SESSION_KEY, None)


@receiver(authenticator_added)
@receiver(authenticator_removed)
def enrolment_changed(sender, request, user, **kwargs) -> None:
    _remember(request, user)


@receiver(allauth_user_logged_in)
def second_factor_from_identity_provider(sender, request, user, **kwargs) -> None:
    """allauth sends this after Django's own signal, with the single sign-on if there was one."""
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        request.session[OIDC_MFA_SESSION_KEY] = claims_prove_second_factor(
            sociallogin.account.extra_data or {}
        )
