"""The review pages, as each role sees them."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.enums import ReportState
from reviews.models import (
    Comment,
    MilestoneProposal,
    ReportTransition,
    ReportView,
    ReviewCycle,
    StatusReport,
)
from reviews.selectors.content import snapshot
from reviews.workflow import report_transition
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(project):
    report = factories.StatusReportFactory(project=project, complete=True)
    factories.MilestoneUpdateFactory(report=report, milestone__position=1)
    return report


@pytest.fixture
def submitted(report, role_users):
    return report_transition(report=report, action="submit", actor=role_users["coordinator"])


def report_urls(report) -> list[tuple[str, str]]:
    """Every URL of one report, with the method a browser would use."""
    update = report.updates.first()
    comment = factories_comment(report)
    proposal = MilestoneProposal.objects.create(
        report=report, title="New", proposed_due=date(2027, 1, 1), proposed_by=comment.author
    )
    return [
        ("get", reverse("reviews:report", args=[report.pk])),
        ("get", reverse("reviews:report_edit", args=[report.pk])),
        ("post", reverse("reviews:report_edit", args=[report.pk])),
        ("post", reverse("reviews:report_action", args=[report.pk, "submit"])),
        ("post", reverse("reviews:report_action", args=[report.pk, "approve"])),
        ("post", reverse("reviews:comment_create", args=[report.pk])),
        ("post", reverse("reviews:extension", args=[report.pk])),
        ("post", reverse("reviews:baseline", args=[report.pk, update.milestone_id])),
        ("post", reverse("reviews:proposal_create", args=[report.pk])),
        ("post", reverse("reviews:comment_resolve", args=[comment.pk])),
        ("post", reverse("reviews:proposal_decide", args=[proposal.pk])),
    ]


def factories_comment(report) -> Comment:
    return Comment.objects.create(
        report=report, author=factories.UserFactory(eda=True), body="Noted.", revision=1
    )


def test_report_urls_of_another_project_answer_404_to_a_coordinator(
    client, role_users, other_project
):
    other = factories.StatusReportFactory(project=other_project, complete=True)
    factories.MilestoneUpdateFactory(report=other)
    other.submitted_at = timezone.now()
    other.state = ReportState.SUBMITTED
    other.save()
    client.force_login(role_users["coordinator"])

    statuses = {url: getattr(client, method)(url).status_code for method, url in report_urls(other)}

    assert set(statuses.values()) == {404}, statuses
    assert StatusReport.objects.get(pk=other.pk).state == ReportState.SUBMITTED


def test_report_unsubmitted_draft_answers_404_to_the_secretariat_and_leadership(
    client, role_users, report
):
    for role in ("eda", "lead", "leadership"):
        client.force_login(role_users[role])
        assert client.get(report.get_absolute_url()).status_code == 404, role


# role -> (report page, edit page) for a submitted report of the role's project. Who may see
# the report but not edit it is sent back to the report with a message; nobody else learns of it.
ACCESS = {
    "coordinator": (200, 302),
    "member": (200, 302),
    "eda": (200, 302),
    "eeas": (200, 302),
    "eums": (200, 302),
    "lead": (200, 302),
    "leadership": (200, 302),
    "no_role": (404, 404),
}


@pytest.mark.parametrize("role", sorted(ACCESS))
def test_report_pages_for_every_role_answer_per_matrix(client, role_users, submitted, role):
    client.force_login(role_users[role])

    statuses = (
        client.get(reverse("reviews:report", args=[submitted.pk])).status_code,
        client.get(reverse("reviews:report_edit", args=[submitted.pk])).status_code,
    )

    assert statuses == ACCESS[role]


# role -> (queue, cycle list, cycle overview)
PAGES = {
    "coordinator": (403, 403, 403),
    "member": (403, 403, 403),
    "eda": (200, 200, 200),
    "lead": (200, 200, 200),
    "leadership": (403, 200, 200),
    "no_role": (403, 403, 403),
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_review_pages_for_every_role_answer_per_matrix(client, role_users, report, role):
    client.force_login(role_users[role])
    urls = [
        reverse("reviews:queue"),
        reverse("reviews:cycles"),
        reverse("reviews:cycle", args=[report.cycle.year]),
    ]

    assert tuple(client.get(url).status_code for url in urls) == PAGES[role]


def test_internal_comments_never_reach_coordinator_member_or_leadership(
    client, role_users, submitted
):
    eda = role_users["eda"]
    update = submitted.updates.first()
    from reviews.services import comment_add

    comment_add(actor=eda, report=submitted, body="INTERNAL-NOTE-1", visibility="internal")
    comment_add(
        actor=eda, report=submitted, body="INTERNAL-NOTE-2", visibility="internal", update=update
    )
    comment_add(actor=eda, report=submitted, body="SHARED-NOTE", visibility="shared")
    pages = [
        reverse("home"),
        reverse("reviews:report", args=[submitted.pk]),
        reverse("projects:detail", args=[submitted.project.slug]),
    ]

    for role in ("coordinator", "member", "leadership"):
        client.force_login(role_users[role])
        for url in pages:
            text = client.get(url).text
            assert "INTERNAL-NOTE" not in text, (role, url)
        report_page = client.get(pages[1]).text
        assert "SHARED-NOTE" in report_page
    client.force_login(role_users["eeas"])
    assert "INTERNAL-NOTE-2" in client.get(pages[1]).text


def test_report_edit_coordinator_saves_draft_and_form_ignores_other_fields(
    client, role_users, report, other_project
):
    update = report.updates.get()
    foreign = factories.MilestoneUpdateFactory(
        report=factories.StatusReportFactory(project=other_project), narrative="untouched"
    )
    client.force_login(role_users["coordinator"])
    data = form_data(report, summary="A new summary.")
    data.update({"state": "approved", "revision": "9", "project": str(other_project.pk)})

    response = client.post(reverse("reviews:report_edit", args=[report.pk]), data)

    report.refresh_from_db()
    assert response.status_code == 302
    assert (report.summary, report.state, report.revision, report.project_id) == (
        "A new summary.",
        ReportState.DRAFT,
        1,
        report.project_id,
    )
    assert report.updates.get().pk == update.pk
    foreign.refresh_from_db()
    assert foreign.narrative == "untouched"


def test_report_edit_another_reports_update_id_is_refused(
    client, role_users, report, other_project
):
    foreign = factories.MilestoneUpdateFactory(
        report=factories.StatusReportFactory(project=other_project), narrative="untouched"
    )
    client.force_login(role_users["coordinator"])
    data = form_data(report)
    data["m-0-id"] = str(foreign.pk)
    data["m-0-narrative"] = "hijacked"

    client.post(reverse("reviews:report_edit", args=[report.pk]), data)

    foreign.refresh_from_db()
    assert foreign.narrative == "untouched"


def test_report_edit_invalid_percent_comes_back_filled_with_error_beside_field(
    client, role_users, report
):
    client.force_login(role_users["coordinator"])
    data = form_data(report, summary="Keep this text.")
    data["m-0-percent_complete"] = "150"

    response = client.post(reverse("reviews:report_edit", args=[report.pk]), data)

    assert response.status_code == 200
    assert "Keep this text." in response.text
    formset = response.context["formset"]
    assert formset.forms[0].errors["percent_complete"] == [
        "Ensure this value is less than or equal to 100."
    ]
    report.refresh_from_db()
    assert report.summary == "The project progressed as planned."


def test_report_edit_errors_in_one_summary_linking_each_field_marked_invalid(
    client, role_users, report
):
    client.force_login(role_users["coordinator"])
    data = form_data(report, assessment="nonsense")
    data["m-0-percent_complete"] = "150"

    page = client.post(reverse("reviews:report_edit", args=[report.pk]), data).text

    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.DOTALL)
    links = re.findall(r'<li><a href="#([\w-]+)">([^<]*)</a></li>', summary.group(0))
    assert links == [
        ("id_assessment", "Assessment: Select a valid choice. nonsense is not one of "
         "the available choices."),
        ("id_m-0-percent_complete", "Milestone 1, percent complete: Ensure this value is less "
         "than or equal to 100."),
    ]  # fmt: skip
    for field_id, _ in links:
        widget = re.search(rf'<[^>]* id="{field_id}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in widget
        described_by = re.search(r'aria-describedby="([^"]*)"', widget).group(1).split()
        assert f"{field_id}_error" in described_by
        assert all(f'id="{target}"' in page for target in described_by)  # each id exists
    assert page.count('role="alert"') == 1  # one announcement, not one per message


def test_report_submit_incomplete_saves_and_shows_what_is_missing_beside_each_field(
    client, role_users, report
):
    client.force_login(role_users["coordinator"])
    data = form_data(report, summary="", risks="Kept risks.")
    data["m-0-status"] = ""

    response = client.post(
        reverse("reviews:report_edit", args=[report.pk]), {**data, "submit": "1"}
    )

    assert response.status_code == 200  # the form again, not a redirect to banners
    page = response.text
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.DOTALL)
    assert "Your changes are saved, but the report was not submitted" in summary.group(0)
    assert re.findall(r'<li><a href="#([\w-]+)">([^<]*)</a></li>', summary.group(0)) == [
        ("id_summary", "Summary: Summary is missing."),
        ("id_m-0-status", "Milestone 1, status: Status is missing."),
    ]
    assert 'id="id_summary_error"' in page
    assert 'id="id_m-0-status_error"' in page
    assert "Kept risks." in page
    report.refresh_from_db()
    assert (report.state, report.risks) == ("draft", "Kept risks.")  # saved, not submitted
    version = re.search(r'<input type="hidden" name="version" value="(\d+)"', page).group(1)
    assert version == str(report.version)  # saving the page again is no conflict


def test_report_edit_second_of_two_concurrent_saves_is_refused_and_text_kept(
    client, role_users, report
):
    coordinator = role_users["coordinator"]
    colleague = factories.ProjectRoleFactory(project=report.project).user
    stale_version = report.version
    client.force_login(colleague)
    client.post(
        reverse("reviews:report_edit", args=[report.pk]), form_data(report, summary="First.")
    )
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:report_edit", args=[report.pk]),
        {**form_data(report, summary="Second, from an old page."), "version": str(stale_version)},
    )

    report.refresh_from_db()
    assert report.summary == "First."
    assert response.status_code == 200
    assert "saved this report since you opened it" in response.text
    assert "Second, from an old page." in response.text  # the user's text, to merge
    assert response.context["conflict"].summary == "First."
    assert response.context["form"]["version"].value() == report.version


def test_report_edit_save_and_submit_with_missing_items_keeps_the_text(client, role_users, report):
    client.force_login(role_users["coordinator"])
    data = form_data(report, summary="Saved even though not submittable.")
    data["risks"] = ""
    data["submit"] = "1"

    response = client.post(reverse("reviews:report_edit", args=[report.pk]), data, follow=True)

    report.refresh_from_db()
    assert report.summary == "Saved even though not submittable."
    assert report.state == ReportState.DRAFT
    assert "Risks and mitigation is missing." in response.text


def test_report_action_request_changes_from_page_moves_state_and_leaves_comment(
    client, role_users, submitted
):
    client.force_login(role_users["eda"])

    response = client.post(
        reverse("reviews:report_action", args=[submitted.pk, "request_changes"]),
        {"reason": "Explain milestone 1.", "revision": submitted.revision},
        follow=True,
    )

    assert StatusReport.objects.get(pk=submitted.pk).state == ReportState.CHANGES_REQUESTED
    assert "Request changes: the report is now changes requested." in response.text
    assert list(Comment.objects.values_list("body", flat=True)) == ["Explain milestone 1."]


def test_report_action_not_allowed_for_role_answers_403_and_changes_nothing(
    client, role_users, submitted
):
    client.force_login(role_users["coordinator"])

    response = client.post(reverse("reviews:report_action", args=[submitted.pk, "approve"]))

    assert response.status_code == 403
    assert StatusReport.objects.get(pk=submitted.pk).state == ReportState.SUBMITTED


def test_report_action_impossible_in_state_says_why_and_changes_nothing(
    client, role_users, submitted
):
    client.force_login(role_users["lead"])

    response = client.post(
        reverse("reviews:report_action", args=[submitted.pk, "reopen"]),
        {"reason": "Try."},
        follow=True,
    )

    assert "A report that is submitted cannot be given “reopen”." in response.text
    assert StatusReport.objects.get(pk=submitted.pk).state == ReportState.SUBMITTED


def test_report_page_shows_only_the_actions_this_user_may_take(client, role_users, submitted):
    client.force_login(role_users["eda"])
    eda_page = client.get(submitted.get_absolute_url()).text
    client.force_login(role_users["coordinator"])
    coordinator_page = client.get(submitted.get_absolute_url()).text

    assert "Approve for the EDA" in eda_page
    assert "Request changes" in eda_page
    assert "Approve for" not in coordinator_page
    assert "Request changes" not in coordinator_page
    assert "Edit the report" not in coordinator_page  # submitted: not editable


def make_reports(count: int, cycle) -> None:
    for _ in range(count):
        report = factories.StatusReportFactory(cycle=cycle, complete=True)
        factories.MilestoneUpdateFactory(report=report)
        report.state = ReportState.SUBMITTED
        report.submitted_at = timezone.now()
        report.save()


@pytest.mark.parametrize(
    ("role", "url_name", "queries"),
    [("lead", "cycle", 10), ("eda", "queue", 7), ("lead", "home", 10)],
)
def test_overview_queue_and_home_query_count_same_for_3_and_60_reports(
    client, django_assert_num_queries, role_users, role, url_name, queries
):
    cycle = factories.ReviewCycleFactory()
    url = (
        reverse(f"reviews:{url_name}", args=[cycle.year])
        if url_name == "cycle"
        else reverse("reviews:queue" if url_name == "queue" else "home")
    )
    client.force_login(role_users[role])
    make_reports(3, cycle)
    with django_assert_num_queries(queries):
        client.get(url)

    make_reports(57, cycle)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert re.search(r"\b60\b", response.text)


REPORT_PAGE_QUERIES = 15  # issue 13: at most 15 for every role, however much the report holds


def approved_last_year(report, coordinator):
    """Last year's approved report of the same project, with its submission snapshot."""
    cycle = factories.ReviewCycleFactory(year=report.cycle.year - 1, closed=True)
    old = factories.StatusReportFactory(
        project=report.project, cycle=cycle, complete=True, state=ReportState.APPROVED
    )
    factories.MilestoneUpdateFactory(report=old, milestone=report.updates.first().milestone)
    ReportTransition.objects.create(
        report=old,
        action="submit",
        from_state=ReportState.DRAFT,
        to_state=ReportState.SUBMITTED,
        revision=old.revision,
        actor=coordinator,
        snapshot=snapshot(old),
    )


