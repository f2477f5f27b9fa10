"""Sign-in fit for a LIMITE system: a second factor for the secretariat, leadership, staff and
superusers, enrolled before any other page; codes from an authenticator app or recovery codes."""

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from pesco_review.accounts.models import User
from pesco_review.outbox.models import OutboxMail
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def sign_in(client, user, password=PASSWORD):
    return client.post(
        reverse("account_login"), {"login": user.username, "password": password}, follow=True
    )


@pytest.mark.parametrize(
    "traits",
    [
        {"eda": True},
        {"lead": True},
        {"leadership": True},
        {"is_staff": True},
        {"is_superuser": True},
    ],
)
def test_a_role_that_needs_a_second_factor_reaches_only_enrolment_before(client, traits):
    user = factories.UserFactory(**traits)
    sign_in(client, user)

    pages = [reverse("home"), reverse("reviews:cycles"), "/admin/", reverse("projects:list")]
    answers = [client.get(url) for url in pages]

    assert [(a.status_code, a["Location"]) for a in answers] == [
        (302, reverse("mfa_activate_totp"))
    ] * len(pages)
    # Enrolment asks for the password again (allauth's reauthentication), then shows the QR code.
    confirm = client.get(reverse("mfa_activate_totp"), follow=True)
    assert confirm.resolver_match.url_name == "account_reauthenticate"
    enrol = client.post(
        confirm.request["PATH_INFO"] + "?next=" + reverse("mfa_activate_totp"),
        {"password": PASSWORD},
        follow=True,
    )
    assert enrol.resolver_match.url_name == "mfa_activate_totp"
    assert "Authenticator secret" in enrol.text
    assert 'name="code"' in enrol.text


def test_a_national_point_of_contact_needs_no_second_factor(client):
    user = factories.ProjectRoleFactory().user

    response = sign_in(client, user)

    assert response.resolver_match.url_name == "home"


def test_sign_in_with_a_code_from_the_authenticator_app(client):
    user = factories.UserFactory(eda=True)
    secret = factories.enrol_totp(user)

    first = sign_in(client, user)
    assert first.resolver_match.url_name == "mfa_authenticate"
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    second = client.post(
        reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()}, follow=True
    )

    assert second.resolver_match.url_name == "home"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_in_with_a_wrong_code_is_refused(client):
    user = factories.UserFactory(eda=True)
    factories.enrol_totp(user)
    sign_in(client, user)

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert response.status_code == 200
    assert "Incorrect code" in response.text
    assert "_auth_user_id" not in client.session


def test_sign_in_with_a_recovery_code_once(client):
    user = factories.UserFactory(leadership=True)
    factories.enrol_totp(user)
    code = RecoveryCodes.activate(user).get_unused_codes()[0]

    sign_in(client, user)
    response = client.post(reverse("mfa_authenticate"), {"code": code}, follow=True)
    assert response.resolver_match.url_name == "home"

    client.post(reverse("account_logout"))
    sign_in(client, user)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session
    assert again.status_code == 200


def test_demo_accounts_skip_the_second_factor_only_with_debug_on(client, settings):
    user = factories.UserFactory(eda=True, is_demo=True)

    settings.MFA_DEMO_ACCOUNTS_EXEMPT = False
    sign_in(client, user)
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")

    settings.MFA_DEMO_ACCOUNTS_EXEMPT = True
    assert client.get(reverse("home")).status_code == 200


def test_the_admin_login_goes_through_the_one_sign_in_page(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_nobody_signs_up(client):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "intruder",
            "email": "i@example.org",
            "password1": "a-long-chosen-password",
            "password2": "a-long-chosen-password",
        },
    )

    assert "Sign Up Closed" in response.text or "closed" in response.text.lower()
    assert not User.objects.filter(username="intruder").exists()


def test_password_reset_mails_a_link_and_the_new_password_is_validated(
    client, deliver_mail, mailoutbox
):
    user = factories.UserFactory(email="poc@example.org")

    client.post(reverse("account_reset_password"), {"email": "poc@example.org"})

    waiting = list(OutboxMail.objects.values_list("kind", "to", "state"))
    sent_before_the_outbox = list(mailoutbox)
    deliver_mail()
    assert waiting == [("password reset key", ["poc@example.org"], "pending")]
    assert sent_before_the_outbox == []  # account mail goes by the outbox, as all mail
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    link = next(w for w in mailoutbox[0].body.split() if "/password/reset/key/" in w)
    path = link.split("testserver")[-1]
    form = client.get(path, follow=True)
    weak = client.post(form.request["PATH_INFO"], {"password1": "123", "password2": "123"})
    assert "This password is too short" in weak.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_password_change_is_told_by_mail(client, deliver_mail):
    user = factories.UserFactory(email="poc@example.org")
    client.force_login(user)

    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-2026",
            "password2": "a-new-long-password-2026",
        },
    )

    user.refresh_from_db()
    assert user.check_password("a-new-long-password-2026")
    mailoutbox = deliver_mail()
    assert [m.to for m in mailoutbox] == [["poc@example.org"]]
    assert "password" in mailoutbox[0].subject.lower()
