from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider.models import Identity


class ClaimsValidator(OAuth2Validator):
    """The ID token and userinfo carry the e-mail, whether it is verified, and amr/acr as the
    test chose them at /login/."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid", "acr": "openid"}

    def get_additional_claims(self, request):
        identity = Identity.objects.get(user=request.user)
        claims = {
            "email": request.user.email,
            "email_verified": identity.email_verified,
            "preferred_username": request.user.username,
        }
        if identity.amr:
            claims["amr"] = identity.amr
        if identity.acr:
            claims["acr"] = identity.acr
        return claims
