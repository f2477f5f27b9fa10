import pytest

pytestmark = pytest.mark.django_db

# role -> (may view own project, may view other project, may see history, may curate data)
EXPECTED = {
    "coordinator": (True, False, True, False),
    "member": (True, False, False, False),
    "eda": (True, True, True, False),
    "eeas": (True, True, True, False),
    "eums": (True, True, True, False),
    "lead": (True, True, True, True),
    "leadership": (True, True, True, False),
    "superuser": (True, True, True, True),
    "no_role": (False, False, False, False),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_project_permissions_per_role_match_matrix(role, role_users, project, other_project):
    user = role_users[role]

    actual = (
        user.has_perm("projects.view_project", project),
        user.has_perm("projects.view_project", other_project),
        user.has_perm("projects.view_project_history", project),
        user.has_perm("projects.curate_data"),
    )

    assert actual == EXPECTED[role]
