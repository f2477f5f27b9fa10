"""Brute force: a user name and address pair is locked after 5 failures, a user name after 10
from anywhere, an address after 20 for any user names, each for 15 minutes.

Every test signs in by POSTing the login form at reverse("login") (fields login, password), as
a browser would, so they hold whichever view serves that page."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def limits(settings):
    """The numbers of the story, whatever the environment of the run says."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 10
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20


def sign_in(client, username: str, password: str = "wrong", **headers):
    return client.post(reverse("login"), {"login": username, "password": password}, **headers)


def accounts(count: int, prefix: str = "user") -> list[str]:
    return [factories.UserFactory(username=f"{prefix}{n}").username for n in range(count)]


def test_lockout_defaults_are_5_10_20_for_15_minutes():
    from pesco_review import settings as module  # noqa: PLC0415 - as read from the environment

    limits = (
        module.AXES_FAILURE_LIMIT,
        module.LOGIN_USERNAME_FAILURE_LIMIT,
        module.LOGIN_ADDRESS_FAILURE_LIMIT,
    )
    assert limits == (5, 10, 20)
    assert module.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_lockout_twenty_failures_over_seven_accounts_lock_the_address(client):
    names = accounts(7)
    eighth = factories.UserFactory(username="eighth")
    for attempt in range(20):  # 2 or 3 per account: no pair, no user name reaches its limit
        sign_in(client, names[attempt % 7], REMOTE_ADDR="203.0.113.9")

    refused = sign_in(client, "eighth", PASSWORD, REMOTE_ADDR="203.0.113.9")
    elsewhere = sign_in(client, "eighth", PASSWORD, REMOTE_ADDR="198.51.100.7")

    assert refused.status_code == 429
    assert "locked for 15 minutes" in refused.text
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(eighth.pk)


def test_lockout_nineteen_failures_from_one_address_do_not_lock_it(client):
    names = accounts(7)
    eighth = factories.UserFactory(username="eighth")
    for attempt in range(19):
        sign_in(client, names[attempt % 7], REMOTE_ADDR="203.0.113.9")

    response = sign_in(client, "eighth", PASSWORD, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(eighth.pk)


def test_lockout_own_successful_sign_in_does_not_reset_the_address_count(client):
    """An attacker who holds one account cannot clear the address's failures by using it."""
    names = accounts(7)
    factories.UserFactory(username="mallory")
    factories.UserFactory(username="eighth")
    for attempt in range(19):
        sign_in(client, names[attempt % 7], REMOTE_ADDR="203.0.113.9")
    assert sign_in(client, "mallory", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302
    client.logout()

    sign_in(client, names[0], REMOTE_ADDR="203.0.113.9")  # the 20th failure
    response = sign_in(client, "eighth", PASSWORD, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 429


def test_lockout_ten_failures_from_ten_addresses_lock_the_user_name(client):
    anna = factories.UserFactory(username="anna")
    for n in range(10):
        sign_in(client, "anna", REMOTE_ADDR=f"198.51.100.{n + 1}")

    refused = sign_in(client, "anna", PASSWORD, REMOTE_ADDR="192.0.2.50")
    other = factories.UserFactory(username="bert")
    bert = sign_in(client, "bert", PASSWORD, REMOTE_ADDR="198.51.100.1")

    assert refused.status_code == 429
    assert "locked for 15 minutes" in refused.text
    assert bert.status_code == 302  # the addresses themselves are not locked
    assert client.session["_auth_user_id"] == str(other.pk)
    assert anna.pk != other.pk


def test_lockout_nine_failures_for_a_user_name_do_not_lock_it(client):
    anna = factories.UserFactory(username="anna")
    for n in range(9):
        sign_in(client, "anna", REMOTE_ADDR=f"198.51.100.{n + 1}")

    response = sign_in(client, "anna", PASSWORD, REMOTE_ADDR="192.0.2.50")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(anna.pk)


def test_lockout_forged_forwarded_for_prefix_still_counts_one_address(client, settings):
    """Behind one proxy, the client writes what it likes in X-Forwarded-For; the proxy appends
    the address it saw. A new forged prefix on each attempt does not make a new address."""
    settings.PROXY_COUNT = 1
    names = accounts(7)
    factories.UserFactory(username="eighth")
    for attempt in range(20):
        sign_in(
            client,
            names[attempt % 7],
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt + 1}, 203.0.113.9",
        )

    response = sign_in(
        client,
        "eighth",
        PASSWORD,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9",
    )

    assert response.status_code == 429


def test_lockout_page_says_locked_for_15_minutes_in_words_and_offers_password_reset(client):
    factories.UserFactory(username="anna")
    for _ in range(5):
        response = sign_in(client, "anna", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 429
    assert "locked for 15 minutes" in response.text
    assert "PT15M" not in response.text
    assert 'href="/accounts/password/reset/"' in response.text


def test_lockout_page_names_other_lengths_in_words(client, settings):
    from datetime import timedelta  # noqa: PLC0415

    settings.AXES_COOLOFF_TIME = timedelta(hours=1)
    factories.UserFactory(username="anna")
    for _ in range(5):
        response = sign_in(client, "anna", REMOTE_ADDR="203.0.113.9")

    assert "locked for 1 hour" in response.text


def test_a_locked_user_name_can_still_reset_its_password(client, deliver_mail):
    factories.UserFactory(username="anna", email="anna@example.org")
    for _ in range(5):
        sign_in(client, "anna")
    assert sign_in(client, "anna", PASSWORD).status_code == 429

    response = client.post(
        reverse("account_reset_password"), {"email": "anna@example.org"}, follow=True
    )

    assert response.status_code == 200
    mailoutbox = deliver_mail()
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]
