"""The rules of the review hold for every actor, superusers and staff included, and on every path
a real cycle takes: late drafts, one person for several bodies, drafts seen through side doors,
bad dates, a second open cycle."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.enums import CycleState, ProposalState, ReportAction, ReportState
from reviews.models import Approval, MilestoneProposal, ReviewCycle, StatusReport
from reviews.workflow import report_transition
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(project):
    report = factories.StatusReportFactory(project=project, complete=True)
    factories.MilestoneUpdateFactory(report=report, milestone__position=1)
    return report


def submit(report, role_users):
    return report_transition(report=report, action="submit", actor=role_users["coordinator"])


def approve_all(report, role_users):
    for body in ("eda", "eeas", "eums"):
        report = report_transition(
            report=report, action="approve", actor=role_users[body], expected_revision=1
        )
    return report


# 1. No role bypasses the rules ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["superuser", "staff"])
@pytest.mark.parametrize("action", [a.value for a in ReportAction])
def test_superuser_and_staff_take_no_workflow_action_without_a_role(
    report, role_users, who, action
):
    actor = role_users[who]
    for state in ReportState.values:
        report.state = state
        report.submitted_at = None if state == ReportState.DRAFT else timezone.now()
        report.save()
        with pytest.raises((PermissionDenied, ValidationError)):
            report_transition(
                report=report, action=action, actor=actor, reason="x", expected_revision=1
            )
    assert report.transitions.count() == 0


def test_superuser_changes_no_approved_report_through_any_url(client, report, role_users):
    report = approve_all(submit(report, role_users), role_users)
    before = StatusReport.objects.get(pk=report.pk)
    update = report.updates.get()
    client.force_login(role_users["superuser"])
    data = {"reason": "Because.", "revision": report.revision, "summary": "REWRITTEN"}
    urls = [
        reverse("reviews:report_edit", args=[report.pk]),
        *(reverse("reviews:report_action", args=[report.pk, a]) for a in ReportAction.values),
        reverse("reviews:extension", args=[report.pk]),
        reverse("reviews:proposal_create", args=[report.pk]),
        reverse("reviews:baseline", args=[report.pk, update.milestone_id]),
    ]
    for url in urls:
        client.post(url, {**data, "until": "2027-03-01", "baseline_due": "2030-01-01"})

    after = StatusReport.objects.get(pk=report.pk)
    assert (after.state, after.summary, after.revision, after.extended_deadline) == (
        ReportState.APPROVED,
        before.summary,
        before.revision,
        None,
    )
    assert report.transitions.count() == 4  # submit and three approvals, nothing more
    assert MilestoneProposal.objects.count() == 0
    update.milestone.refresh_from_db()
    assert update.milestone.baseline_due == date(2026, 6, 30)


def test_superuser_edits_no_draft_of_a_coordinator(client, report, role_users):
    client.force_login(role_users["superuser"])

    response = client.get(reverse("reviews:report_edit", args=[report.pk]))

    assert response.status_code == 404  # a draft is its coordinator's, even to a superuser
    assert StatusReport.objects.get(pk=report.pk).version == 1
    with pytest.raises(PermissionDenied):
        services.report_update(
            actor=role_users["superuser"],
            report=report,
            expected_version=1,
            values={"summary": "By the superuser."},
            updates={},
        )


# 2. Separation of duties ------------------------------------------------------------------------


def test_one_person_whose_body_is_switched_cannot_complete_the_approvals(report, role_users):
    report = submit(report, role_users)
    person = role_users["eda"]
    report_transition(report=report, action="approve", actor=person, expected_revision=1)
    for body in ("EEAS", "EUMS"):
        person.secretariat_body = body
        person.save()
        with pytest.raises(ValidationError, match="already approved revision 1 for the EDA"):
            report_transition(report=report, action="approve", actor=person, expected_revision=1)

    assert list(Approval.objects.values_list("body", "reviewer")) == [("EDA", person.pk)]
    assert StatusReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_a_reviewer_who_is_a_member_of_the_project_cannot_approve_it(report, role_users):
    report = submit(report, role_users)
    reviewer = role_users["eeas"]
    factories.ProjectRoleFactory(user=reviewer, project=report.project, member=True)

    with pytest.raises(PermissionDenied, match="member of"):
        report_transition(report=report, action="approve", actor=reviewer, expected_revision=1)
    assert Approval.objects.count() == 0


def test_the_revision_decided_on_is_required_to_approve_and_request_changes(report, role_users):
    report = submit(report, role_users)
    for action in ("approve", "request_changes"):
        with pytest.raises(ValidationError, match="revision"):
            report_transition(report=report, action=action, actor=role_users["eda"], reason="x")
    assert report.transitions.count() == 1


# 3. Late reports --------------------------------------------------------------------------------


def test_lead_extends_a_never_submitted_draft_after_its_deadline_and_it_is_submitted(
    client, report, role_users
):
    cycle = report.cycle
    past = timezone.localdate() - timedelta(days=3)
    ReviewCycle.objects.filter(pk=cycle.pk).update(
        opens=past - timedelta(days=30), submission_deadline=past
    )
    with pytest.raises(ValidationError, match="deadline was"):
        submit(report, role_users)

    client.force_login(role_users["lead"])
    overview = client.get(reverse("reviews:cycle", args=[cycle.year])).text
    assert "3 days late" in overview
    assert report.summary not in overview  # the state of a draft, never its content
    page = client.get(reverse("reviews:extension", args=[report.pk]))
    assert page.status_code == 200
    assert report.summary not in page.text
    until = timezone.localdate() + timedelta(days=7)
    client.post(
        reverse("reviews:extension", args=[report.pk]),
        {"until": until.isoformat(), "reason": "Late national approval."},
    )

    report.refresh_from_db()
    assert report.deadline == until
    assert submit(report, role_users).state == ReportState.SUBMITTED


def test_a_request_for_changes_sets_an_answer_by_date_that_an_extension_moves(report, role_users):
    report = submit(report, role_users)
    report = report_transition(
        report=report,
        action="request_changes",
        actor=role_users["eda"],
        reason="Explain.",
        expected_revision=1,
    )
    today = timezone.localdate()
    assert report.answer_by == today + timedelta(days=report.cycle.resubmission_days)
    assert report.deadline == report.answer_by

    later = today + timedelta(days=30)
    services.report_grant_extension(
        actor=role_users["lead"], report=report, until=later, reason="Holidays."
    )
    report.refresh_from_db()
    assert (report.answer_by, report.deadline) == (later, later)


def test_overdue_means_one_thing_not_resubmitted_after_the_effective_deadline(report, role_users):
    report = submit(report, role_users)
    ReviewCycle.objects.filter(pk=report.cycle_id).update(
        review_deadline=timezone.localdate() - timedelta(days=1),
        submission_deadline=timezone.localdate() - timedelta(days=1),
        opens=timezone.localdate() - timedelta(days=60),
    )
    report = StatusReport.objects.get(pk=report.pk)
    assert report.is_overdue is False  # submitted: waiting for the secretariat, not late


# 4. Drafts stay private -------------------------------------------------------------------------

SECRET = "UNSUBMITTED-DRAFT-TEXT"


def _other_writes(report, role_users):
    """Every other action that saves the report's row or sits beside it."""
    lead, eda = role_users["lead"], role_users["eda"]
    services.report_grant_extension(
        actor=lead,
        report=report,
        until=timezone.localdate() + timedelta(days=40),
        reason="Extended.",
    )
    milestone = report.updates.get().milestone
    services.milestone_move_baseline(
        actor=eda, milestone=milestone, baseline_due=date(2027, 1, 1), reason="Moved."
    )
    proposal = services.milestone_propose(
        actor=role_users["coordinator"],
        report=report,
        title="Proposed milestone",
        proposed_due=date(2027, 6, 1),
    )
    services.proposal_send(actor=role_users["coordinator"], proposal=proposal)
    services.proposal_decide(actor=eda, proposal=proposal, accept=True)
    services.comment_add(actor=eda, report=report, body="A comment.")


