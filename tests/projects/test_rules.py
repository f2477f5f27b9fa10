import pytest

pytestmark = pytest.mark.django_db

# role -> (may view own project, may view other project, may see the project's history)
EXPECTED = {
    "coordinator": (True, False, True),
    "member": (True, False, False),
    "eda": (True, True, True),
    "eeas": (True, True, True),
    "eums": (True, True, True),
    "lead": (True, True, True),
    "leadership": (True, True, True),
    "superuser": (True, True, True),
    "no_role": (False, False, False),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_project_permissions_per_role_match_matrix(role, role_users, project, other_project):
    user = role_users[role]

    actual = (
        user.has_perm("projects.view_project", project),
        user.has_perm("projects.view_project", other_project),
        user.has_perm("projects.view_project_history", project),
    )

    assert actual == EXPECTED[role]