def grow(report, role_users) -> None:
    """Twenty milestones, threads on each, every body's assessment with earlier versions, and
    evidence on the report and on comments."""
    for body in ("eda", "eeas", "eums"):
        for version in range(3):
            services.assessment_write(
                actor=role_users[body], report=report, text=f"{body} assessment v{version}"
            )
    services.assessment_write(
        actor=role_users["lead"], report=report, text="Consolidated.", consolidated=True
    )
    for position in range(2, 21):
        factories.MilestoneUpdateFactory(report=report, milestone__position=position)
        factories_comment(report)
        Comment.objects.create(  # by a national point of contact: their state is shown
            report=report,
            author=factories.UserFactory(member_state=factories.MemberStateFactory()),
            body="From a member state.",
            revision=1,
        )
    for comment in Comment.objects.filter(report=report)[:5]:  # evidence, on both levels
        factories.AttachmentFactory(report=report)
        factories.AttachmentFactory(report=report, comment=comment)


@pytest.mark.parametrize(
    "role", ["coordinator", "member", "eda", "eeas", "eums", "lead", "leadership", "superuser"]
)
def test_report_page_costs_the_same_at_most_15_queries_for_every_role_however_big_the_report(
    client, role_users, submitted, role
):
    """The worst case: a report sent back and resubmitted since the reader last saw it, with
    last year's approved report to compare against, and a reader whose organisation is shown."""
    approved_last_year(submitted, role_users["coordinator"])
    factories_comment(submitted)
    reader = role_users[role]
    if reader.is_national_contact:
        reader.member_state = factories.MemberStateFactory()
        reader.save()
    client.force_login(reader)
    url = submitted.get_absolute_url()
    client.get(url)  # a reviewer's first visit records what they saw
    report_transition(
        report=submitted,
        action="request_changes",
        actor=role_users["eda"],
        reason="Add the risks.",
        expected_revision=submitted.revision,
    )
    report_transition(report=submitted, action="resubmit", actor=role_users["coordinator"])

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    first = cost()  # revision 2, first seen: the visit is written
    small = cost()
    grow(submitted, role_users)
    large = cost()

    assert small == large <= REPORT_PAGE_QUERIES
    assert first <= REPORT_PAGE_QUERIES
    page = client.get(url).context["page"]
    assert len(page.milestones) == 20
    if reader.secretariat_body:
        assert [d.against for d in page.diffs][
            -1
        ] == f"the approved {submitted.cycle.year - 1} report"


