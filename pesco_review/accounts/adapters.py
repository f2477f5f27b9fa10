"""How django-allauth treats our accounts: nobody signs up, a single sign-on finds an existing
account by its verified e-mail and never creates one, and its `amr`/`acr` claim counts as the
second factor only where the settings say so."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings

# The session key recording that the identity provider proved a second factor.
OIDC_MFA_SESSION_KEY = "pesco_oidc_mfa"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False  # accounts are created by the secretariat (national ones) or a superuser


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # a sign-in never creates an account

    def pre_social_login(self, request, sociallogin) -> None:
        """Remember whether the provider says the person used a second factor."""
        claims = sociallogin.account.extra_data or {}
        if isinstance(claims.get("userinfo"), dict):  # allauth keeps id token claims here
            claims = {**claims["userinfo"], **claims.get("id_token", {})}
        said = claims.get("amr") or []
        if isinstance(said, str):
            said = [said]
        said = [*said, claims.get("acr") or ""]
        wanted = set(settings.OIDC_MFA_VALUES)
        request.session[OIDC_MFA_SESSION_KEY] = bool(wanted and wanted & {str(v) for v in said})
