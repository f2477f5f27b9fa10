import pytest
from django.test import RequestFactory

from pesco_review.accounts.client_ip import client_ip
from tests import factories


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy trusted: the header is ignored
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # a forged left entry is ignored
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        (1, "", "10.0.0.2"),  # the header is missing: the connecting address
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


@pytest.mark.django_db
def test_login_lockout_behind_proxy_counts_per_client(client, settings):
    settings.PROXY_COUNT = 1
    factories.UserFactory(username="anna")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"login": "anna", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    locked = client.post(
        "/accounts/login/",
        {"login": "anna", "password": "a-long-test-password"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    elsewhere = client.post(
        "/accounts/login/",
        {"login": "anna", "password": "a-long-test-password"},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
