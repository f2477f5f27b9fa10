"""Every URL in the URLconf demands a login, except the login page and the health check.

The walk reads the URLconf itself, so a URL added later is checked without editing this test.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pesco_review.listing import url_of_each

pytestmark = pytest.mark.django_db

PUBLIC = {"/accounts/login/", "/healthz"}
# django-allauth's steps before one is signed in (the second factor, password reset, single
# sign-on callbacks, ...) are reached without a session: each refuses what is not its step.
ALLAUTH_PUBLIC = (
    "/accounts/2fa/authenticate/",
    "/accounts/3rdparty/",
    "/accounts/confirm-email/",
    "/accounts/inactive/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/oidc/",
    "/accounts/password/reset/",
    "/accounts/signup/",
)
SAMPLES = {"int": "1", "slug": "sample", "str": "sample", "path": "sample/1", "uuid": "0" * 32}


def _route_to_path(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def _regex_to_path(regex: str) -> str:
    def group(match: re.Match) -> str:
        body = match.group(1)
        alternatives = body.split("|")
        return alternatives[0] if all(re.fullmatch(r"[\w-]+", a) for a in alternatives) else "1"

    path = re.sub(r"\(\?P<\w+>([^)]*)\)", group, regex)
    return path.replace("^", "").replace("$", "").replace("\\", "")


def _piece(pattern) -> str:
    text = str(pattern.pattern)
    if hasattr(pattern.pattern, "_route"):
        return _route_to_path(pattern.pattern._route)
    return _regex_to_path(text)


def walk(patterns, prefix: str = "") -> list[str]:
    paths = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            paths += walk(pattern.url_patterns, prefix + _piece(pattern))
        elif isinstance(pattern, URLPattern):
            paths.append("/" + prefix + _piece(pattern))
    return paths


ALL_PATHS = sorted(set(walk(get_resolver().url_patterns)))


def test_walk_covers_the_whole_urlconf():
    assert {"/", "/projects/", "/projects/sample/", "/admin/", "/accounts/logout/"} <= set(
        ALL_PATHS
    )
    assert set(ALL_PATHS) >= PUBLIC
    assert len(ALL_PATHS) > 40  # the admin alone has dozens


@pytest.mark.parametrize(
    "path", [p for p in ALL_PATHS if p not in PUBLIC and not p.startswith(ALLAUTH_PUBLIC)]
)
def test_url_anonymous_is_redirected_to_login(client, path):
    response = client.get(path, follow=True)

    assert response.redirect_chain, f"{path} answered {response.status_code} without redirecting"
    last_hop = response.redirect_chain[-1][0]
    # The admin's own login hop (/admin/login/) forwards to the one login page.
    assert last_hop.startswith("/accounts/login/?next="), f"{path} → {response.redirect_chain}"
    assert response.status_code == 200
    assert response.resolver_match.url_name == "login"


def test_login_page_is_public(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_healthz_is_public(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.parametrize("path", [p for p in ALL_PATHS if p.startswith(ALLAUTH_PUBLIC)])
def test_allauth_steps_answer_an_anonymous_visit_without_error_or_data(client, path):
    response = client.get(path, follow=True)

    assert response.status_code in {200, 404, 405}
    assert b"Your reports" not in response.content


@pytest.mark.parametrize("pk", [1, 42, 987654321, 1234567890])
def test_url_of_each_is_what_reverse_answers(pk):
    assert url_of_each("reviews:report")(pk) == reverse("reviews:report", args=[pk])
