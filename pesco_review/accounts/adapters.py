"""How django-allauth treats our accounts: nobody signs up, a single sign-on finds an existing
account by its verified e-mail and never creates one, and its `amr`/`acr` claim counts as the
second factor only where the settings say so (the session records it at sign-in: signals.py)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from pesco_review.outbox.services import mail_store

# The session key recording that the identity provider proved a second factor.
OIDC_MFA_SESSION_KEY = "pesco_oidc_mfa"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False  # accounts are created by the secretariat (national ones) or a superuser

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account mail (password reset, security notices) goes by the outbox, as all mail."""
        request = allauth_context.request
        site = {"request": request, "email": email, "current_site": get_current_site(request)}
        message = self.render_mail(template_prefix, email, {**site, **context})
        mail_store(message, kind=template_prefix.rsplit("/", 1)[-1].replace("_", " "))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # a sign-in never creates an account


def claims_prove_second_factor(extra_data: dict) -> bool:
    """Whether the provider's `amr` or `acr` claim holds one of OIDC_MFA_VALUES.

    allauth's openid_connect provider keeps the claims of the ID token under "id_token" and the
    userinfo answer under "userinfo" (either may be missing: `fetch_userinfo` off, or no ID
    token); amr and acr are ID token claims, which win where both carry one."""
    wanted = set(settings.OIDC_MFA_VALUES)
    if not wanted:
        return False
    claims = {**(extra_data.get("userinfo") or {}), **(extra_data.get("id_token") or {})}
    amr = claims.get("amr") or []
    said = [amr] if isinstance(amr, str) else list(amr)
    if claims.get("acr"):
        said.append(claims["acr"])
    return bool(wanted & {str(value) for value in said})
