from datetime import date

import pytest
from django.urls import reverse

from pesco_review.accounts.services import secretariat_group
from pesco_review.listing import PER_PAGE
from projects.enums import ListCoverage
from tests import factories

pytestmark = pytest.mark.django_db


def make_projects(count: int, *, coordinator=None) -> list:
    """`count` projects, each with a coordinator, two participants and an observer."""
    projects = []
    for _ in range(count):
        project = factories.ProjectFactory(phase=factories.LifecyclePhaseFactory())
        factories.ParticipationFactory(project=project, coordinator=True)
        factories.ParticipationFactory.create_batch(2, project=project)
        factories.ParticipationFactory(project=project, observer=True)
        if coordinator is not None:
            factories.ProjectRoleFactory(user=coordinator, project=project)
        projects.append(project)
    return projects


# role -> status of: home, list, own project, other project, admin index
ACCESS = {
    "coordinator": (200, 200, 200, 404, 302),
    "member": (200, 200, 200, 404, 302),
    "eda": (200, 200, 200, 200, 302),
    "eeas": (200, 200, 200, 200, 302),
    "eums": (200, 200, 200, 200, 302),
    "lead": (200, 200, 200, 200, 200),
    "leadership": (200, 200, 200, 200, 302),
    "superuser": (200, 200, 200, 200, 200),
    "no_role": (200, 200, 404, 404, 302),
}


@pytest.mark.parametrize("role", sorted(ACCESS))
def test_every_page_for_every_role_answers_per_matrix(
    client, role, role_users, project, other_project
):
    role_users["lead"].groups.add(secretariat_group())
    client.force_login(role_users[role])
    urls = [
        reverse("home"),
        reverse("projects:list"),
        project.get_absolute_url(),
        other_project.get_absolute_url(),
        reverse("admin:index"),
    ]

    statuses = tuple(client.get(url).status_code for url in urls)

    assert statuses == ACCESS[role]


def test_home_coordinator_sees_own_projects_by_role_only(
    client, role_users, project, other_project
):
    coordinator = role_users["coordinator"]
    third = factories.ProjectFactory(name="Charlie Project", acronym="CHARLIE", slug="charlie")
    factories.ProjectRoleFactory(user=coordinator, project=third, member=True)
    client.force_login(coordinator)

    response = client.get(reverse("home"))

    assert [p.acronym for p in response.context["page"].coordinated] == ["ALPHA"]
    assert [p.acronym for p in response.context["page"].membered] == ["CHARLIE"]
    assert response.context["page"].project_count == 2
    assert "Projects you coordinate" in response.text
    assert "BRAVO" not in response.text


def test_home_reviewer_counts_every_project_and_links_to_the_list(
    client, role_users, project, other_project
):
    client.force_login(role_users["eda"])

    response = client.get(reverse("home"))

    page = response.context["page"]
    assert (page.project_count, page.coordinated, page.membered) == (2, [], [])
    assert "Reviewer for the European Defence Agency (EDA)" in response.text
    assert "2 projects, 2 of them in review cycles." in response.text
    assert f'href="{reverse("projects:list")}"' in response.text
    assert "ALPHA" not in response.text


def test_home_user_without_role_is_told_so(client, role_users, project):
    client.force_login(role_users["no_role"])

    response = client.get(reverse("home"))

    assert "No project is assigned to your account yet" in response.text
    assert "ALPHA" not in response.text


def test_project_list_filters_by_domain_phase_state_and_status(client, role_users):
    maritime = factories.DomainFactory(name="Maritime", slug="maritime")
    space = factories.DomainFactory(name="Space", slug="space")
    execution = factories.LifecyclePhaseFactory()
    france = factories.MemberStateFactory(code="QF", name="Francia")
    a = factories.ProjectFactory(acronym="SEA", domain=maritime, phase=execution)
    b = factories.ProjectFactory(acronym="SKY", domain=space)
    c = factories.ProjectFactory(acronym="NOWHERE", domain=None, closed=True)
    factories.ParticipationFactory(project=a, state=france)
    factories.ParticipationFactory(project=b, state=france, until=date(2022, 1, 1))
    client.force_login(role_users["lead"])

    def acronyms(**query) -> list[str]:
        response = client.get(reverse("projects:list"), query)
        return sorted(p.acronym for p in response.context["page"].listing.rows)

    assert acronyms(domain="maritime") == ["SEA"]
    assert acronyms(domain="none") == ["NOWHERE"]
    assert acronyms(phase="execution") == ["SEA"]
    assert acronyms(state="QF") == ["SEA"]  # a former participation does not count
    assert acronyms(status="closed") == ["NOWHERE"]
    assert c.pk  # created, and filtered out above where it should be


