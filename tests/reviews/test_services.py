"""Writes to cycles, reports, comments and milestones (reviews.services)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from projects.models import Milestone
from reviews import services
from reviews.enums import CommentVisibility, CycleState, ProposalState, ReportState
from reviews.models import Comment, MilestoneProposal, MilestoneUpdate, ReviewCycle, StatusReport
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(project, role_users):
    """A draft of `project` in the open 2026 cycle, with one milestone update."""
    report = factories.StatusReportFactory(project=project)
    factories.MilestoneUpdateFactory(
        report=report, milestone__title="IOC", milestone__position=1, narrative=""
    )
    return report


@pytest.fixture
def submitted_report(report):
    report.state = ReportState.SUBMITTED
    report.submitted_at = timezone.now()
    report.save()
    return report


def approved_report(project, year: int, **values) -> StatusReport:
    cycle = factories.ReviewCycleFactory(year=year, closed=True)
    return factories.StatusReportFactory(
        cycle=cycle, project=project, state=ReportState.APPROVED, complete=True, **values
    )


# Cycles ----------------------------------------------------------------------------------------


def test_cycle_create_by_lead_creates_planned_cycle_requiring_every_body(role_users):
    lead = role_users["lead"]

    cycle = services.cycle_create(
        actor=lead,
        year=2027,
        opens=date(2027, 1, 15),
        submission_deadline=date(2027, 3, 31),
        review_deadline=date(2027, 5, 31),
        handling_marking="LIMITE",
    )

    cycle = ReviewCycle.objects.get(pk=cycle.pk)
    assert (cycle.year, cycle.state, cycle.required_bodies, cycle.handling_marking) == (
        2027,
        CycleState.PLANNED,
        ["EDA", "EEAS", "EUMS"],
        "LIMITE",
    )
    assert cycle.history.first().history_user == lead


def test_cycle_create_with_deadline_before_opening_is_refused(role_users):
    with pytest.raises(ValidationError) as error:
        services.cycle_create(
            actor=role_users["lead"],
            year=2027,
            opens=date(2027, 4, 1),
            submission_deadline=date(2027, 3, 31),
            review_deadline=date(2027, 5, 31),
            required_bodies=["EDA"],
        )

    assert error.value.messages == [
        "The cycle must open before the submission deadline, and the review deadline cannot be "
        "before the submission deadline."
    ]
    assert ReviewCycle.objects.count() == 0


def test_cycle_update_by_lead_changes_values_and_records_the_lead(role_users):
    cycle = factories.ReviewCycleFactory(planned=True)

    services.cycle_update(
        actor=role_users["lead"],
        cycle=cycle,
        submission_deadline=date(2026, 11, 30),
        required_bodies=["EDA", "EEAS"],
    )

    cycle.refresh_from_db()
    assert (cycle.submission_deadline, cycle.required_bodies) == (
        date(2026, 11, 30),
        ["EDA", "EEAS"],
    )
    assert cycle.history.first().history_user == role_users["lead"]


def test_cycle_open_creates_a_draft_for_every_project_in_review(project, other_project, role_users):
    factories.ProjectFactory(name="Charlie Project", closed=True)
    cycle = factories.ReviewCycleFactory(planned=True)

    created = services.cycle_open(actor=role_users["lead"], cycle=cycle)

    cycle.refresh_from_db()
    assert created == 2
    assert cycle.state == CycleState.OPEN
    assert cycle.opened_at is not None
    assert list(cycle.reports.values_list("project__acronym", "state", "revision", "version")) == [
        ("ALPHA", ReportState.DRAFT, 1, 1),
        ("BRAVO", ReportState.DRAFT, 1, 1),
    ]


def test_cycle_open_creates_one_update_per_open_milestone(project, role_users):
    first = factories.MilestoneFactory(project=project, position=1)
    factories.MilestoneFactory(project=project, position=2, achieved_on=date(2025, 9, 1))
    third = factories.MilestoneFactory(project=project, position=3)
    cycle = factories.ReviewCycleFactory(planned=True)

    services.cycle_open(actor=role_users["lead"], cycle=cycle)

    report = StatusReport.objects.get(cycle=cycle, project=project)
    assert list(report.updates.values_list("milestone", "status", "percent_complete")) == [
        (first.pk, "", None),
        (third.pk, "", None),
    ]


def test_cycle_open_prefills_draft_from_last_approved_report(project, role_users):
    carried = factories.MilestoneFactory(project=project, position=1)
    new = factories.MilestoneFactory(project=project, position=2)
    approved_report(project, 2023, summary="Summary of 2023.")
    last = approved_report(project, 2024, summary="Summary of 2024.", resources="Two officers.")
    factories.MilestoneUpdateFactory(
        report=last,
        milestone=carried,
        status="delayed",
        percent_complete=40,
        forecast_date=date(2026, 9, 1),
        narrative="Supplier late.",
    )
    factories.StatusReportFactory(  # the newest report, but never approved
        cycle=factories.ReviewCycleFactory(year=2025, closed=True),
        project=project,
        state=ReportState.CHANGES_REQUESTED,
        summary="Never approved.",
    )
    cycle = factories.ReviewCycleFactory(planned=True)

    services.cycle_open(actor=role_users["lead"], cycle=cycle)

    draft = StatusReport.objects.get(cycle=cycle, project=project)
    assert draft.prefilled_from == last
    assert [getattr(draft, name) for name in services.REPORT_FIELDS] == [
        getattr(last, name) for name in services.REPORT_FIELDS
    ]
    assert (draft.summary, draft.resources) == ("Summary of 2024.", "Two officers.")
    assert list(
        draft.updates.values_list(
            "milestone", "status", "percent_complete", "forecast_date", "narrative"
        )
    ) == [
        (carried.pk, "delayed", 40, date(2026, 9, 1), "Supplier late."),
        (new.pk, "", None, None, ""),
    ]


def test_cycle_open_twice_creates_nothing_more(project, other_project, role_users):
    factories.MilestoneFactory(project=project)
    cycle = factories.ReviewCycleFactory(planned=True)
    services.cycle_open(actor=role_users["lead"], cycle=cycle)

    created = services.cycle_open(actor=role_users["lead"], cycle=cycle)

    assert created == 0
    assert (StatusReport.objects.count(), MilestoneUpdate.objects.count()) == (2, 1)


def test_cycle_open_again_adds_only_drafts_of_new_projects(project, role_users):
    cycle = factories.ReviewCycleFactory(planned=True)
    services.cycle_open(actor=role_users["lead"], cycle=cycle)
    factories.ProjectFactory(name="Delta Project", acronym="DELTA")

    created = services.cycle_open(actor=role_users["lead"], cycle=cycle)

    assert created == 1
    assert sorted(cycle.reports.values_list("project__acronym", flat=True)) == [
        "ALPHA",
        "BRAVO",
        "DELTA",
    ]


def test_cycle_open_closed_cycle_is_refused(project, role_users):
    cycle = factories.ReviewCycleFactory(closed=True)

    with pytest.raises(ValidationError, match="The 2026 cycle is closed."):
        services.cycle_open(actor=role_users["lead"], cycle=cycle)

    assert StatusReport.objects.count() == 0


def test_cycle_close_open_cycle_closes_it_with_history_reason(role_users):
    cycle = factories.ReviewCycleFactory()

    services.cycle_close(actor=role_users["lead"], cycle=cycle)

    cycle.refresh_from_db()
    assert cycle.state == CycleState.CLOSED
    assert cycle.closed_at is not None
    last = cycle.history.first()
    assert (last.history_user, last.history_change_reason) == (role_users["lead"], "Cycle closed")


def test_cycle_close_planned_cycle_is_refused(role_users):
    cycle = factories.ReviewCycleFactory(planned=True)

    with pytest.raises(ValidationError) as error:
        services.cycle_close(actor=role_users["lead"], cycle=cycle)

    assert error.value.messages == ["Only an open cycle can be closed; the 2026 cycle is planned."]
    cycle.refresh_from_db()
    assert cycle.state == CycleState.PLANNED


# Only the secretariat lead creates, changes, opens and closes cycles and grants extensions.
LEAD_ONLY = {
    "cycle_create": lambda actor, report: services.cycle_create(
        actor=actor,
        year=2027,
        opens=date(2027, 1, 15),
        submission_deadline=date(2027, 3, 31),
        review_deadline=date(2027, 5, 31),
    ),
    "cycle_update": lambda actor, report: services.cycle_update(
        actor=actor, cycle=report.cycle, submission_deadline=date(2026, 11, 30)
    ),
    "cycle_open": lambda actor, report: services.cycle_open(actor=actor, cycle=report.cycle),
    "cycle_close": lambda actor, report: services.cycle_close(actor=actor, cycle=report.cycle),
    "report_grant_extension": lambda actor, report: services.report_grant_extension(
        actor=actor, report=report, until=date(2027, 1, 15), reason="Illness."
    ),
}


@pytest.mark.parametrize("role", ["coordinator", "eda", "leadership"])
@pytest.mark.parametrize("service", list(LEAD_ONLY))
def test_lead_only_service_by_other_role_is_refused_and_changes_nothing(
    report, role_users, service, role
):
    before = (list(ReviewCycle.objects.values()), list(StatusReport.objects.values()))

    with pytest.raises(PermissionDenied, match="Only the secretariat lead"):
        LEAD_ONLY[service](role_users[role], report)

    assert (list(ReviewCycle.objects.values()), list(StatusReport.objects.values())) == before


# Extensions ------------------------------------------------------------------------------------


def test_report_grant_extension_by_lead_moves_the_deadline(report, role_users):
    services.report_grant_extension(
        actor=role_users["lead"], report=report, until=date(2027, 1, 15), reason=" Illness. "
    )

    report = StatusReport.objects.get(pk=report.pk)
    # The version stays: an extension does not touch the text a coordinator may be editing.
    assert (report.deadline, report.extension_reason, report.version) == (
        date(2027, 1, 15),
        "Illness.",
        1,
    )
    last = report.history.first()
    assert (last.history_user, last.history_change_reason) == (
        role_users["lead"],
        "Extension to 15 January 2027: Illness.",
    )


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        (date(2027, 1, 15), "  ", "Give the reason for the extension."),
        (
            date(2026, 12, 31),
            "Illness.",
            "An extension must end after the deadline (31 December 2026).",
        ),
    ],
)
def test_report_grant_extension_without_reason_or_new_date_is_refused(
    report, role_users, until, reason, message
):
    with pytest.raises(ValidationError) as error:
        services.report_grant_extension(
            actor=role_users["lead"], report=report, until=until, reason=reason
        )

    assert error.value.messages == [message]
    report = StatusReport.objects.get(pk=report.pk)
    assert (report.extended_deadline, report.version) == (None, 1)


# Editing a report ------------------------------------------------------------------------------


def test_report_update_saves_text_and_milestones_and_raises_version(report, role_users):
    update = report.updates.get()

    services.report_update(
        actor=role_users["coordinator"],
        report=report,
        expected_version=1,
        values={"summary": "Good year.", "assessment": "minor_delays"},
        updates={update.pk: {"status": "delayed", "percent_complete": 30, "narrative": "Late."}},
    )

    report = StatusReport.objects.get(pk=report.pk)
    update.refresh_from_db()
    assert (report.summary, report.assessment, report.version) == ("Good year.", "minor_delays", 2)
    assert (update.status, update.percent_complete, update.narrative) == ("delayed", 30, "Late.")
    assert report.history.first().history_user == role_users["coordinator"]


def test_report_update_from_older_version_raises_conflict_and_keeps_saved_text(
    project, report, role_users
):
    first = role_users["coordinator"]
    first.first_name, first.last_name = "Ana", "Silva"
    first.save()
    second = factories.ProjectRoleFactory(project=project).user
    services.report_update(
        actor=first,
        report=report,
        expected_version=1,
        values={"summary": "Ana's text."},
        updates={},
    )

    with pytest.raises(services.EditConflictError) as error:
        services.report_update(
            actor=second,
            report=report,
            expected_version=1,
            values={"summary": "Second text."},
            updates={},
        )

    assert error.value.messages == [
        "Ana Silva saved this report since you opened it. Your text is kept below: compare it "
        "with the saved version, merge, and save again."
    ]
    report = StatusReport.objects.get(pk=report.pk)
    assert (report.summary, report.version) == ("Ana's text.", 2)


def test_report_update_ignores_fields_the_coordinator_may_not_set(
    report, other_project, role_users
):
    services.report_update(
        actor=role_users["coordinator"],
        report=report,
        expected_version=1,
        values={
            "summary": "Mine.",
            "state": ReportState.APPROVED,
            "project": other_project,
            "revision": 7,
            "extended_deadline": date(2027, 6, 1),
        },
        updates={},
    )

    report = StatusReport.objects.get(pk=report.pk)
    assert (
        report.summary,
        report.state,
        report.project.acronym,
        report.revision,
        report.extended_deadline,
    ) == ("Mine.", ReportState.DRAFT, "ALPHA", 1, None)


def test_report_update_with_another_reports_milestone_changes_nothing(
    report, other_project, role_users
):
    foreign = factories.MilestoneUpdateFactory(report__project=other_project)

    with pytest.raises(ValidationError, match="does not belong to this report"):
        services.report_update(
            actor=role_users["coordinator"],
            report=report,
            expected_version=1,
            values={"summary": "Lost."},
            updates={foreign.pk: {"status": "achieved"}},
        )

    report = StatusReport.objects.get(pk=report.pk)
    foreign.refresh_from_db()
    assert (report.summary, report.version, foreign.status) == ("", 1, "on_track")


def test_report_update_with_percent_over_100_changes_nothing(report, role_users):
    update = report.updates.get()

    with pytest.raises(ValidationError) as error:
        services.report_update(
            actor=role_users["coordinator"],
            report=report,
            expected_version=1,
            values={"summary": "Lost."},
            updates={update.pk: {"percent_complete": 101}},
        )

    assert error.value.message_dict == {
        "percent_complete": ["Ensure this value is less than or equal to 100."]
    }
    report = StatusReport.objects.get(pk=report.pk)
    update.refresh_from_db()
    assert (report.summary, report.version, update.percent_complete) == ("", 1, 50)


@pytest.mark.parametrize(
    ("role", "state"),
    [
        ("coordinator", ReportState.SUBMITTED),
        ("coordinator", ReportState.APPROVED),
        ("member", ReportState.DRAFT),
        ("lead", ReportState.DRAFT),
    ],
)
def test_report_update_when_not_editable_by_this_user_is_refused(report, role_users, role, state):
    report.state = state
    report.save()

    with pytest.raises(PermissionDenied, match="This report cannot be edited now."):
        services.report_update(
            actor=role_users[role],
            report=report,
            expected_version=1,
            values={"summary": "Changed."},
            updates={},
        )

    report = StatusReport.objects.get(pk=report.pk)
    assert (report.summary, report.version) == ("", 1)


# Comments --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "member", "eda", "lead"])
def test_comment_add_by_project_people_and_secretariat_records_it(
    submitted_report, role_users, role
):
    update = submitted_report.updates.get()

    comment = services.comment_add(
        actor=role_users[role], report=submitted_report, body="  Please explain.  ", update=update
    )

    comment = Comment.objects.get(pk=comment.pk)
    assert (
        comment.report,
        comment.update,
        comment.author,
        comment.body,
        comment.visibility,
        comment.revision,
    ) == (
        submitted_report,
        update,
        role_users[role],
        "Please explain.",
        CommentVisibility.SHARED,
        1,
    )


@pytest.mark.parametrize(
    ("role", "submitted"), [("leadership", True), ("no_role", True), ("eda", False)]
)
def test_comment_add_by_leadership_outsider_or_reviewer_of_draft_is_refused(
    report, role_users, role, submitted
):
    if submitted:
        report.state, report.submitted_at = ReportState.SUBMITTED, timezone.now()
        report.save()

    with pytest.raises(PermissionDenied, match="You may not comment on this report."):
        services.comment_add(actor=role_users[role], report=report, body="Hello.")

    assert Comment.objects.count() == 0


def test_comment_add_internal_by_reviewer_is_internal(submitted_report, role_users):
    comment = services.comment_add(
        actor=role_users["eda"],
        report=submitted_report,
        body="Between us.",
        visibility=CommentVisibility.INTERNAL,
    )

    assert Comment.objects.get(pk=comment.pk).visibility == CommentVisibility.INTERNAL


@pytest.mark.parametrize("role", ["coordinator", "member"])
def test_comment_add_internal_by_project_people_is_refused(submitted_report, role_users, role):
    with pytest.raises(PermissionDenied, match="Only the secretariat comments internally."):
        services.comment_add(
            actor=role_users[role],
            report=submitted_report,
            body="Secret?",
            visibility=CommentVisibility.INTERNAL,
        )

    assert Comment.objects.count() == 0


def test_comment_add_reply_to_internal_stays_internal_on_the_same_milestone(
    submitted_report, role_users
):
    update = submitted_report.updates.get()
    parent = services.comment_add(
        actor=role_users["eda"],
        report=submitted_report,
        body="Is the date credible?",
        visibility=CommentVisibility.INTERNAL,
        update=update,
    )

    reply = services.comment_add(
        actor=role_users["eeas"],
        report=submitted_report,
        body="No.",
        visibility=CommentVisibility.SHARED,
        parent=parent,
    )

    reply = Comment.objects.get(pk=reply.pk)
    assert (reply.parent, reply.update, reply.visibility) == (
        parent,
        update,
        CommentVisibility.INTERNAL,
    )


def test_comment_add_reply_by_coordinator_to_internal_is_refused(submitted_report, role_users):
    parent = services.comment_add(
        actor=role_users["eda"],
        report=submitted_report,
        body="Between us.",
        visibility=CommentVisibility.INTERNAL,
    )

    with pytest.raises(PermissionDenied, match="You may not reply to this comment."):
        services.comment_add(
            actor=role_users["coordinator"], report=submitted_report, body="Hi.", parent=parent
        )

    assert list(Comment.objects.all()) == [parent]


def test_comment_add_with_another_reports_milestone_or_parent_is_refused(
    submitted_report, other_project, role_users
):
    other = factories.StatusReportFactory(project=other_project)
    other_update = factories.MilestoneUpdateFactory(report=other)
    other_comment = Comment.objects.create(
        report=other, author=role_users["eda"], body="Elsewhere.", revision=1
    )

    with pytest.raises(ValidationError, match="That milestone belongs to another report."):
        services.comment_add(
            actor=role_users["eda"], report=submitted_report, body="x", update=other_update
        )
    with pytest.raises(ValidationError, match="That comment belongs to another report."):
        services.comment_add(
            actor=role_users["eda"], report=submitted_report, body="x", parent=other_comment
        )

    assert list(Comment.objects.all()) == [other_comment]


def test_comment_add_empty_body_is_refused(submitted_report, role_users):
    with pytest.raises(ValidationError, match="A comment cannot be empty."):
        services.comment_add(actor=role_users["coordinator"], report=submitted_report, body="  ")

    assert Comment.objects.count() == 0


def test_comment_resolve_by_coordinator_resolves_and_unresolves(submitted_report, role_users):
    coordinator = role_users["coordinator"]
    comment = services.comment_add(actor=role_users["eda"], report=submitted_report, body="Fix.")

    services.comment_resolve(actor=coordinator, comment=comment, resolved=True)
    resolved = Comment.objects.get(pk=comment.pk)
    services.comment_resolve(actor=coordinator, comment=comment, resolved=False)
    reopened = Comment.objects.get(pk=comment.pk)

    assert resolved.resolved_by == coordinator
    assert resolved.resolved_at is not None
    assert (reopened.resolved_by, reopened.resolved_at) == (None, None)


@pytest.mark.parametrize(
    ("role", "visibility"),
    [
        ("coordinator", CommentVisibility.INTERNAL),
        ("member", CommentVisibility.SHARED),
        ("leadership", CommentVisibility.SHARED),
    ],
)
def test_comment_resolve_by_user_who_may_not_is_refused(
    submitted_report, role_users, role, visibility
):
    comment = services.comment_add(
        actor=role_users["eda"], report=submitted_report, body="Fix.", visibility=visibility
    )

    with pytest.raises(PermissionDenied, match="You may not resolve this comment."):
        services.comment_resolve(actor=role_users[role], comment=comment, resolved=True)

    comment = Comment.objects.get(pk=comment.pk)
    assert (comment.resolved_by, comment.resolved_at) == (None, None)


# Milestones ------------------------------------------------------------------------------------


def test_milestone_move_baseline_by_secretariat_records_the_reason(project, role_users):
    milestone = factories.MilestoneFactory(project=project, current_due=date(2026, 8, 31))

    services.milestone_move_baseline(
        actor=role_users["eda"],
        milestone=milestone,
        baseline_due=date(2026, 12, 15),
        reason=" Council decision. ",
    )

    milestone.refresh_from_db()
    assert (milestone.baseline_due, milestone.current_due) == (
        date(2026, 12, 15),
        date(2026, 12, 15),
    )
    last = milestone.history.first()
    assert (last.history_user, last.history_change_reason) == (
        role_users["eda"],
        "Baseline moved from 30 Jun 2026 to 15 Dec 2026: Council decision.",
    )


@pytest.mark.parametrize("role", ["coordinator", "member", "leadership"])
def test_milestone_move_baseline_by_non_secretariat_is_refused(project, role_users, role):
    milestone = factories.MilestoneFactory(project=project)

    with pytest.raises(PermissionDenied, match="Only the secretariat moves a baseline date."):
        services.milestone_move_baseline(
            actor=role_users[role], milestone=milestone, baseline_due=date(2027, 1, 1), reason="x"
        )

    milestone.refresh_from_db()
    assert milestone.baseline_due == date(2026, 6, 30)


def test_milestone_move_baseline_without_reason_is_refused(project, role_users):
    milestone = factories.MilestoneFactory(project=project)

    with pytest.raises(ValidationError, match="Give the reason for moving the baseline date."):
        services.milestone_move_baseline(
            actor=role_users["lead"], milestone=milestone, baseline_due=date(2027, 1, 1), reason=""
        )

    milestone.refresh_from_db()
    assert (milestone.baseline_due, milestone.history.count()) == (date(2026, 6, 30), 1)


def test_milestone_propose_by_coordinator_on_draft_is_kept_until_sent(report, role_users):
    proposal = services.milestone_propose(
        actor=role_users["coordinator"],
        report=report,
        title=" Live exercise ",
        proposed_due=date(2027, 5, 1),
        description="With two states.",
    )

    proposal = MilestoneProposal.objects.get(pk=proposal.pk)
    assert (
        proposal.report,
        proposal.title,
        proposal.description,
        proposal.proposed_due,
        proposal.state,
        proposal.proposed_by,
        proposal.milestone,
    ) == (
        report,
        "Live exercise",
        "With two states.",
        date(2027, 5, 1),
        ProposalState.DRAFT,
        role_users["coordinator"],
        None,
    )


@pytest.mark.parametrize(
    ("role", "state"),
    [
        ("coordinator", ReportState.SUBMITTED),
        ("member", ReportState.DRAFT),
        ("eda", ReportState.DRAFT),
    ],
)
def test_milestone_propose_when_not_editable_by_this_user_is_refused(
    report, role_users, role, state
):
    report.state = state
    report.save()

    with pytest.raises(PermissionDenied, match="You may not propose milestones here."):
        services.milestone_propose(
            actor=role_users[role], report=report, title="x", proposed_due=date(2027, 5, 1)
        )

    assert MilestoneProposal.objects.count() == 0


@pytest.fixture
def proposal(report, role_users):
    """A proposal the coordinator sent to the secretariat."""
    proposal = services.milestone_propose(
        actor=role_users["coordinator"],
        report=report,
        title="Live exercise",
        proposed_due=date(2027, 5, 1),
    )
    return services.proposal_send(actor=role_users["coordinator"], proposal=proposal)


def test_proposal_decide_accept_adds_milestone_to_register_and_report(report, proposal, role_users):
    services.proposal_decide(actor=role_users["eeas"], proposal=proposal, accept=True)

    proposal.refresh_from_db()
    milestone = Milestone.objects.get(title="Live exercise")
    assert (proposal.state, proposal.decided_by, proposal.milestone) == (
        ProposalState.ACCEPTED,
        role_users["eeas"],
        milestone,
    )
    assert (
        milestone.project,
        milestone.position,
        milestone.baseline_due,
        milestone.current_due,
    ) == (report.project, 2, date(2027, 5, 1), date(2027, 5, 1))
    assert list(report.updates.values_list("milestone__title", flat=True)) == [
        "IOC",
        "Live exercise",
    ]


def test_proposal_decide_decline_adds_nothing(report, proposal, role_users):
    services.proposal_decide(actor=role_users["lead"], proposal=proposal, accept=False)

    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.milestone) == (
        ProposalState.DECLINED,
        role_users["lead"],
        None,
    )
    assert (Milestone.objects.count(), report.updates.count()) == (1, 1)


def test_proposal_decide_twice_is_refused(proposal, role_users):
    services.proposal_decide(actor=role_users["lead"], proposal=proposal, accept=False)

    with pytest.raises(ValidationError, match="This proposal was already declined."):
        services.proposal_decide(actor=role_users["lead"], proposal=proposal, accept=True)

    assert Milestone.objects.count() == 1


def test_proposal_decide_by_coordinator_is_refused(proposal, role_users):
    with pytest.raises(PermissionDenied, match="Only the secretariat decides on proposals."):
        services.proposal_decide(actor=role_users["coordinator"], proposal=proposal, accept=True)

    proposal.refresh_from_db()
    assert (proposal.state, Milestone.objects.count()) == (ProposalState.PENDING, 1)


def test_cycle_update_state_or_year_is_refused(role_users):
    cycle = factories.ReviewCycleFactory(planned=True)

    with pytest.raises(ValidationError, match="These cannot be changed here: state, year."):
        services.cycle_update(actor=role_users["lead"], cycle=cycle, state="open", year=1999)

    cycle.refresh_from_db()
    assert (cycle.state, cycle.year) == (CycleState.PLANNED, 2026)


def test_proposal_decide_accept_on_submitted_report_adds_milestone_to_register_only(
    submitted_report, role_users
):
    proposal = MilestoneProposal.objects.create(
        report=submitted_report,
        title="Sea trials",
        proposed_due=date(2027, 6, 1),
        proposed_by=role_users["coordinator"],
        state=ProposalState.PENDING,  # sent before the report was submitted
    )

    services.proposal_decide(actor=role_users["eda"], proposal=proposal, accept=True)

    milestone = Milestone.objects.get(title="Sea trials")
    assert milestone.project_id == submitted_report.project_id
    assert not MilestoneUpdate.objects.filter(milestone=milestone).exists()


def test_cycle_update_required_bodies_of_an_open_cycle_is_refused(role_users):
    cycle = factories.ReviewCycleFactory()  # open

    with pytest.raises(ValidationError, match="fixed once the cycle is open"):
        services.cycle_update(actor=role_users["lead"], cycle=cycle, required_bodies=["EDA"])

    cycle.refresh_from_db()
    assert cycle.required_bodies == ["EDA", "EEAS", "EUMS"]
