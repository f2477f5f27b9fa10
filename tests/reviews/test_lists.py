"""No page lists the whole register: the queue, the cycle overview and the project list show a
page at a time (search, sort and filters in the URL, every filter in SQL), the home pages
summarise, and every page costs the same queries with 3 reports as with 120."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.listing import PER_PAGE
from projects.enums import ListCoverage, ParticipationRole, ProjectStatus
from projects.models import Participation, Project
from reviews.enums import ReportState
from reviews.models import Approval, ReviewCycle, StatusReport
from reviews.selectors import conditions
from tests import factories

pytestmark = pytest.mark.django_db

NARRATIVE_COLUMNS = [
    f'"reviews_statusreport"."{name}"'
    for name in (*StatusReport.NARRATIVE_FIELDS, "extension_reason")
] + [
    '"projects_project"."source_record"',
    '"projects_project"."extra_sources"',
    '"projects_project"."description"',
    '"projects_project"."notes"',
    '"projects_memberstate"."source_record"',
    '"projects_wave"."source_record"',
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Once for the module (rolled back at its end): a user of every role, an open cycle and
    three projects with a report each (ALPHA is the coordinator's and the member's)."""
    with django_db_blocker.unblock(), transaction.atomic():
        maritime = factories.DomainFactory(name="Maritime", slug="maritime", position=1)
        space = factories.DomainFactory(name="Space", slug="space", position=2)
        alpha = factories.ProjectFactory(name="Alpha Project", acronym="ALPHA", domain=maritime)
        bravo = factories.ProjectFactory(name="Bravo Project", acronym="BRAVO", domain=space)
        charlie = factories.ProjectFactory(name="Charlie Project", acronym="CHARLIE", domain=space)
        users = factories.role_users(alpha)
        cycle = factories.ReviewCycleFactory()
        for project, state in ((alpha, "draft"), (bravo, "submitted"), (charlie, "approved")):
            factories.StatusReportFactory(
                cycle=cycle,
                project=project,
                complete=True,
                state=state,
                submitted_at=None if state == "draft" else timezone.now() - timedelta(days=30),
            )
        yield {"users": users, "cycle": cycle, "domains": {"maritime": maritime, "space": space}}
        transaction.set_rollback(True)


def grow(world, count: int, *, start: int = 0) -> list[StatusReport]:
    """`count` more projects (bench data) with a report each, in bulk: a quarter each draft,
    submitted, sent back past its answer-by date (overdue), approved; the EDA approved every
    third one's current revision."""
    cycle, domains = world["cycle"], list(world["domains"].values())
    wave, state = factories.WaveFactory(), factories.MemberStateFactory(code="QA")
    projects = Project.objects.bulk_create(
        Project(
            name=f"Bench project {start + i:03}",
            acronym=f"BENCH{start + i:03}",
            slug=f"bench-{start + i:03}",
            domain=domains[i % 2],
            wave=wave,
            status=ProjectStatus.ACTIVE,
            participants_coverage=ListCoverage.COMPLETE,
            source_record={"note": "bench data, not a PESCO project"},
        )
        for i in range(count)
    )
    Participation.objects.bulk_create(
        Participation(project=p, state=state, role=ParticipationRole.COORDINATOR) for p in projects
    )
    states = ["draft", "submitted", "changes_requested", "approved"]
    now, today = timezone.now(), timezone.localdate()
    reports = StatusReport.objects.bulk_create(
        StatusReport(
            cycle=cycle,
            project=p,
            state=states[i % 4],
            summary="Bench narrative.",
            answer_by=today - timedelta(days=2) if states[i % 4] == "changes_requested" else None,
            submitted_at=None if i % 4 == 0 else now - timedelta(days=count - i),
        )
        for i, p in enumerate(projects)
    )
    Approval.objects.bulk_create(
        Approval(report=r, revision=1, body=SecretariatBody.EDA, reviewer=world["users"]["eda"])
        for r in reports[::3]
    )
    return reports


def url_of(name: str, world) -> str:
    if name == "cycle":
        return reverse("reviews:cycle", args=[world["cycle"].year])
    return reverse({"queue": "reviews:queue", "projects": "projects:list"}.get(name, name))