def test_project_list_only_shows_a_coordinators_projects(
    client, role_users, project, other_project
):
    client.force_login(role_users["coordinator"])

    response = client.get(reverse("projects:list"))

    assert [p.acronym for p in response.context["page"].listing.rows] == ["ALPHA"]


def test_project_list_query_count_same_for_5_and_60_projects(
    client, django_assert_num_queries, role_users
):
    client.force_login(role_users["eda"])
    make_projects(5)
    with django_assert_num_queries(8):
        client.get(reverse("projects:list"))

    make_projects(55)
    with django_assert_num_queries(8):
        response = client.get(reverse("projects:list"))
    listing = response.context["page"].listing
    assert (len(listing.rows), listing.page.paginator.count) == (PER_PAGE, 62)


def test_home_query_count_same_for_5_and_60_projects(client, django_assert_num_queries):
    coordinator = factories.UserFactory()
    make_projects(5, coordinator=coordinator)
    client.force_login(coordinator)
    with django_assert_num_queries(8):
        client.get(reverse("home"))

    make_projects(55, coordinator=coordinator)
    with django_assert_num_queries(8):
        response = client.get(reverse("home"))
    assert len(response.context["page"].coordinated) == 50
    assert "50 of your 60 projects are listed here." in response.text


def test_project_detail_shows_participants_by_role_and_unknowns(client, role_users, project):
    germany = factories.MemberStateFactory(code="QD", name="Germania")
    usa = factories.MemberStateFactory(code="QU", name="Americas", third_state=True)
    factories.ParticipationFactory(project=project, state=germany, coordinator=True)
    factories.ParticipationFactory(project=project, state=usa)
    project.observers_recorded = False
    project.participants_coverage = ListCoverage.PARTIAL
    project.save()
    client.force_login(role_users["coordinator"])

    response = client.get(project.get_absolute_url())

    assert [p.state.name for p in response.context["coordinators"]] == ["Germania"]
    assert [p.state.name for p in response.context["participants"]] == ["Americas"]
    assert response.context["observers"] == []
    text = response.text
    assert "Partial list: only some members are known" in text
    assert "third state" in text
    # Observers unknown: "not recorded", never "none".
    observers_section = text.split("<h3>Observers</h3>")[1].split("</div>")[0]
    assert "not recorded" in observers_section
    assert "none" not in observers_section


def test_project_detail_shows_history_of_changes_with_who(client, role_users, project):
    lead = role_users["lead"]
    project.name = "Alpha Project Renamed"
    project._history_user = lead
    project.save()
    client.force_login(role_users["coordinator"])

    response = client.get(project.get_absolute_url())

    changes = [e for e in response.context["history"] if e.what == "project record changed"]
    assert len(changes) == 1
    assert changes[0].who == str(lead)
    assert changes[0].changes == ["Name: Alpha Project → Alpha Project Renamed"]


def test_project_detail_member_does_not_see_history(client, role_users, project):
    client.force_login(role_users["member"])

    response = client.get(project.get_absolute_url())

    assert "history" not in response.context
    assert "History of changes" not in response.text


def test_project_detail_query_count_independent_of_rows(
    client, django_assert_num_queries, role_users
):
    client.force_login(role_users["eda"])
    small = make_projects(1)[0]
    factories.MilestoneFactory(project=small)
    large = make_projects(1)[0]
    factories.ParticipationFactory.create_batch(20, project=large)
    factories.MilestoneFactory.create_batch(15, project=large)

    # 9: the reports across the cycles add one, the reports (none here, so no milestone updates)
    with django_assert_num_queries(9):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(9):
        response = client.get(large.get_absolute_url())
    assert len(response.context["milestones"]) == 15


def test_project_detail_partial_list_without_others_says_not_recorded(client, role_users, project):
    factories.ParticipationFactory(project=project, coordinator=True)
    project.participants_coverage = ListCoverage.PARTIAL
    project.save()
    client.force_login(role_users["coordinator"])

    response = client.get(project.get_absolute_url())

    section = response.text.split("<h3>Participants</h3>")[1].split("</div>")[0]
    assert "others not recorded" in section
    assert "none" not in section
