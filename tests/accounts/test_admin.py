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
    client.force_login(lead)
    return lead


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


def test_admin_lead_can_set_another_users_organisation(client, lead):
    other = factories.UserFactory(username="reviewer")
    url = reverse("admin:accounts_user_change", args=[other.pk])

    response = client.post(url, user_form(other, secretariat_body="EEAS", is_superuser="on"))

    other.refresh_from_db()
    assert response.status_code == 302
    assert (other.secretariat_body, other.is_superuser) == ("EEAS", False)


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

    assert response.status_code == 403
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
