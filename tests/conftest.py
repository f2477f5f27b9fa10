import pytest
from django.core.management import call_command

from tests import factories


@pytest.fixture(scope="session", autouse=True)
def collected_static_files():
    """Production static storage (hashed names, a manifest) needs collectstatic, as on deploy."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def fresh_cache():
    """allauth counts its rate limits in the cache: each test starts with none counted."""
    from django.core.cache import cache  # noqa: PLC0415

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness costs ~0.3 s a user; tests create many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def project():
    return factories.ProjectFactory(name="Alpha Project", acronym="ALPHA", slug="alpha")


@pytest.fixture
def other_project():
    return factories.ProjectFactory(name="Bravo Project", acronym="BRAVO", slug="bravo")


@pytest.fixture
def role_users(project, other_project):
    """One user per role; the coordinator and member belong to `project` only. Those whose role
    needs a second factor have an authenticator app (its secret in `user.totp_secret`)."""
    coordinator = factories.ProjectRoleFactory(project=project).user
    member = factories.ProjectRoleFactory(project=project, member=True).user
    users = {
        "coordinator": coordinator,
        "member": member,
        "eda": factories.UserFactory(eda=True),
        "eeas": factories.UserFactory(eeas=True),
        "eums": factories.UserFactory(eums=True),
        "lead": factories.UserFactory(lead=True),
        "leadership": factories.UserFactory(leadership=True),
        "superuser": factories.UserFactory(is_superuser=True, is_staff=True),
        "staff": factories.UserFactory(is_staff=True),
        "no_role": factories.UserFactory(),
    }
    for name in ("eda", "eeas", "eums", "lead", "leadership", "superuser", "staff"):
        factories.enrol_totp(users[name])
    return users