def test_report_page_records_a_reviewers_visit_in_one_statement_only_when_the_revision_changed(
    client, role_users, submitted
):
    client.force_login(role_users["eda"])
    url = submitted.get_absolute_url()

    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return [
            q["sql"].split()[0]
            for q in queries.captured_queries
            if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")
        ]

    first, again = writes(), writes()
    StatusReport.objects.filter(pk=submitted.pk).update(revision=2)
    changed = writes()

    assert (first, again, changed) == (["INSERT"], [], ["INSERT"])  # an upsert: one statement
    assert ReportView.objects.get(report=submitted, user=role_users["eda"]).revision == 2


def form_data(report, **values) -> dict:
    """The edit form as the browser would post it, with `values` changed."""
    report.refresh_from_db()
    data = {
        "version": str(report.version),
        "assessment": report.assessment,
        "phase_reported": str(report.phase_reported_id or ""),
        "summary": report.summary,
        "achievements": report.achievements,
        "risks": report.risks,
        "next_year_plan": report.next_year_plan,
        "resources": report.resources,
        "eu_cooperation": report.eu_cooperation,
    }
    updates = list(report.updates.order_by("milestone__position"))
    data.update(
        {
            "m-TOTAL_FORMS": str(len(updates)),
            "m-INITIAL_FORMS": str(len(updates)),
            "m-MIN_NUM_FORMS": "0",
            "m-MAX_NUM_FORMS": "1000",
        }
    )
    for index, update in enumerate(updates):
        data.update(
            {
                f"m-{index}-id": str(update.pk),
                f"m-{index}-status": update.status,
                f"m-{index}-percent_complete": str(update.percent_complete or ""),
                f"m-{index}-forecast_date": "",
                f"m-{index}-achieved_on": "",
                f"m-{index}-narrative": update.narrative,
            }
        )
    data.update(values)
    return data


