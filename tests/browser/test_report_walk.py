"""The walk of issue 3, in a real browser: a report goes through the whole review."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from reviews.enums import MilestoneStatus, ReportState
from reviews.models import Approval, ReportTransition
from tests import factories

# No `pytestmark = pytest.mark.django_db`: live_server gives the test transactional_db, so the
# server's thread sees what the test arranges and the test sees what the browser did.


def report_state(page: Page) -> Locator:
    return page.locator(".summary-line .state")


def test_report_walk_submit_request_changes_resubmit_three_approvals_ends_approved(
    sign_in, tmp_path
):
    # Arrange
    today = timezone.localdate()
    cycle = factories.ReviewCycleFactory(
        year=today.year,
        opens=today - timedelta(days=30),
        submission_deadline=today + timedelta(days=30),
        review_deadline=today + timedelta(days=60),
    )
    project = factories.ProjectFactory(name="Walk Project", acronym="WALK", slug="walk")
    coordinator = factories.ProjectRoleFactory(
        project=project,
        user__username="coordinator",
        user__first_name="Cora",
        user__last_name="Coordinator",
    ).user
    reviewers = {
        body: factories.UserFactory(
            username=f"{body.lower()}-reviewer",
            first_name=name,
            last_name="Reviewer",
            **{body.lower(): True},
        )
        for body, name in [("EDA", "Edda"), ("EEAS", "Eeva"), ("EUMS", "Ulla")]
    }
    for reviewer in reviewers.values():  # the secretariat signs in with a second factor
        factories.enrol_totp(reviewer)
    phase = factories.LifecyclePhaseFactory()
    report = factories.StatusReportFactory(cycle=cycle, project=project)
    for position, title in [(1, "Initial operating capability"), (2, "Full operating capability")]:
        factories.MilestoneUpdateFactory(
            report=report,
            milestone=factories.MilestoneFactory(project=project, position=position, title=title),
            status="",
            percent_complete=None,
        )
    report_path = f"/reports/{report.pk}/"

    # Act 1: the coordinator fills the report in and submits it.
    page = sign_in(coordinator)
    your_reports = page.locator("section", has=page.get_by_role("heading", name="Your reports"))
    expect(your_reports.get_by_role("row", name="WALK")).to_contain_text("Draft")
    your_reports.get_by_role("link", name="Fill in").click()
    expect(page).to_have_url(re.compile(rf"{report_path}edit/$"))
    page.select_option("#id_assessment", "minor_delays")
    page.select_option("#id_phase_reported", str(phase.pk))
    page.fill("#id_summary", "Initial capability reached; the second milestone slips.")
    page.fill("#id_achievements", "Initial operating capability declared in June.")
    page.fill("#id_risks", "A supplier is late; a second source is being qualified.")
    page.fill("#id_next_year_plan", "Full operating capability once the supplier delivers.")
    page.select_option("#id_m-0-status", MilestoneStatus.ON_TRACK)
    page.fill("#id_m-0-percent_complete", "90")
    page.fill("#id_m-0-forecast_date", "2026-06-30")
    page.select_option("#id_m-1-status", MilestoneStatus.DELAYED)
    page.fill("#id_m-1-percent_complete", "40")
    page.fill("#id_m-1-forecast_date", "2026-09-30")
    page.fill("#id_m-1-narrative", "The supplier delivers three months late.")
    page.get_by_role("button", name="Save and submit").click()
    expect(report_state(page)).to_have_text("Submitted")
    expect(page.locator(".summary-line")).to_contain_text("revision 1")
    expect(page.locator("table.milestones tbody tr[id^=milestone-] td:last-child")).to_have_text(
        ["on baseline", "+92 days"]  # computed from the forecasts against the 30 June baseline
    )

    # Act 2: the EDA reviewer comments and requests changes.
    page = sign_in(reviewers["EDA"])
    page.goto(report_path)
    comments = page.locator("#comments")
    comments.get_by_role("textbox", name="Add a comment").fill("How late is the supplier, exactly?")
    comments.get_by_role("button", name="Add comment").click()
    expect(page.locator("article.comment")).to_contain_text(["How late is the supplier"])
    page.fill("#reason-request_changes", "Give the supplier's new delivery date.")
    page.get_by_role("button", name="Request changes").click()
    expect(report_state(page)).to_have_text("Changes requested")

    # Act 3: the coordinator answers the comment and resubmits.
    page = sign_in(coordinator)
    page.goto(report_path)
    question = page.locator("article.comment", has_text="How late is the supplier")
    question.locator("summary", has_text="Reply").click()
    question.get_by_role("textbox", name="Reply").fill("Three months: delivery on 30 September.")
    question.get_by_role("button", name="Send reply").click()
    expect(page.locator("article.comment.reply")).to_contain_text(["delivery on 30 September"])
    page.get_by_role("button", name="Resubmit").click()
    expect(report_state(page)).to_have_text("Submitted")
    expect(page.locator(".summary-line")).to_contain_text("revision 2")

    # Act 4: each body's reviewer approves.
    for body, reviewer in reviewers.items():
        page = sign_in(reviewer)
        page.goto(report_path)
        page.get_by_role("button", name=f"Approve for the {body}").click()
        expect(page.locator(".approvals")).to_contain_text(f"{body}: approved revision 2")

    # Assert: the page…
    expect(report_state(page)).to_have_text("Approved")
    expect(page.locator(".approvals .approval")).to_have_text(
        [f"{body}: approved revision 2" for body in reviewers]
    )
    workflow = page.locator("section", has=page.get_by_role("heading", name="Workflow"))
    steps = [line.split(" · ", 1)[1] for line in workflow.locator("ol > li").all_inner_texts()]
    assert steps == [
        "Cora Coordinator · Submit · draft → submitted · revision 1",
        "Edda Reviewer (EDA) · Request changes · submitted → changes requested · revision 1\n"
        "“Give the supplier's new delivery date.”",
        "Cora Coordinator · Resubmit · changes requested → submitted · revision 2",
        "Edda Reviewer (EDA) · Approve · submitted → submitted · revision 2",
        "Eeva Reviewer (EEAS) · Approve · submitted → submitted · revision 2",
        "Ulla Reviewer (EUMS) · Approve · submitted → approved · revision 2",
    ]
    screenshot = tmp_path / "report-approved.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 0

    # …and the database.
    report.refresh_from_db()
    assert (report.state, report.revision) == (ReportState.APPROVED, 2)
    assert sorted(
        Approval.objects.filter(report=report, revision=2).values_list("body", "reviewer")
    ) == [(body, reviewer.pk) for body, reviewer in reviewers.items()]
    assert list(
        ReportTransition.objects.filter(report=report)
        .order_by("at", "pk")
        .values_list("action", "actor", "revision")
    ) == [
        ("submit", coordinator.pk, 1),
        ("request_changes", reviewers["EDA"].pk, 1),
        ("resubmit", coordinator.pk, 2),
        ("approve", reviewers["EDA"].pk, 2),
        ("approve", reviewers["EEAS"].pk, 2),
        ("approve", reviewers["EUMS"].pk, 2),
    ]