def test_draft_text_reaches_no_reviewer_lead_or_leadership_after_any_other_write(
    client, report, role_users
):
    report = submit(report, role_users)
    report = report_transition(
        report=report,
        action="request_changes",
        actor=role_users["eda"],
        reason="Explain.",
        expected_revision=1,
    )
    services.report_update(
        actor=role_users["coordinator"],
        report=report,
        expected_version=report.version,
        values={"summary": SECRET, "risks": SECRET},
        updates={},
    )
    _other_writes(report, role_users)

    urls = [
        reverse("reviews:report", args=[report.pk]),
        reverse("reviews:queue"),
        reverse("reviews:cycle", args=[report.cycle.year]),
        reverse("home"),
        reverse("reviews:figures_export", args=[report.cycle.year, "csv"]),
        reverse("reviews:proposals"),
        reverse("projects:detail", args=[report.project.slug]),
    ]
    for role in ("eda", "eeas", "eums", "lead", "leadership"):
        client.force_login(role_users[role])
        leaks = [url for url in urls if SECRET in client.get(url).content.decode()]
        assert leaks == [], role
    client.force_login(role_users["coordinator"])
    assert SECRET in client.get(reverse("reviews:report", args=[report.pk])).text


def test_a_proposal_is_seen_by_the_secretariat_only_once_sent_and_decided_on_a_draft(
    client, report, role_users
):
    proposal = services.milestone_propose(
        actor=role_users["coordinator"],
        report=report,
        title="Training centre opened",
        proposed_due=date(2027, 6, 1),
    )
    client.force_login(role_users["eda"])
    assert "Training centre opened" not in client.get(reverse("reviews:proposals")).text
    with pytest.raises(ValidationError, match="not been sent"):
        services.proposal_decide(actor=role_users["eda"], proposal=proposal, accept=True)

    services.proposal_send(actor=role_users["coordinator"], proposal=proposal)
    assert "Training centre opened" in client.get(reverse("reviews:proposals")).text
    client.post(reverse("reviews:proposal_decide", args=[proposal.pk]), {"accept": "1"})

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACCEPTED
    assert report.updates.filter(milestone__title="Training centre opened").count() == 1


