"""The report state machine: every (state, action, role) combination."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone

from reviews.enums import ReportAction, ReportState
from reviews.models import Approval, Comment, ReportTransition, StatusReport
from reviews.workflow import TRANSITIONS, report_transition
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [
    "coordinator",
    "member",
    "eda",
    "eeas",
    "eums",
    "lead",
    "leadership",
    "no_role",
    "superuser",
    "staff",
]
STATES = [s.value for s in ReportState]
ACTIONS = [a.value for a in ReportAction]

# The only (state, action, role) combinations that may happen.
ALLOWED = {
    (ReportState.DRAFT, ReportAction.SUBMIT, "coordinator"),
    (ReportState.CHANGES_REQUESTED, ReportAction.RESUBMIT, "coordinator"),
    (ReportState.SUBMITTED, ReportAction.REQUEST_CHANGES, "eda"),
    (ReportState.SUBMITTED, ReportAction.REQUEST_CHANGES, "eeas"),
    (ReportState.SUBMITTED, ReportAction.REQUEST_CHANGES, "eums"),
    (ReportState.SUBMITTED, ReportAction.APPROVE, "eda"),
    (ReportState.SUBMITTED, ReportAction.APPROVE, "eeas"),
    (ReportState.SUBMITTED, ReportAction.APPROVE, "eums"),
    (ReportState.APPROVED, ReportAction.REOPEN, "lead"),
}
# Where the report goes after the allowed action (one approval of three keeps it submitted).
EXPECTED_TARGET = {
    ReportAction.SUBMIT: ReportState.SUBMITTED,
    ReportAction.RESUBMIT: ReportState.SUBMITTED,
    ReportAction.REQUEST_CHANGES: ReportState.CHANGES_REQUESTED,
    ReportAction.APPROVE: ReportState.SUBMITTED,
    ReportAction.REOPEN: ReportState.CHANGES_REQUESTED,
}


@pytest.fixture
def report(project, role_users):
    report = factories.StatusReportFactory(project=project, complete=True)
    factories.MilestoneUpdateFactory(report=report)
    return report


def put_in_state(report: StatusReport, state: str) -> StatusReport:
    report.state = state
    if state != ReportState.DRAFT:
        report.submitted_at = timezone.now()
    report.save()
    return report


def test_transition_table_covers_the_design():
    assert set(TRANSITIONS) == {(s, a) for s, a, _ in ALLOWED}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_report_transition_every_state_action_role(report, role_users, state, action, role):
    put_in_state(report, state)
    actor = role_users[role]
    before = (StatusReport.objects.get(pk=report.pk).state, ReportTransition.objects.count())

    if (state, action, role) in ALLOWED:
        result = report_transition(
            report=report,
            action=action,
            actor=actor,
            reason="Because.",
            expected_revision=report.revision,
        )

        assert result.state == EXPECTED_TARGET[action]
        assert StatusReport.objects.get(pk=report.pk).state == EXPECTED_TARGET[action]
        audit = ReportTransition.objects.get()
        assert (audit.action, audit.from_state, audit.to_state, audit.actor) == (
            action,
            state,
            EXPECTED_TARGET[action],
            actor,
        )
        assert StatusReport.history.filter(id=report.pk).first().history_user == actor
    else:
        with pytest.raises((PermissionDenied, ValidationError)):
            report_transition(
                report=report,
                action=action,
                actor=actor,
                reason="Because.",
                expected_revision=report.revision,
            )

        after = (StatusReport.objects.get(pk=report.pk).state, ReportTransition.objects.count())
        assert after == before
        assert Approval.objects.count() == 0


def test_approve_by_every_required_body_approves_the_report(report, role_users):
    put_in_state(report, ReportState.SUBMITTED)

    for body in ("eda", "eeas"):
        report = report_transition(
            report=report,
            action="approve",
            actor=role_users[body],
            expected_revision=report.revision,
        )
        assert report.state == ReportState.SUBMITTED
    report = report_transition(
        report=report, action="approve", actor=role_users["eums"], expected_revision=report.revision
    )

    assert report.state == ReportState.APPROVED
    assert report.approved_at is not None
    assert sorted(Approval.objects.values_list("body", "revision")) == [
        ("EDA", 1),
        ("EEAS", 1),
        ("EUMS", 1),
    ]


def test_approve_twice_by_same_body_is_refused(report, role_users):
    put_in_state(report, ReportState.SUBMITTED)
    report_transition(
        report=report, action="approve", actor=role_users["eda"], expected_revision=report.revision
    )
    colleague = factories.UserFactory(eda=True)

    with pytest.raises(ValidationError, match="EDA has already approved revision 1"):
        report_transition(
            report=report, action="approve", actor=colleague, expected_revision=report.revision
        )

    assert Approval.objects.count() == 1


def test_approve_only_bodies_the_cycle_requires(report, role_users):
    report.cycle.required_bodies = ["EDA"]
    report.cycle.save()
    put_in_state(report, ReportState.SUBMITTED)

    with pytest.raises(PermissionDenied):
        report_transition(
            report=report,
            action="approve",
            actor=role_users["eums"],
            expected_revision=report.revision,
        )
    report = report_transition(
        report=report, action="approve", actor=role_users["eda"], expected_revision=report.revision
    )

    assert report.state == ReportState.APPROVED


def test_resubmit_raises_revision_and_voids_earlier_approvals(report, role_users):
    put_in_state(report, ReportState.SUBMITTED)
    report_transition(
        report=report, action="approve", actor=role_users["eda"], expected_revision=report.revision
    )
    report_transition(
        report=report, action="approve", actor=role_users["eeas"], expected_revision=report.revision
    )
    report_transition(
        report=report,
        action="request_changes",
        actor=role_users["eums"],
        reason="Add risks.",
        expected_revision=report.revision,
    )

    report = report_transition(report=report, action="resubmit", actor=role_users["coordinator"])
    report = report_transition(
        report=report, action="approve", actor=role_users["eums"], expected_revision=report.revision
    )

    assert report.revision == 2
    assert report.state == ReportState.SUBMITTED  # EDA and EEAS approved revision 1 only
    assert sorted(Approval.objects.filter(revision=2).values_list("body", flat=True)) == ["EUMS"]


def test_request_changes_without_comment_is_refused(report, role_users):
    put_in_state(report, ReportState.SUBMITTED)

    with pytest.raises(ValidationError, match="a comment is required"):
        report_transition(
            report=report,
            action="request_changes",
            actor=role_users["eda"],
            expected_revision=report.revision,
        )

    assert StatusReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_request_changes_leaves_the_reason_as_shared_comment(report, role_users):
    put_in_state(report, ReportState.SUBMITTED)

    report_transition(
        report=report,
        action="request_changes",
        actor=role_users["eda"],
        reason="Add the risks.",
        expected_revision=report.revision,
    )

    comment = Comment.objects.get()
    assert (comment.body, comment.visibility, comment.author) == (
        "Add the risks.",
        "shared",
        role_users["eda"],
    )


def test_reopen_without_reason_is_refused(report, role_users):
    put_in_state(report, ReportState.APPROVED)

    with pytest.raises(ValidationError, match="reason for reopening"):
        report_transition(report=report, action="reopen", actor=role_users["lead"])


def test_submit_with_missing_items_names_every_one(project, role_users):
    report = factories.StatusReportFactory(project=project, summary="Only a summary.")
    factories.MilestoneUpdateFactory(
        report=report, status="", milestone__title="IOC", milestone__position=1
    )
    factories.MilestoneUpdateFactory(
        report=report, status="delayed", narrative="", milestone__title="FOC", milestone__position=2
    )

    with pytest.raises(ValidationError) as error:
        report_transition(report=report, action="submit", actor=role_users["coordinator"])

    assert error.value.messages == [
        "The report cannot be submitted yet:",
        "Overall assessment is missing.",
        "Achievements of the year is missing.",
        "Risks and mitigation is missing.",
        "Next year's plan is missing.",
        "Milestone 1 “IOC”: status is missing.",
        "Milestone 2 “FOC”: delayed, explain why.",
    ]
    assert StatusReport.objects.get(pk=report.pk).state == ReportState.DRAFT


def test_submit_after_deadline_is_refused_with_the_deadline(report, role_users):
    report.cycle.opens = date(2020, 1, 1)
    report.cycle.submission_deadline = timezone.localdate() - timedelta(days=1)
    report.cycle.save()
    deadline = report.cycle.submission_deadline

    with pytest.raises(ValidationError) as error:
        report_transition(report=report, action="submit", actor=role_users["coordinator"])

    assert error.value.messages == [
        f"The submission deadline was {deadline:%-d %B %Y}. "
        "Ask the secretariat lead for an extension."
    ]


def test_submit_after_deadline_with_extension_is_accepted(report, role_users):
    report.cycle.opens = date(2020, 1, 1)
    report.cycle.submission_deadline = timezone.localdate() - timedelta(days=1)
    report.cycle.save()
    report.extended_deadline = timezone.localdate() + timedelta(days=5)
    report.save()

    report = report_transition(report=report, action="submit", actor=role_users["coordinator"])

    assert report.state == ReportState.SUBMITTED


def test_submit_in_closed_cycle_is_refused(report, role_users):
    report.cycle.state = "closed"
    report.cycle.save()

    with pytest.raises(ValidationError, match="cycle is closed"):
        report_transition(report=report, action="submit", actor=role_users["coordinator"])


def test_submit_records_snapshot_of_content(report, role_users):
    report_transition(report=report, action="submit", actor=role_users["coordinator"])

    snapshot = ReportTransition.objects.get().snapshot
    assert snapshot["summary"] == "The project progressed as planned."
    assert [m["status"] for m in snapshot["milestones"].values()] == ["On track"]


def test_approved_report_records_achieved_milestones_in_register(report, role_users):
    update = report.updates.get()
    update.status = "achieved"
    update.achieved_on = date(2026, 5, 4)
    update.save()
    put_in_state(report, ReportState.SUBMITTED)

    for body in ("eda", "eeas", "eums"):
        report_transition(
            report=report,
            action="approve",
            actor=role_users[body],
            expected_revision=report.revision,
        )

    update.milestone.refresh_from_db()
    assert update.milestone.achieved_on == date(2026, 5, 4)
    report.project.refresh_from_db()
    assert report.project.phase == report.phase_reported
    assert report.project.history.first().history_change_reason == (
        "Phase reached, per the approved 2026 report"
    )


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_both_count_exactly_once(project):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises every write)")
    report = factories.StatusReportFactory(project=project, complete=True)
    factories.MilestoneUpdateFactory(report=report)
    put_in_state(report, ReportState.SUBMITTED)
    report.cycle.required_bodies = ["EDA", "EEAS"]
    report.cycle.save()
    reviewers = [factories.UserFactory(eda=True), factories.UserFactory(eeas=True)]
    barrier = threading.Barrier(2)
    errors = []

    def approve(reviewer):
        try:
            barrier.wait()
            report_transition(
                report=report, action="approve", actor=reviewer, expected_revision=report.revision
            )
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED
    assert sorted(Approval.objects.values_list("body", flat=True)) == ["EDA", "EEAS"]
    assert ReportTransition.objects.count() == 2


def test_approve_of_a_revision_no_longer_current_is_refused(report, role_users):
    put_in_state(report, ReportState.SUBMITTED)
    report_transition(
        report=report,
        action="request_changes",
        actor=role_users["eda"],
        reason="x",
        expected_revision=report.revision,
    )
    report_transition(report=report, action="resubmit", actor=role_users["coordinator"])

    with pytest.raises(ValidationError, match="resubmitted as revision 2 since you opened"):
        report_transition(
            report=report, action="approve", actor=role_users["eeas"], expected_revision=1
        )

    assert Approval.objects.count() == 0
