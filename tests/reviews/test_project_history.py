"""The project page's reports across the review cycles: who sees which row and which assessment
(a draft never leaks through this side door), the chart and its text alternative, the cost in
queries whatever the number of cycles."""

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from reviews import services
from reviews.enums import Assessment
from reviews.selectors.years import YearRow
from reviews.workflow import report_transition
from reviews.year_charts import TOP, year_charts
from tests import factories
from tests.reviews.test_rules_for_everyone import approve_all

pytestmark = pytest.mark.django_db

BASELINE = date(2026, 6, 30)
SENT_BACK, APPROVED, DRAFT = 2024, 2025, 2026


def forecast(days: int) -> date:
    return BASELINE + timedelta(days=days)


def open_cycle(year: int):
    """A cycle open to submissions today (whatever its year), closed by the test when done."""
    return factories.ReviewCycleFactory(
        year=year,
        opens=date(year, 1, 15),
        submission_deadline=date(2027, 6, 30),
        review_deadline=date(2027, 7, 31),
    )


def report_of(year: int, milestone, *, assessment: str, days: int):
    report = factories.StatusReportFactory(
        cycle=open_cycle(year), project=milestone.project, complete=True, assessment=assessment
    )
    factories.MilestoneUpdateFactory(
        report=report, milestone=milestone, forecast_date=forecast(days)
    )
    return report


def submit(report, role_users):
    return report_transition(report=report, action="submit", actor=role_users["coordinator"])


def send_back_and_revise(report, role_users, *, assessment: str, days: int):
    """Changes requested, then the coordinator saves new text and has not resubmitted it."""
    report = report_transition(
        report=submit(report, role_users),
        action="request_changes",
        actor=role_users["eda"],
        reason="Explain the delay.",
        expected_revision=1,
    )
    update = report.updates.get()
    return services.report_update(
        actor=role_users["coordinator"],
        report=report,
        expected_version=report.version,
        values={"assessment": assessment},
        updates={update.pk: {"forecast_date": forecast(days)}},
    )


def close(report, role_users):
    services.cycle_close(actor=role_users["lead"], cycle=report.cycle)


@pytest.fixture
def milestone(project):
    return factories.MilestoneFactory(project=project, position=1, baseline_due=BASELINE)


@pytest.fixture
def three_years(milestone, role_users):
    """2024 sent back (submitted: minor delays, +61 days; the coordinator's unsubmitted revision:
    major delays, +277), 2025 approved (on track, +29), 2026 a draft (critical, +401)."""
    sent_back = report_of(SENT_BACK, milestone, assessment=Assessment.MINOR_DELAYS, days=61)
    send_back_and_revise(sent_back, role_users, assessment=Assessment.MAJOR_DELAYS, days=277)
    close(sent_back, role_users)
    approved = report_of(APPROVED, milestone, assessment=Assessment.ON_TRACK, days=29)
    approve_all(submit(approved, role_users), role_users)
    close(approved, role_users)
    report_of(DRAFT, milestone, assessment=Assessment.CRITICAL, days=401)
    return milestone.project