def test_a_second_decision_on_one_proposal_gets_a_message(client, report, role_users):
    proposal = services.milestone_propose(
        actor=role_users["coordinator"], report=report, title="New", proposed_due=date(2027, 1, 1)
    )
    services.proposal_send(actor=role_users["coordinator"], proposal=proposal)
    services.proposal_decide(actor=role_users["eeas"], proposal=proposal, accept=False)
    client.force_login(role_users["eda"])

    response = client.post(
        reverse("reviews:proposal_decide", args=[proposal.pk]), {"accept": "1"}, follow=True
    )

    assert response.status_code == 200
    assert "already declined" in response.text


# 5. Cycles --------------------------------------------------------------------------------------


def test_a_second_open_cycle_is_refused_by_the_service_and_the_database(role_users):
    factories.ReviewCycleFactory(year=2026)
    second = factories.ReviewCycleFactory(year=2027, planned=True)

    with pytest.raises(ValidationError, match="2026 cycle is still open"):
        services.cycle_open(actor=role_users["lead"], cycle=second)
    second.state = CycleState.OPEN
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_a_closed_cycles_reports_cannot_be_edited_or_reopened(report, role_users):
    report = approve_all(submit(report, role_users), role_users)
    services.cycle_close(actor=role_users["lead"], cycle=report.cycle)

    with pytest.raises(ValidationError, match="closed"):
        report_transition(
            report=report, action="reopen", actor=role_users["lead"], reason="Late correction."
        )
    assert StatusReport.objects.get(pk=report.pk).state == ReportState.APPROVED


def test_only_a_version_built_after_the_cycle_closed_is_published_and_publishes_the_cycle(
    report, role_users
):
    lead = role_users["lead"]
    cycle = report.cycle
    provisional = factories.ConsolidatedReviewFactory(cycle=cycle, version=1, provisional=True)
    with pytest.raises(ValidationError, match="while the cycle was open"):
        services.review_publish(actor=lead, review=provisional)

    services.cycle_close(actor=lead, cycle=cycle)
    final = factories.ConsolidatedReviewFactory(cycle=cycle, version=2, provisional=False)
    services.review_publish(actor=lead, review=final)

    cycle.refresh_from_db()
    assert cycle.state == CycleState.PUBLISHED


# 6. Bad input never breaks a step ---------------------------------------------------------------


def form_data(report, **changes) -> dict:
    report.refresh_from_db()
    update = report.updates.get()
    data = {
        "version": report.version,
        "assessment": report.assessment,
        "phase_reported": report.phase_reported_id or "",
        "summary": report.summary,
        "achievements": report.achievements,
        "risks": report.risks,
        "next_year_plan": report.next_year_plan,
        "resources": "",
        "eu_cooperation": "",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "1",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "1000",
        "m-0-id": update.pk,
        "m-0-status": "on_track",
        "m-0-percent_complete": "50",
        "m-0-forecast_date": "2027-01-31",
        "m-0-achieved_on": "",
        "m-0-narrative": "",
    }
    data.update(changes)
    return data


def test_a_milestone_achieved_in_2001_is_refused_beside_the_field(client, report, role_users):
    client.force_login(role_users["coordinator"])
    data = form_data(report, **{"m-0-status": "achieved", "m-0-achieved_on": "2001-05-01"})
    data["m-0-percent_complete"] = "100"

    response = client.post(reverse("reviews:report_edit", args=[report.pk]), data)

    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors["achieved_on"]
    assert errors == ["A milestone cannot be achieved before PESCO began (11 December 2017)."]
    assert report.updates.get().achieved_on is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("m-0-achieved_on", "2099-01-01", "cannot be achieved in the future"),
        ("m-0-forecast_date", "2010-01-01", "between 11 December 2017 and 31 December 2041"),
        ("m-0-forecast_date", "2060-01-01", "between 11 December 2017 and 31 December 2041"),
    ],
)
def test_dates_out_of_range_are_refused_beside_the_field(
    client, report, role_users, field, value, message
):
    client.force_login(role_users["coordinator"])
    changes = {field: value}
    if "achieved" in field:
        changes.update({"m-0-status": "achieved", "m-0-percent_complete": "100"})

    response = client.post(
        reverse("reviews:report_edit", args=[report.pk]), form_data(report, **changes)
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["formset"].forms[0].errors[field[4:]])


