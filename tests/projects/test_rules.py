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


@pytest.mark.parametrize("role", ["eda", "lead", "leadership", "superuser", "staff"])
def test_a_project_role_written_around_its_check_gives_no_secretariat_account_the_drafts(
    role, role_users, django_assert_num_queries
):
    """ProjectRole.clean refuses a role to any account that is not a national point of contact;
    a role written around it (a script, the shell) still counts for nothing, and asking costs
    such an account no query."""
    from pesco_review.permissions import may
    from projects.models import ProjectRole
    from projects.rules import project_roles_of
    from reviews.selectors.reports import reports_visible_to
    from tests.factories import ProjectFactory, StatusReportFactory

    project = ProjectFactory()
    draft = StatusReportFactory(project=project)  # never submitted
    user = role_users[role]
    ProjectRole.objects.create(user=user, project=project, role="coordinator")  # no clean()

    with django_assert_num_queries(0):
        assert project_roles_of(user) == {}
    assert not reports_visible_to(user=user).filter(pk=draft.pk).exists()
    assert not may(user, "reviews.view_report", draft)
