"""The signed-in user as every request loads it: with their organisation, and with permissions
the rules answer alone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_national_contact_is_loaded_with_their_member_state(client):
    state = factories.MemberStateFactory(code="FR", name="France")
    user = factories.UserFactory(member_state=state)
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    assert "· France" in response.text  # the header names the organisation
    reads_of_states = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "projects_memberstate"')
    ]
    assert reads_of_states == []


@pytest.mark.parametrize("role", ["coordinator", "eda", "leadership", "staff", "no_role"])
def test_a_permission_the_rules_refuse_is_not_asked_of_djangos_model_backend(role, role_users):
    """Django asks every backend until one says yes: a rule's "no" fell through to the model
    backend, which read the user's and their groups' permissions from the database."""
    user = role_users[role]

    with CaptureQueriesContext(connection) as queries:
        refused = user.has_perm("reviews.manage_cycle")

    assert refused is False
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_the_admins_model_permissions_still_come_from_the_model_backend(role_users):
    from django.contrib.auth.models import Permission

    staff = role_users["staff"]
    assert not staff.has_perm("projects.view_project_admin_only_for_this_test")
    staff.user_permissions.add(Permission.objects.get(codename="view_reviewcycle"))
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh object: permissions are cached

    assert staff.has_perm("reviews.view_reviewcycle")
