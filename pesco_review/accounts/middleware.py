"""A second factor is required for the secretariat (reviewers and lead), leadership, staff and
superusers: until they have enrolled one, the only pages they reach are the enrolment pages
and signing out. (allauth.mfa offers a second factor; it does not require one.)"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from pesco_review.accounts.adapters import OIDC_MFA_SESSION_KEY

# Reachable without a second factor: enrolment (and the password confirmation it may ask),
# signing out, the health check, static files.
ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/healthz",
    "/static/",
)


def needs_second_factor(user) -> bool:
    """Whether this person must hold a second factor to work here."""
    if not user.is_authenticated:
        return False
    if user.is_demo and settings.MFA_DEMO_ACCOUNTS_EXEMPT:
        return False
    return bool(
        user.secretariat_body
        or user.is_secretariat_lead
        or user.is_leadership
        or user.is_staff
        or user.is_superuser
    )


# Whether the person holds TOTP or a security key (recovery codes alone are no factor), read
# when they sign in or change their authenticators (signals.py): no query per request.
ENROLLED_SESSION_KEY = "pesco_mfa_enrolled"


def has_second_factor(request) -> bool:
    """Enrolled, or signed in through an identity provider whose claims prove a second factor."""
    return bool(
        request.session.get(ENROLLED_SESSION_KEY) or request.session.get(OIDC_MFA_SESSION_KEY)
    )


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            needs_second_factor(request.user)
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not has_second_factor(request)
        ):
            messages.warning(
                request,
                "Your role needs a second factor: set up an authenticator app (or a security "
                "key) before you continue.",
            )
            return redirect(f"{reverse('mfa_activate_totp')}")
        return self.get_response(request)