def test_cycle_pages_lead_plans_opens_and_closes_a_cycle(client, role_users, project):
    factories.MilestoneFactory(project=project)
    client.force_login(role_users["lead"])

    response = client.post(
        reverse("reviews:cycle_create"),
        {
            "year": "2027",
            "opens": "2027-01-15",
            "submission_deadline": "2027-10-31",
            "review_deadline": "2027-12-15",
            "required_bodies": ["EDA", "EUMS"],
            "handling_marking": "LIMITE",
            "reminder_days_before": "14, 3",
            "reminder_days_after": "1",
            "reviewer_reminder_after_days": "5",
            "resubmission_days": "10",
        },
    )
    opened = client.post(reverse("reviews:cycle_action", args=[2027, "open"]), follow=True)
    asked = client.post(reverse("reviews:cycle_action", args=[2027, "close"]))  # unconfirmed
    assert asked.url == reverse("reviews:cycle_action", args=[2027, "close"])
    assert ReviewCycle.objects.get(year=2027).state == "open"
    client.post(reverse("reviews:cycle_action", args=[2027, "close"]), {"confirm": "yes"})

    cycle = ReviewCycle.objects.get(year=2027)
    assert response.status_code == 302
    assert (cycle.state, cycle.required_bodies, cycle.reminder_days_before) == (
        "closed",
        ["EDA", "EUMS"],
        [3, 14],
    )
    assert "draft report(s) created" in opened.text
    assert list(cycle.reports.values_list("project__acronym", flat=True)) == ["ALPHA", "BRAVO"]


