import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pesco_review.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    call_command("load_pesco", verbosity=0)


def test_seed_demo_with_debug_off_refuses(loaded, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses to run with DJANGO_DEBUG off"):
        call_command("seed_demo")

    assert User.objects.count() == 0


def test_seed_demo_creates_every_account_with_its_role(loaded, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "another-demo-password"

    call_command("seed_demo", verbosity=0)

    users = {u.username: u for u in User.objects.select_related("member_state")}
    assert sorted(users) == sorted(
        [
            "coordinator",
            "member",
            "eda-reviewer",
            "eeas-reviewer",
            "eums-reviewer",
            "secretariat",
            "leadership",
            "admin",
        ]
    )
    coordinator = users["coordinator"]
    assert coordinator.member_state.code == "DE"
    assert sorted(coordinator.project_roles.values_list("project__acronym", "role")) == [
        ("CIDCC", "coordinator"),
        ("EMC", "coordinator"),
        ("MM", "member"),
    ]
    assert [users[f"{b}-reviewer"].secretariat_body for b in ("eda", "eeas", "eums")] == [
        "EDA",
        "EEAS",
        "EUMS",
    ]
    assert users["secretariat"].is_secretariat_lead
    assert users["secretariat"].is_staff
    assert users["leadership"].is_leadership
    assert users["admin"].is_superuser
    assert all(u.check_password("another-demo-password") for u in users.values())
    assert [u.username for u in users.values() if not u.is_demo] == []


def test_seed_demo_coordinator_home_shows_european_medical_command(client, loaded, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)

    client.post(reverse("login"), {"username": "coordinator", "password": "pesco-demo"})
    response = client.get(reverse("home"))

    assert "Projects you coordinate" in response.text
    assert "European Medical Command" in response.text
    assert "Cyber and Information Domain Coordination Cent" in response.text


def test_seed_demo_twice_creates_no_duplicates(loaded, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)

    call_command("seed_demo", verbosity=0)

    assert User.objects.count() == 8
    assert User.objects.get(username="coordinator").project_roles.count() == 3


def test_seed_demo_twice_writes_no_new_history(loaded, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    before = User.history.count()

    call_command("seed_demo", verbosity=0)

    assert User.history.count() == before