def fetch(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, (url, params)
    return response, [q["sql"] for q in queries.captured_queries]


PAGES = [
    *[("queue", role) for role in ("eda", "eeas", "eums", "lead", "superuser")],
    *[("cycle", role) for role in ("lead", "leadership", "superuser", "eda")],
    *[("projects", role) for role in ("coordinator", "eda", "leadership")],
    *[
        ("home", role)
        for role in ("coordinator", "member", "eda", "eeas", "eums", "lead", "leadership")
    ],
    ("home", "superuser"),
]


def rows_shown(response) -> int:
    return len(re.findall(r"<tr[ >]", response.text.split("<tbody>", 1)[-1]))


@pytest.mark.parametrize(("page", "role"), PAGES)
def test_list_pages_cost_the_same_for_3_and_120_reports_and_show_a_page_at_most(
    client, world, page, role
):
    client.force_login(world["users"][role])
    url = url_of(page, world)
    client.get(url)  # the session's first request settles what it caches
    _, few = fetch(client, url)

    grow(world, 117)
    response, many = fetch(client, url)

    assert len(many) == len(few) <= 15, "\n".join(many)
    if page in ("queue", "cycle", "projects"):
        listing = response.context["page"].listing
        shown = 1 if role == "coordinator" else PER_PAGE  # a coordinator sees their own only
        assert (len(listing.rows), listing.page.number) == (shown, 1)
        assert f"1–{shown} of" in response.text
        assert rows_shown(response) <= PER_PAGE + 3  # the page, a header, an empty versions table
    else:
        assert rows_shown(response) <= 5 + 3  # the next five, or a person's own few


# A coordinator's home page reads their own few reports whole: what is missing needs the text.
@pytest.mark.parametrize(("page", "role"), [p for p in PAGES if p != ("home", "coordinator")])
def test_list_pages_load_no_narrative_and_no_source_record(client, world, page, role):
    grow(world, 10)
    client.force_login(world["users"][role])

    _, sql = fetch(client, url_of(page, world))

    loaded = sorted({column for column in NARRATIVE_COLUMNS for query in sql if column in query})
    assert loaded == []


BAD_INPUT = [
    {"page": "abc"},
    {"page": "-3"},
    {"page": "0"},
    {"page": "99999"},
    {"sort": "evil"},
    {"sort": "-"},
    {"state": "nonsense"},
    {"domain": "nowhere"},
    {"overdue": "yes", "undecided": "maybe", "not_approved": "2"},
    {"status": "'; drop table x; --", "phase": "\x00"},
    {"q": "x" * 500},
    {"page": "2", "sort": ["project", "-state"]},
]


@pytest.mark.parametrize("page", ["queue", "cycle", "projects"])
def test_list_pages_bad_input_is_left_out_never_500(client, world, page):
    grow(world, 120)
    client.force_login(world["users"]["lead"])

    for params in BAD_INPUT:
        response, _ = fetch(client, url_of(page, world), **params)

        listing = response.context["page"].listing
        last = listing.page.paginator.num_pages
        expected = {"99999": last, "2": 2}.get(params.get("page"), 1)
        assert (listing.page.number, last >= 2) == (expected, True), params


def test_queue_bad_values_are_named_and_the_default_order_kept(client, world):
    grow(world, 12)
    client.force_login(world["users"]["eda"])

    response, _ = fetch(client, url_of("queue", world), sort="evil", state="nonsense")

    assert "Sort by: Select a valid choice." in response.text
    assert "State: Select a valid choice." in response.text
    submitted = [row.report.submitted_at for row in response.context["page"].listing.rows]
    assert submitted == sorted(submitted)
    assert re.search(r'<th scope="col" aria-sort="ascending"><a [^>]*>Submitted', response.text)


def test_queue_next_page_link_keeps_search_sort_and_filters(client, world):
    grow(world, 120)
    client.force_login(world["users"]["lead"])

    response, _ = fetch(
        client, url_of("queue", world), q="bench", domain="space", sort="-project", page="1"
    )

    listing = response.context["page"].listing
    expected = sorted(
        StatusReport.objects.filter(
            submitted_at__isnull=False,
            project__domain__slug="space",
            project__acronym__startswith="BENCH",
        ).values_list("project__name", flat=True),
        reverse=True,
    )
    assert listing.page.paginator.count == len(expected) == 60  # every odd one, none a draft
    assert [row.report.project.name for row in listing.rows] == expected[:PER_PAGE]
    [next_link] = set(re.findall(r'href="([^"]*)" rel="next"', response.text))  # top, bottom
    assert next_link == "?q=bench&amp;domain=space&amp;sort=-project&amp;page=2"
    assert re.search(r'<th scope="col" aria-sort="descending"><a [^>]*>Project', response.text)
    current = (
        '<a href="?q=bench&amp;domain=space&amp;sort=-project&amp;page=1" aria-current="page">'
    )
    assert current in response.text
    second, _ = fetch(client, url_of("queue", world) + next_link.replace("&amp;", "&"))
    second_page = expected[PER_PAGE : 2 * PER_PAGE]
    assert [r.report.project.name for r in second.context["page"].listing.rows] == second_page


def test_queue_undecided_and_overdue_are_sql_and_mean_what_the_report_says(client, world):
    reports = grow(world, 40)
    old = reports[9]  # submitted; the EDA approved revision 1, then it was resubmitted
    StatusReport.objects.filter(pk=old.pk).update(revision=2)
    client.force_login(world["users"]["eda"])

    response, _ = fetch(client, url_of("queue", world), undecided="1")
    undecided = {row.report.pk for row in response.context["page"].listing.rows}
    response, _ = fetch(client, url_of("queue", world), overdue="1")
    overdue = {row.report.pk for row in response.context["page"].listing.rows}

    everything = StatusReport.objects.select_related("cycle").prefetch_related("approvals")
    expected_undecided = {
        r.pk
        for r in everything
        if r.was_submitted
        and r.is_in_review
        and not any(a.body == "EDA" and a.revision == r.revision for a in r.approvals.all())
    }
    assert old.pk in undecided
    assert undecided == expected_undecided
    assert overdue == {r.pk for r in everything if r.was_submitted and r.is_overdue}
    assert len(overdue) == 10


def test_overdue_condition_agrees_with_the_report_property(world):
    reports = grow(world, 8)
    today = timezone.localdate()
    StatusReport.objects.filter(pk=reports[0].pk).update(extended_deadline=today - timedelta(1))
    StatusReport.objects.filter(pk=reports[4].pk).update(extended_deadline=today + timedelta(1))
    StatusReport.objects.filter(pk=reports[2].pk).update(answer_by=today + timedelta(3))
    ReviewCycle.objects.filter(pk=world["cycle"].pk).update(
        submission_deadline=today - timedelta(days=1)
    )

    everything = StatusReport.objects.select_related("cycle")
    in_sql = set(everything.filter(conditions.overdue()).values_list("pk", flat=True))

    assert in_sql == {r.pk for r in everything if r.is_overdue}
    assert {reports[0].pk, reports[6].pk} <= in_sql
    assert not {reports[4].pk, reports[2].pk} & in_sql


def test_cycle_overview_counts_come_from_grouped_counts_over_every_report(client, world):
    reports = grow(world, 40)
    StatusReport.objects.filter(pk=reports[3].pk).update(revision=2)  # its EDA approval is old
    client.force_login(world["users"]["lead"])

    response, sql = fetch(client, url_of("cycle", world))

    counts = response.context["page"].counts
    assert counts.by_state == [
        ("Draft", "draft", 11),
        ("Submitted", "submitted", 11),
        ("Changes requested", "changes_requested", 10),
        ("Approved", "approved", 11),
    ]
    assert counts.by_body == [("EDA", 14 - 1), ("EEAS", 0), ("EUMS", 0)]
    assert (counts.overdue, counts.not_approved) == (10, 32)
    reads = [q for q in sql if 'FROM "reviews_statusreport"' in q]
    assert [q for q in reads if " COUNT(" not in q and " LIMIT " not in q] == []


def test_cycle_overview_filters_search_and_sorts_the_reports(client, world):
    grow(world, 40)
    client.force_login(world["users"]["leadership"])
    url = url_of("cycle", world)

    def rows(**params) -> list[str]:
        response, _ = fetch(client, url, **params)
        return [row.report.project.acronym for row in response.context["page"].listing.rows]

    def count(**params) -> int:
        response, _ = fetch(client, url, **params)
        return response.context["page"].listing.page.paginator.count

    assert rows(q="charlie") == ["CHARLIE"]
    assert rows(q="bench03", sort="-project") == [f"BENCH03{i}" for i in range(9, -1, -1)]
    assert len(rows(state="changes_requested")) == 10
    assert len(rows(overdue="1")) == 10
    assert count(not_approved="1") == 30 + 2
    assert len(rows(not_approved="1")) == min(PER_PAGE, 30 + 2)
    assert rows(domain="maritime", q="alpha") == ["ALPHA"]


def test_project_list_searches_filters_and_pages_in_the_url(client, world):
    grow(world, 120)
    client.force_login(world["users"]["eda"])

    response, _ = fetch(client, url_of("projects", world), domain="space", sort="project")

    listing = response.context["page"].listing
    assert listing.page.paginator.count == 60 + 2
    assert [p.acronym for p in listing.rows[:3]] == ["BENCH001", "BENCH003", "BENCH005"]
    assert 'href="?domain=space&amp;sort=project&amp;page=2" rel="next"' in response.text
    assert f"1–{PER_PAGE} of 62 projects" in response.text
    response, _ = fetch(client, url_of("projects", world), q="bravo")
    assert [p.acronym for p in response.context["page"].listing.rows] == ["BRAVO"]


def test_home_reviewer_sees_counts_and_their_next_five_not_the_register(client, world):
    reports = grow(world, 40)
    client.force_login(world["users"]["eda"])

    response, _ = fetch(client, reverse("home"))

    page = response.context["page"]
    waiting = [r for r in reports if r.state == ReportState.SUBMITTED and r not in reports[::3]]
    waiting.append(StatusReport.objects.get(project__acronym="BRAVO"))
    waiting.sort(key=lambda r: r.submitted_at)
    assert page.queue_count == len(waiting) == 7 + 1
    assert page.next_reports == [] or [r.report.pk for r in page.next_reports] == [
        r.pk for r in waiting[:5]
    ]
    assert len(page.next_reports) == 5
    assert (page.project_count, page.in_review_count) == (43, 43)
    assert "43 projects, 43 of them in review cycles" in response.text
    assert 'href="/queue/?undecided=1&amp;state=submitted"' in response.text
    assert rows_shown(response) == 5


def test_home_coordinator_keeps_their_own_reports_and_projects(client, world):
    grow(world, 30)
    client.force_login(world["users"]["coordinator"])

    response, _ = fetch(client, reverse("home"))

    page = response.context["page"]
    assert [mine.report.project.acronym for mine in page.my_reports] == ["ALPHA"]
    assert [p.acronym for p in page.coordinated] == ["ALPHA"]
    assert (page.project_count, page.queue_count, page.counts) == (1, None, None)
    assert "BENCH" not in response.text


def test_home_leadership_sees_the_cycle_figures_and_links_to_the_lists(client, world):
    grow(world, 20)
    client.force_login(world["users"]["leadership"])

    response, _ = fetch(client, reverse("home"))

    page = response.context["page"]
    assert page.counts.overdue == 5
    year = world["cycle"].year
    assert f'href="/cycles/{year}/?overdue=1#reports">overdue</a>' in response.text
    assert 'href="/projects/"' in response.text
    assert "Leadership overview: 23 projects, 23 in review cycles." in response.text
    assert page.queue_count is None


def test_cycle_overview_once_closed_counts_the_reports_not_approved_and_links_to_them(
    client, world
):
    grow(world, 8)
    ReviewCycle.objects.filter(pk=world["cycle"].pk).update(state="closed")
    client.force_login(world["users"]["lead"])

    response, _ = fetch(client, url_of("cycle", world))

    assert response.context["page"].missing == 6 + 2  # 2 of the 8 approved; ALPHA, BRAVO not
    assert "8 reports were not approved." in response.text
    listed, _ = fetch(client, url_of("cycle", world), not_approved="1")
    assert listed.context["page"].listing.page.paginator.count == 8
