"""The secretariat lead manages users in the admin, but cannot raise their own powers."""

import pytest
from django.urls import reverse

from pesco_review.accounts.models import User
from pesco_review.accounts.services import secretariat_group
from projects.models import ProjectRole
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(client):
    lead = factories.UserFactory(lead=True, username="lead")
    lead.groups.add(secretariat_group())
    factories.enrol_totp(lead)  # the secretariat signs in with a second factor
    client.force_login(lead)
    return lead


# The project-roles inline's management form, as the page sends it.
ROLES_INLINE = {
    "project_roles-TOTAL_FORMS": "0",
    "project_roles-INITIAL_FORMS": "0",
    "project_roles-MIN_NUM_FORMS": "0",
    "project_roles-MAX_NUM_FORMS": "1000",
}


def user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "member_state": "",
        "secretariat_body": user.secretariat_body,
        "project_roles-TOTAL_FORMS": "0",
        "project_roles-INITIAL_FORMS": "0",
        "project_roles-MIN_NUM_FORMS": "0",
        "project_roles-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_admin_lead_cannot_make_themselves_superuser(client, lead):
    url = reverse("admin:accounts_user_change", args=[lead.pk])

    client.post(url, user_form(lead, is_superuser="on", is_staff="on", secretariat_body="EDA"))

    lead.refresh_from_db()
    assert (lead.is_superuser, lead.secretariat_body) == (False, "")


def test_admin_lead_sets_a_national_users_state_but_never_a_secretariat_body(client, lead):
    state = factories.MemberStateFactory()
    other = factories.UserFactory(username="poc")
    url = reverse("admin:accounts_user_change", args=[other.pk])

    response = client.post(
        url,
        user_form(
            other,
            member_state=state.pk,
            secretariat_body="EEAS",
            is_superuser="on",
            is_secretariat_lead="on",
            is_leadership="on",
        ),
    )

    other.refresh_from_db()
    assert response.status_code == 302
    assert (
        other.member_state,
        other.secretariat_body,
        other.is_superuser,
        other.is_secretariat_lead,
        other.is_leadership,
    ) == (state, "", False, False, False)


def test_admin_lead_changes_no_secretariat_or_leadership_account(client, lead):
    for user in (factories.UserFactory(eda=True), factories.UserFactory(leadership=True)):
        response = client.post(
            reverse("admin:accounts_user_change", args=[user.pk]),
            user_form(user, first_name="Changed", secretariat_body=""),
        )
        assert response.status_code == 403
        assert User.objects.get(pk=user.pk).first_name == "Test"


def test_admin_lead_creates_national_accounts_only_without_password_or_flags(client, lead):
    state = factories.MemberStateFactory()

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-poc",
            "first_name": "Maria",
            "last_name": "Silva",
            "email": "maria@example.org",
            "member_state": state.pk,
            "secretariat_body": "EDA",
            "is_secretariat_lead": "on",
            "is_staff": "on",
            "password1": "a-long-chosen-password",
            "password2": "a-long-chosen-password",
            **ROLES_INLINE,
        },
    )

    created = User.objects.get(username="new-poc")
    assert response.status_code == 302
    assert (
        created.member_state,
        created.secretariat_body,
        created.is_secretariat_lead,
        created.is_staff,
        created.has_usable_password(),
    ) == (state, "", False, False, False)


def test_admin_lead_creating_a_national_account_sends_it_an_invitation_with_its_roles(
    client, lead, deliver_mail
):
    state = factories.MemberStateFactory()
    project = factories.ProjectFactory(name="Alpha Project", acronym="ALPHA")
    inline = {
        **ROLES_INLINE,
        "project_roles-TOTAL_FORMS": "1",
        "project_roles-0-project": project.pk,
        "project_roles-0-role": "coordinator",
    }

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-poc",
            "first_name": "Maria",
            "last_name": "Silva",
            "email": "maria@example.org",
            "member_state": state.pk,
            **inline,
        },
    )

    assert response.status_code == 302
    (mail,) = deliver_mail()
    assert mail.to == ["maria@example.org"]
    assert "coordinator of Alpha Project (ALPHA): you file the project's annual status" in mail.body
    assert "/accounts/password/reset/key/" in mail.body


