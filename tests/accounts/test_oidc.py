"""Single sign-on over OpenID Connect against a real provider: tests/oidc_provider, a Django
project with django-oauth-toolkit, started here as a separate process on 127.0.0.1. allauth
reaches its discovery, token, userinfo and key endpoints over HTTP; the person's browser at the
provider is a `requests` session, and our application is Django's test client."""

import atexit
import os
import select
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pyotp
import pytest
import requests
from allauth.account.models import EmailAddress
from django.urls import reverse

from pesco_review.accounts.models import User
from pesco_review.settings import oidc_providers
from tests import factories

pytestmark = pytest.mark.django_db

CLIENT_ID = "pesco-review-test"
CLIENT_SECRET = "test-client-secret-0123456789"
CALLBACK = "http://testserver/accounts/oidc/idp/login/callback/"
SOURCE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class IdentityProvider:
    url: str


@pytest.fixture(scope="module")
def identity_provider(tmp_path_factory):
    """The provider process, for this module: stopped at the end, and also when the test run
    dies (it exits when its standard input closes; atexit kills its process group)."""
    directory = tmp_path_factory.mktemp("idp")
    stderr = (directory / "stderr.txt").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.oidc_provider.serve"],
        cwd=SOURCE_ROOT,
        env={
            **os.environ,
            "IDP_DATABASE": str(directory / "idp.sqlite3"),
            "IDP_CLIENT_ID": CLIENT_ID,
            "IDP_CLIENT_SECRET": CLIENT_SECRET,
            "IDP_REDIRECT_URIS": CALLBACK,
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    atexit.register(stop)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            stop()
            pytest.fail(
                f"the identity provider did not start: {(directory / 'stderr.txt').read_text()}"
            )
        yield IdentityProvider(url=line.split()[1])
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            stop()
        atexit.unregister(stop)
        stderr.close()


@pytest.fixture
def sso(settings, identity_provider):
    """Our application configured, as settings.py does from the environment, for that provider."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(
        server_url=f"{identity_provider.url}/o",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        name="Test IdP",
    )
    settings.OIDC_MFA_VALUES = []
    return identity_provider


def sign_in_at_provider(client, *, email, verified=True, amr=(), acr="", follow=True):
    """Press "Sign in with …", sign in at the provider as `email` with the given claims, and
    bring the browser back to our callback; returns our answer to the callback."""
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "idp"}))
    assert start.status_code == 302, start.content
    browser = requests.Session()
    authorize = start["Location"]
    to_login = browser.get(authorize, allow_redirects=False)
    assert to_login.status_code == 302
    login_url = urljoin(authorize, to_login.headers["Location"])
    assert urlsplit(login_url).path == "/login/"
    params = {"email": email, "verified": "1" if verified else "0", "amr": ",".join(amr)}
    back_to_authorize = browser.get(login_url, params={**params, "acr": acr}, allow_redirects=False)
    with_code = browser.get(
        urljoin(login_url, back_to_authorize.headers["Location"]), allow_redirects=False
    )
    assert with_code.status_code == 302, with_code.text
    callback = urlsplit(with_code.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK
    return client.get(f"{callback.path}?{callback.query}", follow=follow)


def signed_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def test_sso_verified_email_signs_in_the_matching_account(client, sso):
    person = factories.ProjectRoleFactory(user__email="anna.berg@example.org").user

    response = sign_in_at_provider(client, email="Anna.Berg@example.org")

    assert response.resolver_match.url_name == "home"
    assert response.wsgi_request.user == person
    assert [(a.provider, a.user) for a in person.socialaccount_set.all()] == [("idp", person)]
    assert User.objects.count() == 1


@pytest.mark.parametrize(("verified_here", "password_kept"), [(False, False), (True, True)])
def test_sso_first_sign_in_keeps_the_password_only_of_an_address_verified_here(
    client, sso, verified_here, password_kept
):
    """allauth's guard against an account that took someone else's address: unless its own
    record of the address is verified, the first single sign-on makes the password unusable."""
    person = factories.UserFactory(email="anna.berg@example.org")
    if verified_here:
        EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)

    sign_in_at_provider(client, email="anna.berg@example.org")

    person.refresh_from_db()
    assert person.has_usable_password() is password_kept


def test_sso_unknown_email_creates_no_account_and_signs_nobody_in(client, sso):
    factories.UserFactory(email="anna.berg@example.org")

    response = sign_in_at_provider(client, email="stranger@example.org")

    assert response.status_code == 200
    assert "No account for this sign-in" in response.text
    assert not response.wsgi_request.user.is_authenticated
    assert list(User.objects.values_list("email", flat=True)) == ["anna.berg@example.org"]
    assert not signed_in_user(client).is_authenticated


def test_sso_unverified_email_does_not_sign_in(client, sso):
    person = factories.UserFactory(email="anna.berg@example.org")

    response = sign_in_at_provider(client, email="anna.berg@example.org", verified=False)

    assert "No account for this sign-in" in response.text
    assert not response.wsgi_request.user.is_authenticated
    assert list(person.socialaccount_set.all()) == []
    assert User.objects.count() == 1


def test_sso_secretariat_without_enrolment_and_no_mfa_claim_is_sent_to_enrolment(client, sso):
    factories.UserFactory(eda=True, email="reviewer@example.org")

    response = sign_in_at_provider(client, email="reviewer@example.org", amr=["pwd"], follow=False)
    after = client.get(response["Location"])

    assert signed_in_user(client).email == "reviewer@example.org"
    assert (after.status_code, after["Location"]) == (302, reverse("mfa_activate_totp"))


def test_sso_secretariat_enrolled_and_no_mfa_claim_is_asked_for_a_code(client, sso, settings):
    settings.OIDC_MFA_VALUES = ["mfa"]
    reviewer = factories.UserFactory(eda=True, email="reviewer@example.org")
    secret = factories.enrol_totp(reviewer)

    asked = sign_in_at_provider(client, email="reviewer@example.org", amr=["pwd"], acr="low")
    assert asked.resolver_match.url_name == "mfa_authenticate"
    assert not asked.wsgi_request.user.is_authenticated
    response = client.post(
        reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()}, follow=True
    )

    assert response.resolver_match.url_name == "home"
    assert response.wsgi_request.user == reviewer


def test_sso_enrolled_person_is_asked_for_a_code_even_with_a_claim_proving_mfa(
    client, sso, settings
):
    settings.OIDC_MFA_VALUES = ["mfa"]
    reviewer = factories.UserFactory(eda=True, email="reviewer@example.org")
    factories.enrol_totp(reviewer)

    response = sign_in_at_provider(client, email="reviewer@example.org", amr=["mfa"])

    assert response.resolver_match.url_name == "mfa_authenticate"
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    ("claims", "mfa_values"),
    [
        ({"amr": ["pwd", "mfa"]}, ["mfa"]),
        ({"acr": "http://eidas.europa.eu/LoA/high"}, ["http://eidas.europa.eu/LoA/high"]),
    ],
)
def test_sso_secretariat_with_a_claim_proving_mfa_reaches_home_without_totp(
    client, sso, settings, claims, mfa_values
):
    settings.OIDC_MFA_VALUES = mfa_values
    reviewer = factories.UserFactory(eda=True, email="reviewer@example.org")

    response = sign_in_at_provider(client, email="reviewer@example.org", **claims)

    assert response.resolver_match.url_name == "home"
    assert response.wsgi_request.user == reviewer
    assert client.get(reverse("reviews:cycles")).status_code == 200


def test_sso_mfa_claim_counts_for_nothing_when_no_setting_names_it(client, sso):
    factories.UserFactory(eda=True, email="reviewer@example.org")

    response = sign_in_at_provider(
        client, email="reviewer@example.org", amr=["mfa", "otp"], acr="high", follow=False
    )
    after = client.get(response["Location"])

    assert (after.status_code, after["Location"]) == (302, reverse("mfa_activate_totp"))


def test_sso_proof_of_mfa_is_not_lent_to_a_later_password_sign_in(client, sso, settings):
    settings.OIDC_MFA_VALUES = ["mfa"]
    reviewer = factories.UserFactory(eda=True)
    sign_in_at_provider(client, email="stranger@example.org", amr=["mfa"])

    client.post(
        reverse("account_login"), {"login": reviewer.username, "password": "a-long-test-password"}
    )
    after = client.get(reverse("home"))

    assert signed_in_user(client) == reviewer
    assert (after.status_code, after["Location"]) == (302, reverse("mfa_activate_totp"))


def test_login_page_shows_the_sso_button_when_configured(client, sso):
    response = client.get(reverse("account_login"))

    action = reverse("openid_connect_login", kwargs={"provider_id": "idp"})
    assert f'<form method="post" action="{action}">' in response.text
    assert "Sign in with Test IdP" in response.text


def test_login_page_without_oidc_settings_shows_no_sso_button(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(
        server_url="", client_id="", secret="", name="Test IdP"
    )

    response = client.get(reverse("account_login"))

    assert settings.SOCIALACCOUNT_PROVIDERS == {}
    assert "Sign in with" not in response.text
    assert "/accounts/oidc/" not in response.text