def test_an_approval_never_answers_500_for_a_bad_date_written_past_the_form(
    client, report, role_users
):
    report = submit(report, role_users)
    update = report.updates.get()
    type(update).objects.filter(pk=update.pk).update(
        status="achieved", achieved_on=date(2001, 1, 1)
    )
    for body in ("eda", "eeas", "eums"):
        client.force_login(role_users[body])
        response = client.post(
            reverse("reviews:report_action", args=[report.pk, "approve"]),
            {"revision": 1},
            follow=True,
        )
        assert response.status_code == 200
        assert "before PESCO began (11 December 2017)" in response.text

    assert StatusReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED
    assert Approval.objects.count() == 0


def test_a_narrative_over_the_length_limit_is_refused_and_the_text_kept(
    client, report, role_users, settings
):
    settings.REPORT_NARRATIVE_MAX_LENGTH = 50
    client.force_login(role_users["coordinator"])
    long_text = "x" * 51

    response = client.post(
        reverse("reviews:report_edit", args=[report.pk]), form_data(report, summary=long_text)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["summary"] == [
        "Ensure this value has at most 50 characters (it has 51)."
    ]
    assert long_text in response.text
    assert 'maxlength="50"' in response.text


# 7. The register follows approved reports, and invents nothing ---------------------------------


def test_an_approved_forecast_moves_the_milestones_current_due_date(report, role_users):
    update = report.updates.get()
    type(update).objects.filter(pk=update.pk).update(forecast_date=date(2027, 3, 31))
    approve_all(submit(report, role_users), role_users)

    milestone = update.milestone
    milestone.refresh_from_db()
    assert (milestone.baseline_due, milestone.current_due) == (date(2026, 6, 30), date(2027, 3, 31))
    assert milestone.slippage_days == 274
    assert milestone.history.first().history_change_reason == (
        f"Forecast, per the approved {report.cycle.year} report of {report.project.acronym}"
    )


def test_not_recorded_is_a_valid_phase_at_submission(report, role_users):
    StatusReport.objects.filter(pk=report.pk).update(phase_reported=None)

    report = submit(StatusReport.objects.get(pk=report.pk), role_users)

    assert report.state == ReportState.SUBMITTED


@pytest.mark.parametrize("slug", ["completed", "closed"])
def test_an_approved_final_phase_ends_the_projects_part_in_future_cycles(report, role_users, slug):
    phase = factories.LifecyclePhaseFactory(slug=slug, name=slug.title(), position=9)
    StatusReport.objects.filter(pk=report.pk).update(phase_reported=phase)
    approve_all(submit(StatusReport.objects.get(pk=report.pk), role_users), role_users)

    report.project.refresh_from_db()
    assert report.project.status == slug
    assert report.project.takes_part_in_reviews is False


def test_approving_a_demo_report_changes_no_real_projects_phase_or_status(report, role_users):
    phase = factories.LifecyclePhaseFactory(slug="completed", name="Completed", position=9)
    StatusReport.objects.filter(pk=report.pk).update(phase_reported=phase, is_demo=True)
    before = (report.project.phase_id, report.project.status)

    approve_all(submit(StatusReport.objects.get(pk=report.pk), role_users), role_users)

    report.project.refresh_from_db()
    assert (report.project.phase_id, report.project.status) == before


# 8. Messages a person understands ---------------------------------------------------------------


def test_an_approval_says_which_bodies_are_still_waited_for(client, report, role_users):
    report = submit(report, role_users)
    client.force_login(role_users["eda"])

    response = client.post(
        reverse("reviews:report_action", args=[report.pk, "approve"]), {"revision": 1}, follow=True
    )

    assert "Approved for the EDA; waiting for the EEAS and the EUMS." in response.text


def test_a_member_opening_the_edit_page_is_told_editing_is_the_coordinators_task(
    client, report, role_users
):
    client.force_login(role_users["member"])

    response = client.get(reverse("reviews:report_edit", args=[report.pk]), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Editing the report is the coordinator's task: you can read it and comment on it."
    ]


def test_a_request_over_the_upload_limit_gets_a_page_that_says_so(
    client, report, role_users, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(role_users["coordinator"])

    response = client.post(
        reverse("reviews:report_edit", args=[report.pk]), form_data(report, summary="x" * 2000)
    )

    assert response.status_code == 413
    assert "your text is still in the form there" in response.content.decode()
    assert StatusReport.objects.get(pk=report.pk).version == 1