class Rows(HTMLParser):
    """The text of each cell of each body row of the table with id `years-table`."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_table = self.in_body = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "years-table") in attrs:
            self.in_table = True
        elif self.in_table and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = self.in_table = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


def desc(html: str, name: str) -> str:
    found = re.search(rf'<desc id="years-{name}-desc">(.*?)</desc>', html, re.S)
    assert found, f"no description of the {name} chart"
    return " ".join(found.group(1).split())


OWN = [
    ["2026", "Draft", "Critical", "1 of 1", "+401 days", "Open the 2026 report"],
    ["2025", "Approved", "On track", "1 of 1", "+29 days", "Open the 2025 report"],
    ["2024", "Changes requested", "Major delays", "1 of 1", "+277 days", "Open the 2024 report"],
]
SUBMITTED = [
    ["2025", "Approved", "On track", "1 of 1", "+29 days", "Open the 2025 report"],
    [
        "2024",
        "Changes requested",
        "Minor delays (as last submitted)",
        "1 of 1",
        "+61 days",
        "Open the 2024 report",
    ],
]
SEES = {
    "coordinator": OWN,
    "member": OWN,
    "eda": SUBMITTED,
    "eeas": SUBMITTED,
    "eums": SUBMITTED,
    "lead": SUBMITTED,
    "leadership": SUBMITTED,
    "superuser": SUBMITTED,
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_project_years_each_role_sees_its_rows_and_their_assessments(
    client, role_users, three_years, role
):
    client.force_login(role_users[role])

    response = client.get(three_years.get_absolute_url())

    assert table_rows(response.text) == SEES[role]


DRAFT_FIGURES = ("+401", "+277", "401 days", "277 days")  # the unsubmitted days late


@pytest.mark.parametrize("role", sorted(SEES))
def test_project_years_chart_shows_the_figures_of_the_rows_each_role_sees(
    client, role_users, three_years, role
):
    own = SEES[role] is OWN
    client.force_login(role_users[role])

    html = client.get(three_years.get_absolute_url()).text

    if own:
        assert desc(html, "assessment") == "2024: Major delays; 2025: On track; 2026: Critical."
        assert desc(html, "slippage") == "2024: +277 days; 2025: +29 days; 2026: +401 days."
    else:
        assert desc(html, "assessment") == "2024: Minor delays; 2025: On track."
        assert desc(html, "slippage") == "2024: +61 days; 2025: +29 days."
    draft_link = f"/reports/{three_years.reports.get(cycle__year=DRAFT).pk}/"
    leaked = [s for s in (*DRAFT_FIGURES, draft_link) if s in html]
    assert leaked == ([] if not own else [*DRAFT_FIGURES, draft_link])


@pytest.mark.parametrize("role", ["staff", "no_role", "other_coordinator"])
def test_project_years_are_not_shown_to_those_outside_the_project(
    client, role_users, three_years, role
):
    other_coordinator = factories.ProjectRoleFactory(project=factories.ProjectFactory()).user
    client.force_login(role_users.get(role, other_coordinator))

    response = client.get(three_years.get_absolute_url())

    assert (response.status_code, "years-table" in response.text) == (404, False)


def test_project_years_chart_is_inline_svg_labelled_without_script_or_inline_style(
    client, role_users, three_years
):
    client.force_login(role_users["eda"])

    response = client.get(three_years.get_absolute_url())

    html = response.text
    section = html[html.index('id="years-heading"') : html.index("</section>", html.index("years"))]
    charts = re.findall(r"<svg [^>]*>", section)
    assert [re.search(r'aria-labelledby="([^"]+)"', svg).group(1) for svg in charts] == [
        "years-assessment-title years-assessment-desc",
        "years-slippage-title years-slippage-desc",
    ]
    assert all('role="img"' in svg for svg in charts)
    assert re.findall(r'<title id="(years-[a-z]+-title)">', section) == [
        "years-assessment-title",
        "years-slippage-title",
    ]
    assert ("style=" in section, "<style" in section, "<script" in section) == (False,) * 3
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_project_years_chart_places_each_assessment_on_its_level(client, role_users, three_years):
    client.force_login(role_users["coordinator"])

    html = client.get(three_years.get_absolute_url()).text

    points = re.findall(r'<circle class="point level-([a-z_]+)" cx="[\d.]+" cy="([\d.]+)"', html)
    levels = {level: float(y) for level, y in points}
    assert [p[0] for p in points] == ["major_delays", "on_track", "critical"]
    assert levels["on_track"] < levels["major_delays"] < levels["critical"]


def test_project_years_without_reports_say_so_and_draw_no_chart(client, role_users, project):
    client.force_login(role_users["lead"])

    html = client.get(project.get_absolute_url()).text

    assert "No report of this project that you may see yet." in html
    assert "<svg" not in html


def test_project_years_a_demo_report_is_marked_as_demonstration_data(client, role_users, milestone):
    report = report_of(DRAFT, milestone, assessment=Assessment.ON_TRACK, days=0)
    report.is_demo = True
    report.save()
    client.force_login(role_users["coordinator"])

    rows = table_rows(client.get(milestone.project.get_absolute_url()).text)

    assert rows == [
        ["2026", "Draft demo", "On track", "0 of 1", "on baseline", "Open the 2026 report"]
    ]


# Cost: the same queries for one cycle and for six ---------------------------------------------


@pytest.fixture
def one_and_six(role_users, project):
    """A project of the coordinator's with a report in one cycle, another with reports in six;
    every report sent back and revised since, every cycle closed."""
    one = factories.ProjectFactory()
    factories.ProjectRoleFactory(user=role_users["coordinator"], project=one)
    milestones = {
        p.pk: factories.MilestoneFactory(project=p, baseline_due=BASELINE) for p in (one, project)
    }
    for year in range(2021, 2027):
        for each in [one, project] if year == 2026 else [project]:
            report = report_of(
                year, milestones[each.pk], assessment=Assessment.ON_TRACK, days=year - 2020
            )
            send_back_and_revise(report, role_users, assessment=Assessment.CRITICAL, days=99)
        close(report, role_users)
    return one, project


@pytest.mark.parametrize(("role", "queries"), [("coordinator", 11), ("eda", 10)])
def test_project_years_query_count_same_for_1_and_6_cycles(
    client, django_assert_num_queries, role_users, one_and_six, role, queries
):
    one, six = one_and_six
    client.force_login(role_users[role])

    with django_assert_num_queries(queries):
        first = client.get(one.get_absolute_url())
    with django_assert_num_queries(queries):
        second = client.get(six.get_absolute_url())

    assert (len(table_rows(first.text)), len(table_rows(second.text))) == (1, 6)


# The charts' geometry -------------------------------------------------------------------------


def row(year: int, assessment: str, largest: int | None) -> YearRow:
    return YearRow(
        year=year,
        url=f"/reports/{year}/",
        state="approved",
        state_label="Approved",
        is_demo=False,
        as_submitted=False,
        assessment=assessment,
        assessment_label=Assessment(assessment).label if assessment else "",
        dated=0 if largest is None else 1,
        late=int((largest or 0) > 0),
        largest_slippage=largest,
    )


def test_year_charts_a_year_without_assessment_breaks_the_line_and_says_so():
    rows = [row(2022, "on_track", 10), row(2023, "", None), row(2024, "critical", 5)]
    rows += [row(2025, "minor_delays", 0)]

    charts = year_charts(rows)

    assert [p.level for p in charts.points] == ["on_track", "critical", "minor_delays"]
    assert len(charts.lines) == 1  # 2024 to 2025; 2022 stands alone
    assert charts.assessment_text == (
        "2022: On track; 2023: not given; 2024: Critical; 2025: Minor delays."
    )
    assert charts.slippage_text == (
        "2022: +10 days; 2023: no milestone dated; 2024: +5 days; 2025: on baseline."
    )


def test_year_charts_a_milestone_ahead_of_its_baseline_draws_no_bar_and_is_labelled():
    charts = year_charts([row(2025, "on_track", -12), row(2026, "on_track", 100)])

    assert [(b.label, b.height > 0) for b in charts.bars] == [("-12", False), ("+100", True)]
    assert [t.label for t in charts.days] == ["0 days", "120 days"]
    assert charts.bars[1].label_y > TOP  # the label stays inside the plot, below its top


def test_year_charts_none_without_rows():
    assert year_charts([]) is None
