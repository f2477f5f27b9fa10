import pytest

from tests import factories


@pytest.fixture
def project():
    return factories.ProjectFactory(name="Alpha Project", acronym="ALPHA", slug="alpha")


@pytest.fixture
def other_project():
    return factories.ProjectFactory(name="Bravo Project", acronym="BRAVO", slug="bravo")


@pytest.fixture
def role_users(project, other_project):
    """One user per role; the coordinator and member belong to `project` only."""
    coordinator = factories.ProjectRoleFactory(project=project).user
    member = factories.ProjectRoleFactory(project=project, member=True).user
    return {
        "coordinator": coordinator,
        "member": member,
        "eda": factories.UserFactory(eda=True),
        "eeas": factories.UserFactory(eeas=True),
        "eums": factories.UserFactory(eums=True),
        "lead": factories.UserFactory(lead=True),
        "leadership": factories.UserFactory(leadership=True),
        "superuser": factories.UserFactory(is_superuser=True, is_staff=True),
        "no_role": factories.UserFactory(),
    }
