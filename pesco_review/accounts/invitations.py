"""The invitation a new national point of contact receives (created by an import or in the
administration): what they were given, and how to sign in (set a password through a link, or
sign in through the identity provider where one is configured)."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from pesco_review.accounts.models import User
from pesco_review.outbox.services import mail_enqueue


def _site(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def identity_provider_name() -> str:
    """The configured single sign-on's name, or "" where there is none."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return apps[0]["name"] if apps else ""


def invitation_send(*, user: User, roles: list, invited_by: User) -> None:
    """Queue the invitation in the outbox, in the caller's transaction. `roles`: the person's
    project roles (each with `role`, `get_role_display()` and `project`)."""
    token = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": token}
    )
    context = {
        "user": user,
        "roles": roles,
        "invited_by": invited_by.get_full_name() or invited_by.get_username(),
        "password_link": _site(path),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "login_link": _site(reverse("login")),
        "reset_link": _site(reverse("account_reset_password")),
        "provider": identity_provider_name(),
    }
    mail_enqueue(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your account in the PESCO annual review",
        body=render_to_string("email/invitation.txt", context),
        to=[user.email],
        kind="invitation",
    )
