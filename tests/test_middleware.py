"""Sessions end after SESSION_IDLE_MINUTES without activity and SESSION_MAX_HOURS after sign-in;
responses to signed-in people are never stored by a browser or a proxy."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from pesco_review.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def user():
    return factories.UserFactory(username="anna")


def move_back(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] -= seconds
    session.save()


def test_session_sign_in_through_the_form_stamps_sign_in_and_activity(client, user):
    before = int(time.time())

    client.post(reverse("login"), {"login": "anna", "password": PASSWORD})

    session = client.session
    assert before <= session[SIGNED_IN_AT] <= int(time.time())
    assert session[LAST_SEEN_AT] == session[SIGNED_IN_AT]


def test_session_idle_30_minutes_signs_out_with_message(client, user):
    client.force_login(user)
    move_back(client, LAST_SEEN_AT, 30 * 60 + 1)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"
    assert "_auth_user_id" not in client.session
    page = client.get(response.url)
    assert "You were signed out after 30 minutes without activity." in page.text


def test_session_activity_within_idle_time_keeps_it_and_moves_activity(client, user):
    client.force_login(user)
    move_back(client, LAST_SEEN_AT, 29 * 60)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(user.pk)
    assert int(time.time()) - client.session[LAST_SEEN_AT] < 5


def test_session_idle_time_is_a_setting(client, user, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(user)
    move_back(client, LAST_SEEN_AT, 5 * 60 + 1)

    response = client.get(reverse("home"), follow=True)

    assert "You were signed out after 5 minutes without activity." in response.text
    assert "_auth_user_id" not in client.session


def test_session_absolute_lifetime_12_hours_signs_out_an_active_session(client, user):
    client.force_login(user)
    move_back(client, SIGNED_IN_AT, 12 * 3600 + 1)  # active a moment ago, signed in long ago

    response = client.get(reverse("home"), follow=True)

    assert response.resolver_match.url_name == "login"
    assert "_auth_user_id" not in client.session
    assert "You were signed out 12 hours after signing in." in response.text


def test_session_absolute_lifetime_is_a_setting_and_the_cookie_age(client, user, settings):
    from pesco_review import settings as module  # noqa: PLC0415 - as read from the environment

    settings.SESSION_MAX_HOURS = 2
    client.force_login(user)
    move_back(client, SIGNED_IN_AT, 2 * 3600 + 1)

    response = client.get(reverse("home"), follow=True)

    assert "You were signed out 2 hours after signing in." in response.text
    assert (module.SESSION_IDLE_MINUTES, module.SESSION_MAX_HOURS) == (30, 12)
    assert module.SESSION_COOKIE_AGE == 12 * 3600


def test_session_sign_out_deletes_the_stored_session(client, user):
    client.post(reverse("login"), {"login": "anna", "password": PASSWORD})
    key = client.session.session_key

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302  # the old cookie opens nothing


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


def test_no_store_on_an_authenticated_page(client, user):
    client.force_login(user)

    response = client.get(reverse("home"))

    assert {"no-store", "private"} <= cache_control(response)


def test_no_store_on_a_download(client, role_users):
    cycle = factories.ReviewCycleFactory()
    client.force_login(role_users["lead"])

    response = client.get(reverse("reviews:figures_export", args=[cycle.year, "csv"]))

    assert response["Content-Disposition"].startswith("attachment;")
    assert {"no-store", "private"} <= cache_control(response)
