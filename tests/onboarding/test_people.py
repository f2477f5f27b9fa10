"""National points of contact by spreadsheet: accounts with no password, body or flag, only the
roles the file gives, an invitation each; every other kind of person refused by row."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from onboarding import services
from onboarding.enums import ImportKind
from pesco_review.accounts.models import User
from pesco_review.outbox.models import OutboxMail
from projects.enums import ListCoverage, ProjectRoleKind
from projects.models import ProjectRole
from tests import factories
from tests.onboarding.helpers import PEOPLE_HEADER, confirm_at_once, csv_upload, preview, shown

pytestmark = pytest.mark.django_db
P = ImportKind.PEOPLE


def _people_csv(*rows: str) -> str:
    return "\n".join([",".join(PEOPLE_HEADER), *rows]) + "\n"


@pytest.fixture
def states(project, other_project):
    """DE coordinates ALPHA, FR takes part in it and in BRAVO; CA is a third state in BRAVO."""
    de = factories.MemberStateFactory(code="DE", name="Germany")
    fr = factories.MemberStateFactory(code="FR", name="France")
    ca = factories.MemberStateFactory(code="CA", name="Canada", third_state=True)
    factories.ParticipationFactory(project=project, state=de, coordinator=True)
    factories.ParticipationFactory(project=project, state=fr)
    factories.ParticipationFactory(project=other_project, state=fr, coordinator=True)
    factories.ParticipationFactory(project=other_project, state=ca)
    return {"DE": de, "FR": fr, "CA": ca}


TWO_PEOPLE = _people_csv(
    "Anna,Example,Anna.Example@example.org,DE,ALPHA,coordinator",
    "Jean,Exemple,jean.exemple@example.org,France,ALPHA,member",
    "Jean,Exemple,jean.exemple@example.org,fr,BRAVO,Coordinator",
)


def _apply(lead, text):
    run = preview(lead, P, csv_upload(text, "people.csv"))
    assert run.counts["error"] == 0, run.preview
    assert services.import_confirm(actor=lead, run=run) is True
    return run


def test_an_imported_person_gets_an_invitation_and_no_role_beyond_the_file(
    role_users, states, project, other_project, deliver_mail
):
    run = _apply(role_users["lead"], TWO_PEOPLE)

    anna = User.objects.get(email="anna.example@example.org")
    assert (anna.username, anna.first_name, anna.last_name, anna.member_state) == (
        "anna.example@example.org",
        "Anna",
        "Example",
        states["DE"],
    )
    assert not anna.has_usable_password()
    assert (anna.secretariat_body, anna.is_secretariat_lead, anna.is_leadership) == (
        "",
        False,
        False,
    )
    assert (anna.is_staff, anna.is_superuser, anna.is_demo, anna.is_active) == (
        False,
        False,
        False,
        True,
    )
    assert list(anna.groups.all()) == []
    assert list(anna.user_permissions.all()) == []
    assert list(ProjectRole.objects.filter(user=anna).values_list("project__acronym", "role")) == [
        ("ALPHA", ProjectRoleKind.COORDINATOR)
    ]
    jean = User.objects.get(email="jean.exemple@example.org")
    assert sorted(
        ProjectRole.objects.filter(user=jean).values_list("project__acronym", "role")
    ) == [
        ("ALPHA", "member"),
        ("BRAVO", "coordinator"),
    ]
    assert {r.history_change_reason for r in anna.history.all()} == {
        f"Import {run.pk} (people.csv)"
    }
    sent = deliver_mail()
    assert sorted(m.to[0] for m in sent) == ["anna.example@example.org", "jean.exemple@example.org"]
    jeans = next(m for m in sent if m.to == ["jean.exemple@example.org"])
    assert "member of Alpha Project (ALPHA): you read the project's reports" in jeans.body
    assert (
        "coordinator of Bravo Project (BRAVO): you file the project's annual status report"
        in jeans.body
    )


def test_the_invitation_link_sets_the_password_and_the_person_signs_in(
    client, role_users, states, deliver_mail
):
    _apply(role_users["lead"], _people_csv("Anna,Example,anna@example.org,DE,ALPHA,member"))
    (mail,) = deliver_mail()
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", mail.body).group(0)
    path = link.split("127.0.0.1:8000", 1)[1] if "127.0.0.1:8000" in link else link

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a-long-new-password-1", "password2": "a-long-new-password-1"},
    )

    assert response.status_code == 302
    assert User.objects.get(email="anna@example.org").check_password("a-long-new-password-1")
    signed_in = client.post(
        "/accounts/login/", {"login": "anna@example.org", "password": "a-long-new-password-1"}
    )
    assert signed_in.status_code == 302
    assert client.get("/").context["user"].email == "anna@example.org"


def test_with_an_identity_provider_the_invitation_says_to_sign_in_there(
    settings, role_users, states, deliver_mail
):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{"provider_id": "idp", "name": "EU Login"}]}
    }
    _apply(role_users["lead"], _people_csv("Anna,Example,anna@example.org,DE,ALPHA,member"))

    (mail,) = deliver_mail()
    assert "Sign in with EU Login, using this address (anna@example.org)" in mail.body
    assert "password/reset/key" not in mail.body


def test_importing_the_people_twice_changes_nothing_and_invites_nobody_again(
    role_users, states, deliver_mail
):
    lead = role_users["lead"]
    _apply(lead, TWO_PEOPLE)
    assert len(deliver_mail()) == 2
    history = (User.history.count(), ProjectRole.history.count())

    second = preview(lead, P, csv_upload(TWO_PEOPLE))

    assert second.counts == {"new": 0, "changed": 0, "unchanged": 3, "error": 0}
    services.import_confirm(actor=lead, run=second)
    assert (User.history.count(), ProjectRole.history.count()) == history
    assert len(deliver_mail()) == 2  # the first import's two, and no other
    assert OutboxMail.objects.filter(kind="invitation").count() == 2


def test_one_bad_row_writes_no_person_no_role_and_no_mail(role_users, states):
    text = _people_csv(
        "Anna,Example,anna@example.org,DE,ALPHA,coordinator",
        "Jean,Exemple,jean@example,FR,ALPHA,member",
    )
    run = preview(role_users["lead"], P, csv_upload(text))

    assert shown(run)[1] == (3, "error", "'jean@example' is not an e-mail address.")
    with pytest.raises(ValidationError):
        services.import_confirm(actor=role_users["lead"], run=run)
    assert not User.objects.filter(email__endswith="@example.org").exists()
    assert not OutboxMail.objects.exists()


def test_a_changed_name_and_a_changed_role_are_shown_then_written(role_users, states, project):
    person = factories.UserFactory(
        email="anna@example.org", first_name="Ana", last_name="Example", member_state=states["DE"]
    )
    factories.ProjectRoleFactory(user=person, project=project, member=True)

    run = preview(
        role_users["lead"],
        P,
        csv_upload(_people_csv("Anna,Example,ANNA@example.org,DE,ALPHA,coordinator")),
    )

    assert run.preview[0]["outcome"] == "changed"
    assert run.preview[0]["details"] == [
        "First name: 'Ana' → 'Anna'.",
        "Role in ALPHA: member → coordinator.",
    ]
    services.import_confirm(actor=role_users["lead"], run=run)
    person.refresh_from_db()
    assert person.first_name == "Anna"
    assert ProjectRole.objects.get(user=person).role == ProjectRoleKind.COORDINATOR


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            "Anna,Example,anna@example.org,XX,ALPHA,member",
            "No member state is 'XX': give its code (DE, EL) or its name.",
        ),
        ("Anna,Example,anna@example.org,,ALPHA,member", "The member state is missing."),
        ("Anna,,anna@example.org,DE,ALPHA,member", "The last name is missing."),
        ("Anna,Example,,DE,ALPHA,member", "The e-mail address is missing."),
        (
            "Anna,Example,anna@example.org,DE,ALPHA,reader",
            "The role 'reader' is neither 'coordinator' nor 'member'.",
        ),
        (
            "Anna,Example,anna@example.org,DE,BRAVO,member",
            "Germany does not take part in BRAVO, according to the register.",
        ),
        (
            "Anna,Example,anna@example.org,FR,ALPHA,coordinator",
            "France does not coordinate ALPHA: the register names Germany.",
        ),
        (
            "Anna,Example,anna@example.org,CA,ALPHA,member",
            "Canada is a third state and does not take part in ALPHA, according to the register.",
        ),
        (
            "Anna,Example,anna@example.org,CA,BRAVO,coordinator",
            "Canada is a third state: a project's report is filed by a participating Member State.",
        ),
    ],
)
def test_each_kind_of_bad_person_row_is_named_in_words(role_users, states, row, reason):
    run = preview(role_users["lead"], P, csv_upload(_people_csv(row)))

    assert shown(run) == [(2, "error", reason)]


def test_a_third_state_taking_part_may_have_a_member(role_users, states):
    run = preview(
        role_users["lead"],
        P,
        csv_upload(_people_csv("Chris,Example,c@example.org,CA,BRAVO,member")),
    )

    assert run.counts["error"] == 0


def test_a_project_whose_membership_is_not_recorded_takes_any_member_state(
    role_users, states, project
):
    project.participants_coverage = ListCoverage.NOT_RECORDED
    project.save()
    factories.ProjectFactory(acronym="GAMMA", participants_coverage=ListCoverage.NOT_RECORDED)

    run = preview(
        role_users["lead"],
        P,
        csv_upload(_people_csv("Jean,Exemple,j@example.org,FR,GAMMA,coordinator")),
    )

    assert run.counts["error"] == 0


@pytest.mark.parametrize("role", ["eda", "lead", "leadership", "superuser", "staff"])
def test_a_secretariat_leadership_or_staff_account_is_given_no_project_role(
    role_users, states, role
):
    account = role_users[role]
    account.email = f"{role}@example.org"
    account.save()

    run = preview(
        role_users["lead"], P, csv_upload(_people_csv(f"A,B,{role}@example.org,DE,ALPHA,member"))
    )

    assert shown(run) == [
        (
            2,
            "error",
            f"{role}@example.org is a secretariat, leadership or staff account: project roles "
            "are for national points of contact.",
        )
    ]


def test_a_deactivated_account_or_another_state_is_not_changed_by_an_import(role_users, states):
    factories.UserFactory(email="gone@example.org", is_active=False, member_state=states["DE"])
    factories.UserFactory(email="moved@example.org", member_state=states["FR"])
    text = _people_csv(
        "A,B,gone@example.org,DE,ALPHA,member", "C,D,moved@example.org,DE,ALPHA,member"
    )

    run = preview(role_users["lead"], P, csv_upload(text))

    assert [r["details"][0] for r in run.preview] == [
        "The account of gone@example.org is deactivated: reactivate it in the administration "
        "first.",
        "moved@example.org represents another member state in the register; the file says "
        "Germany. Change the person's state in the administration if it is so.",
    ]


def test_one_person_with_two_names_or_one_role_twice_is_an_error(role_users, states):
    text = _people_csv(
        "Jean,Exemple,jean@example.org,FR,ALPHA,member",
        "John,Exemple,jean@example.org,FR,BRAVO,member",
        "Jean,Exemple,jean@example.org,FR,ALPHA,member",
    )

    run = preview(role_users["lead"], P, csv_upload(text))

    assert [d for _, _, d in shown(run)][1:] == [
        "Row 2 gives jean@example.org another name or member state.",
        "Row 2 gives jean@example.org a role in ALPHA already.",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_new_person_at_once_create_one_account_and_no_error_page(
    role_users, states
):
    """They lock different projects, so both may plan "new account": the second to write meets
    the first's user name and writes nothing (a message, not an IntegrityError)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every write)")
    lead = role_users["lead"]
    runs = [
        preview(lead, P, csv_upload(_people_csv(f"Jean,Exemple,jean@example.org,FR,{p},member")))
        for p in ("ALPHA", "BRAVO")
    ]
    results = confirm_at_once(lead, runs)

    assert True in results
    assert len(results) == 2
    other = next(r for r in results if r is not True)
    assert other is False or other.startswith("Another change to the register was saved")
    assert User.objects.filter(email="jean@example.org").count() == 1
    assert ProjectRole.objects.filter(user__email="jean@example.org").count() == 1
    assert OutboxMail.objects.filter(kind="invitation").count() == 1