def test_cycle_close_asks_first_and_says_what_closing_will_do(client, role_users, report):
    cycle = report.cycle
    factories.StatusReportFactory(cycle=cycle, state="submitted")
    client.force_login(role_users["lead"])
    overview = client.get(cycle.get_absolute_url()).text
    url = reverse("reviews:cycle_action", args=[cycle.year, "close"])

    response = client.get(url)

    assert f'href="{url}">Close the cycle…</a>' in overview
    assert response.status_code == 200
    text = " ".join(response.text.split())
    assert "It cannot be undone: a closed cycle is not opened again." in text
    assert "the 1 draft and the 0 reports sent back for changes stay as they are" in text
    assert "Reviewers can still approve the 1 submitted report until" in text
    assert "0 of the cycle's 2 reports are approved." in text
    assert ReviewCycle.objects.get(pk=cycle.pk).state == "open"  # asking changed nothing
    assert client.get(reverse("reviews:cycle_action", args=[cycle.year, "open"])).status_code == 404


def test_report_page_asks_the_lead_before_reopening_and_says_what_it_will_do(
    client, role_users, report
):
    now = timezone.now()
    StatusReport.objects.filter(pk=report.pk).update(
        state=ReportState.APPROVED, submitted_at=now, approved_at=now
    )
    client.force_login(role_users["lead"])

    page = " ".join(client.get(report.get_absolute_url()).text.split())

    asked = re.search(
        r'<details class="confirm-action"><summary[^>]*>Reopen…</summary>(.*?)</details>', page
    )
    assert asked is not None
    assert "sends the approved report back to its coordinator" in asked.group(1)
    assert "needs the approval of every required body again" in asked.group(1)
    assert 'name="reason" rows="2" required' in asked.group(1)  # and the reason is asked for
    assert page.count('value="reopen"') == 1  # the only way to reopen is inside it


