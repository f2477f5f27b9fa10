import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def user():
    return factories.UserFactory(username="anna")


def test_login_right_password_lands_on_home(client, user):
    response = client.post(reverse("login"), {"login": "anna", "password": PASSWORD}, follow=True)

    assert response.resolver_match.url_name == "home"
    assert response.context["user"] == user


def test_login_wrong_password_says_so_and_keeps_username(client, user):
    response = client.post(reverse("login"), {"login": "anna", "password": "wrong"})

    assert response.status_code == 200
    assert "The username and/or password you specified are not correct." in response.text
    assert 'value="anna"' in response.text


def test_login_after_failure_limit_is_locked_out_with_message(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"login": "anna", "password": "wrong"})

    response = client.post(reverse("login"), {"login": "anna", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "_auth_user_id" not in client.session


def test_login_other_user_from_same_address_is_not_locked_out(client, user, settings):
    factories.UserFactory(username="bert")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"login": "anna", "password": "wrong"})

    response = client.post(reverse("login"), {"login": "bert", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(
        factories.UserFactory._meta.model.objects.get(username="bert").pk
    )


def test_logout_by_post_ends_session(client, user):
    client.force_login(user)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