def test_admin_a_superusers_account_with_a_password_gets_no_invitation(client, deliver_mail):
    admin_user = factories.UserFactory(is_superuser=True, is_staff=True)
    factories.enrol_totp(admin_user)
    client.force_login(admin_user)

    client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "with-password",
            "email": "w@example.org",
            "password1": "a-long-chosen-password",
            "password2": "a-long-chosen-password",
            "usable_password": "true",
            **ROLES_INLINE,
        },
    )

    assert User.objects.get(username="with-password").has_usable_password()
    assert deliver_mail() == []


def test_admin_lead_creating_an_account_without_a_state_is_told_why(client, lead):
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "nobody", "email": "n@example.org", **ROLES_INLINE},
    )

    assert response.status_code == 200
    assert "A national point of contact represents a member state" in response.text
    assert not User.objects.filter(username="nobody").exists()


def test_admin_lead_sets_no_other_users_password(client, lead):
    other = factories.UserFactory(username="poc")
    url = reverse("admin:auth_user_password_change", args=[other.pk])

    response = client.post(
        url, {"password1": "another-long-password", "password2": "another-long-password"}
    )

    assert response.status_code == 403
    assert User.objects.get(pk=other.pk).check_password("a-long-test-password")


def test_admin_superuser_sets_a_body_and_the_change_shows_on_the_persons_page(client):
    root = factories.UserFactory(is_superuser=True, is_staff=True, username="root")
    factories.enrol_totp(root)
    other = factories.UserFactory(username="reviewer")
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[other.pk])

    client.post(url, user_form(other, secretariat_body="EDA"))
    page = client.get(url).content.decode()

    assert User.objects.get(pk=other.pk).secretariat_body == "EDA"
    assert "Secretariat body: — → EDA" in page
    assert "by Test User" in page or "by root" in page


def test_admin_a_project_role_given_shows_on_the_persons_page(client, lead, project):
    poc = factories.UserFactory()
    client.post(
        reverse("admin:projects_projectrole_add"),
        {"user": poc.pk, "project": project.pk, "role": "coordinator"},
    )

    page = client.get(reverse("admin:accounts_user_change", args=[poc.pk])).content.decode()

    assert "Coordinator of ALPHA, given by" in page


def test_admin_nobody_gives_themselves_a_project_role_superuser_included(client, project):
    root = factories.UserFactory(is_superuser=True, is_staff=True)
    factories.enrol_totp(root)
    client.force_login(root)

    response = client.post(
        reverse("admin:projects_projectrole_add"),
        {"user": root.pk, "project": project.pk, "role": "coordinator"},
    )

    # Refused twice over: no role for oneself, and none for a staff account at all.
    assert response.status_code == 200
    assert "Project roles are for national points of contact" in response.content.decode()
    assert ProjectRole.objects.count() == 0


def test_admin_lead_cannot_change_a_superuser_or_its_password(client, lead):
    root = factories.UserFactory(is_superuser=True, is_staff=True)

    change = client.post(
        reverse("admin:accounts_user_change", args=[root.pk]), user_form(root, first_name="X")
    )
    password = client.get(reverse("admin:auth_user_password_change", args=[root.pk]))

    assert change.status_code == 403
    assert password.status_code == 403
    assert User.objects.get(pk=root.pk).first_name == "Test"


def test_admin_lead_cannot_give_themselves_a_project_role(client, lead, project):
    response = client.post(
        reverse("admin:projects_projectrole_add"),
        {"user": lead.pk, "project": project.pk, "role": "coordinator"},
    )

    # Refused twice over: no role for oneself, and none for a staff account at all.
    assert response.status_code == 200
    assert "Project roles are for national points of contact" in response.content.decode()
    assert ProjectRole.objects.count() == 0


def test_admin_lead_can_give_a_coordinator_a_project_role(client, lead, project):
    poc = factories.UserFactory()

    client.post(
        reverse("admin:projects_projectrole_add"),
        {"user": poc.pk, "project": project.pk, "role": "coordinator"},
    )

    assert list(ProjectRole.objects.values_list("user", "project", "role")) == [
        (poc.pk, project.pk, "coordinator")
    ]