def test_report_page_approval_carries_an_optional_note_shown_with_it(client, role_users, submitted):
    client.force_login(role_users["eda"])
    url = reverse("reviews:report_action", args=[submitted.pk, "approve"])
    page = client.get(submitted.get_absolute_url()).text
    note = "Milestone 2 well argued; check the forecast next year."

    client.post(url, {"revision": submitted.revision, "reason": f"  {note}  ", "do": "approve"})

    assert '<textarea id="note-approve" name="reason" rows="2"></textarea>' in page  # optional
    approval = submitted.approvals.get()
    assert (approval.body, approval.note) == ("EDA", note)
    client.force_login(role_users["coordinator"])
    assert f'<span class="muted">“{note}”</span>' in client.get(submitted.get_absolute_url()).text


def test_cycle_create_with_bad_reminder_days_names_the_field(client, role_users):
    client.force_login(role_users["lead"])

    response = client.post(
        reverse("reviews:cycle_create"),
        {
            "year": "2027",
            "opens": "2027-01-15",
            "submission_deadline": "2027-01-01",
            "review_deadline": "2027-12-15",
            "required_bodies": ["EDA"],
            "reminder_days_before": "two weeks",
            "reminder_days_after": "1",
            "reviewer_reminder_after_days": "5",
        },
    )

    form = response.context["form"]
    assert form.errors["reminder_days_before"] == [
        "Give whole numbers of days separated by commas, for example 14, 3."
    ]
    assert form.errors["submission_deadline"] == ["The submission deadline is before the opening."]
    assert 'value="2027-01-15"' in response.text  # what was typed comes back
    assert not ReviewCycle.objects.filter(year=2027).exists()


def test_cycle_pages_refuse_everyone_but_the_lead(client, role_users):
    factories.ReviewCycleFactory(planned=True)
    for role in ("eda", "coordinator", "leadership"):
        client.force_login(role_users[role])
        assert client.post(reverse("reviews:cycle_action", args=[2026, "open"])).status_code == 403
        assert client.get(reverse("reviews:cycle_create")).status_code == 403
    assert ReviewCycle.objects.get(year=2026).state == "planned"


