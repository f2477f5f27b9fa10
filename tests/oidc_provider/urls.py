from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme

from tests.oidc_provider.models import Identity


def sign_in(request: HttpRequest) -> HttpResponseRedirect:
    """Signs in, without a password, the person whose e-mail the query names (created on first
    use), with the given `verified` (1/0), `amr` (comma-separated) and `acr`; then back to
    `next`, the authorisation request that sent the browser here."""
    email = request.GET["email"]
    user, _ = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
    Identity.objects.update_or_create(
        user=user,
        defaults={
            "email_verified": request.GET.get("verified", "1") == "1",
            "amr": [v for v in request.GET.get("amr", "").split(",") if v],
            "acr": request.GET.get("acr", ""),
        },
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return HttpResponseRedirect(next_url)


urlpatterns = [
    path("login/", sign_in),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