def test_workflow_step_mails_reviewers_once_committed(
    role_users, report, django_capture_on_commit_callbacks, mailoutbox
):
    role_users["eda"].email = "eda@example.eu"
    role_users["eda"].save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # tasks run in-process
        report_transition(report=report, action="submit", actor=role_users["coordinator"])
        assert mailoutbox == []  # nothing leaves before the commit

    assert len(callbacks) == 1  # the outbox message's delivery, handed over on commit
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["eda@example.eu"], "[PESCO review] ALPHA 2026 report submitted (revision 1)")
    ]


def test_report_history_speaks_in_labels_not_stored_values(client, role_users, submitted):
    client.force_login(role_users["coordinator"])

    response = client.get(submitted.get_absolute_url())

    changes = [c for line in response.context["page"].history for c in line.changes]
    assert "State: Draft → Submitted" in changes
    assert not any("+00:00" in c for c in changes)


def test_home_member_sees_the_reports_of_their_projects(client, role_users, report):
    client.force_login(role_users["member"])

    response = client.get(reverse("home"))

    assert response.context["page"].member_reports == [report]
    assert report.get_absolute_url() in response.text


def test_report_sent_back_shows_others_only_what_was_submitted(client, role_users, submitted):
    report_transition(
        report=submitted,
        action="request_changes",
        actor=role_users["eda"],
        reason="Fix it.",
        expected_revision=submitted.revision,
    )
    client.force_login(role_users["coordinator"])
    data = form_data(submitted, summary="UNSUBMITTED-REVISION-TEXT")
    data["m-0-narrative"] = "UNSUBMITTED-MILESTONE-TEXT"
    client.post(reverse("reviews:report_edit", args=[submitted.pk]), data)

    for role in ("eda", "eums", "lead", "leadership"):
        client.force_login(role_users[role])
        text = client.get(submitted.get_absolute_url()).text
        assert "UNSUBMITTED" not in text, role
        assert "The project progressed as planned." in text, role
        assert "Shown as submitted (revision 1)" in text, role
    for role in ("coordinator", "member"):
        client.force_login(role_users[role])
        text = client.get(submitted.get_absolute_url()).text
        assert "UNSUBMITTED-REVISION-TEXT" in text, role
        assert "UNSUBMITTED-MILESTONE-TEXT" in text, role


def test_report_history_leaves_draft_saves_out_for_the_secretariat(client, role_users, report):
    client.force_login(role_users["coordinator"])
    client.post(
        reverse("reviews:report_edit", args=[report.pk]), form_data(report, summary="DRAFT-ONE")
    )
    client.post(
        reverse("reviews:report_edit", args=[report.pk]), form_data(report, summary="Final.")
    )
    report_transition(report=report, action="submit", actor=role_users["coordinator"])

    coordinator_view = client.get(report.get_absolute_url()).text
    client.force_login(role_users["eda"])
    reviewer_view = client.get(report.get_absolute_url()).text

    assert "DRAFT-ONE" in coordinator_view
    assert "DRAFT-ONE" not in reviewer_view
    # Built from the submissions: the first one is a state change, not a diff of drafts.
    assert "State: Draft → Submitted" in reviewer_view
    assert "The project progressed as planned. →" not in reviewer_view


def test_report_page_shows_what_changed_since_the_revision_the_reviewer_saw(
    client, role_users, submitted
):
    client.force_login(role_users["eda"])
    client.get(submitted.get_absolute_url())  # the reviewer reads revision 1
    report_transition(
        report=submitted,
        action="request_changes",
        actor=role_users["eda"],
        reason="More.",
        expected_revision=submitted.revision,
    )
    client.force_login(role_users["coordinator"])
    client.post(
        reverse("reviews:report_edit", args=[submitted.pk]),
        {**form_data(submitted, summary="The project progressed as foreseen."), "submit": "1"},
    )
    client.force_login(role_users["eda"])

    response = client.get(submitted.get_absolute_url())

    diffs = response.context["page"].diffs
    assert [d.against for d in diffs] == ["revision 1, which you last saw"]
    assert [(c.label, c.old, c.new) for c in diffs[0].fields] == [
        ("Summary", "The project progressed as planned.", "The project progressed as foreseen.")
    ]
    assert (  # word by word: only the word that changed is marked
        "The project progressed as "
        '<del><span class="visually-hidden">removed: </span>planned.</del>'
        '<ins><span class="visually-hidden">added: </span>foreseen.</ins>'
    ) in response.text
    # Seen now: the next visit has nothing new to show.
    assert client.get(submitted.get_absolute_url()).context["page"].diffs == []


def test_report_edit_after_a_co_coordinator_submitted_keeps_the_text(client, role_users, report):
    colleague = factories.ProjectRoleFactory(project=report.project).user
    data = form_data(report, summary="My unsaved paragraph.")
    report_transition(report=report, action="submit", actor=colleague)
    client.force_login(role_users["coordinator"])

    response = client.post(reverse("reviews:report_edit", args=[report.pk]), data)

    assert response.status_code == 200
    assert "My unsaved paragraph." in response.text
    assert "was submitted since you opened it and can no longer be edited" in response.text
    assert 'name="submit"' not in response.text
    report.refresh_from_db()
    assert report.summary == "The project progressed as planned."


def test_report_form_actions_extension_baseline_and_proposal_through_the_page(
    client, role_users, report, other_project
):
    milestone = report.updates.get().milestone
    foreign = factories.MilestoneFactory(project=other_project)
    StatusReport.objects.filter(pk=report.pk).update(  # sent back: the secretariat may read it
        state=ReportState.CHANGES_REQUESTED, submitted_at=timezone.now()
    )
    client.force_login(role_users["lead"])
    extended = client.post(
        reverse("reviews:extension", args=[report.pk]),
        {"until": "2027-02-15", "reason": "Elections."},
        follow=True,
    )
    client.force_login(role_users["eda"])
    moved = client.post(
        reverse("reviews:baseline", args=[report.pk, milestone.pk]),
        {"baseline_due": "2027-03-01", "reason": "Funding came late."},
        follow=True,
    )
    not_ours = client.post(reverse("reviews:baseline", args=[report.pk, foreign.pk]), {})
    client.force_login(role_users["coordinator"])
    empty = client.post(reverse("reviews:proposal_create", args=[report.pk]), {}, follow=True)
    proposed = client.post(
        reverse("reviews:proposal_create", args=[report.pk]),
        {"title": "Sea trials", "proposed_due": "2027-06-01"},
        follow=True,
    )

    report.refresh_from_db()
    milestone.refresh_from_db()
    # Sent back: the extension moves the answer-by date, the report's effective deadline.
    assert (report.answer_by, report.deadline) == (date(2027, 2, 15), date(2027, 2, 15))
    assert "Deadline extended to 15 February 2027." in extended.text
    assert milestone.baseline_due == date(2027, 3, 1)
    assert f"Baseline of milestone {milestone.position} moved." in moved.text
    assert not_ours.status_code == 404
    assert "A proposed milestone needs a title and a due date." in empty.text
    assert "The proposal is saved: send it to the secretariat when it is ready." in proposed.text
    assert list(report.proposals.values_list("title", flat=True)) == ["Sea trials"]


def test_the_cycle_page_counts_the_reports_a_version_was_built_from_without_reading_them(
    client, role_users
):
    """A version records every report it printed (its provenance, Annex D of the document);
    the cycle page says how many, the same size and queries for 3 reports or 700, and does not
    load the version's stored rows."""
    cycle = factories.ReviewCycleFactory()
    client.force_login(role_users["lead"])
    url = reverse("reviews:cycle", args=[cycle.year])

    def built_from(count: int) -> list[dict]:
        return [{"project": f"P{n}", "revision": 1, "report": n} for n in range(count)]

    review = factories.ConsolidatedReviewFactory(
        cycle=cycle, requested_by=role_users["lead"], built_from=built_from(3)
    )
    with CaptureQueriesContext(connection) as small:
        few = client.get(url)
    review.built_from = built_from(700)
    review.export_rows = {"rows": [["x"] * 10] * 700}
    review.save()
    with CaptureQueriesContext(connection) as large:
        many = client.get(url)

    assert "3 reports" in few.text
    assert "700 reports" in many.text
    assert "P699" not in many.text
    assert len(many.content) - len(few.content) < 100
    assert len(small) == len(large)
    reads = [
        q["sql"] for q in large.captured_queries if 'FROM "reviews_consolidatedreview"' in q["sql"]
    ]
    assert reads
    assert not any('"export_rows"' in sql or '"built_from",' in sql for sql in reads)
