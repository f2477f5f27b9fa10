"""The report state machine: the only code that changes a report's state.

One table of (state, action) → target, and one function, `report_transition`, that locks the
report row, checks the permission and the guards, sets the state, writes the audit record and
queues the notifications once the transaction has committed.

    draft --submit--> submitted --request changes--> changes_requested --resubmit--> submitted
    submitted --approve (every required body, this revision)--> approved
    approved --reopen (lead, reason)--> changes_requested
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from pesco_review.history import attribute
from reviews.enums import CycleState, ReportAction, ReportState
from reviews.models import Approval, Comment, ReportTransition, StatusReport
from reviews.tasks import notify_transition

TRANSITIONS: dict[tuple[str, str], str] = {
    (ReportState.DRAFT, ReportAction.SUBMIT): ReportState.SUBMITTED,
    (ReportState.CHANGES_REQUESTED, ReportAction.RESUBMIT): ReportState.SUBMITTED,
    (ReportState.SUBMITTED, ReportAction.REQUEST_CHANGES): ReportState.CHANGES_REQUESTED,
    # Stays submitted until the last required body approves this revision (see _approve).
    (ReportState.SUBMITTED, ReportAction.APPROVE): ReportState.APPROVED,
    (ReportState.APPROVED, ReportAction.REOPEN): ReportState.CHANGES_REQUESTED,
}

REASON_REQUIRED: dict[str, str] = {
    ReportAction.REQUEST_CHANGES: "Say what should change: a comment is required.",
    ReportAction.REOPEN: "Give the reason for reopening this approved report.",
}


def available_actions(report: StatusReport) -> list[str]:
    """The actions the table allows from the report's state (permissions not yet applied)."""
    return [action for (state, action) in TRANSITIONS if state == report.state]


def actions_for(*, user, report: StatusReport) -> list[str]:
    """The actions this user may take on this report now."""
    return [
        action
        for action in available_actions(report)
        if user.has_perm(f"reviews.{action}_report", report)
        and not (
            action == ReportAction.APPROVE
            and (
                user.secretariat_body not in report.cycle.required_bodies
                or _has_approved(report, user.secretariat_body)
            )
        )
    ]


def _has_approved(report: StatusReport, body: str) -> bool:
    return report.approvals.filter(revision=report.revision, body=body).exists()


def missing_items(report: StatusReport) -> list[str]:
    """Everything that keeps the report from being submitted, each named."""
    missing = []
    if not report.assessment:
        missing.append("Overall assessment is missing.")
    if report.phase_reported_id is None:
        missing.append("Lifecycle phase reached is missing.")
    for name in StatusReport.REQUIRED_NARRATIVES:
        if not getattr(report, name).strip():
            label = str(getattr(StatusReport._meta.get_field(name), "verbose_name", name))
            missing.append(f"{label[0].upper()}{label[1:]} is missing.")
    # Uses the prefetched updates (with their milestones) where a page has them.
    for update in sorted(report.updates.all(), key=lambda u: u.milestone.position):
        milestone = update.milestone
        name = f"Milestone {milestone.position} “{milestone.title}”"
        if not update.status:
            missing.append(f"{name}: status is missing.")
        elif update.status == "achieved" and update.achieved_on is None:
            missing.append(f"{name}: achieved, but the date it was achieved is missing.")
        elif update.status in {"delayed", "at_risk"} and not update.narrative.strip():
            missing.append(f"{name}: {update.get_status_display().lower()}, explain why.")
    return missing


def _check_submission(report: StatusReport, action: str) -> None:
    if report.cycle.state != CycleState.OPEN:
        raise ValidationError(
            f"The {report.cycle.year} cycle is {report.cycle.get_state_display().lower()}: "
            "reports can be submitted only while it is open."
        )
    today = timezone.localdate()
    if action == ReportAction.SUBMIT and today > report.deadline:
        raise ValidationError(
            f"The submission deadline was {report.deadline:%-d %B %Y}. Ask the secretariat lead "
            "for an extension."
        )
    missing = missing_items(report)
    if missing:
        raise ValidationError(["The report cannot be submitted yet:", *missing])


def snapshot(report: StatusReport) -> dict:
    """The report's content as plain data, to compare revisions with."""
    return {
        "assessment": report.get_assessment_display() if report.assessment else "",
        "assessment_key": report.assessment,
        "phase_reported": str(report.phase_reported) if report.phase_reported_id else "",
        "phase_id": report.phase_reported_id,
        **{name: getattr(report, name) for name in StatusReport.NARRATIVE_FIELDS},
        "milestones": {
            str(update.milestone_id): {
                "title": update.milestone.title,
                "position": update.milestone.position,
                "status": update.get_status_display() if update.status else "",
                "status_key": update.status,
                "percent_complete": update.percent_complete,
                "forecast_date": update.forecast_date.isoformat() if update.forecast_date else None,
                "achieved_on": update.achieved_on.isoformat() if update.achieved_on else None,
                "narrative": update.narrative,
            }
            for update in report.updates.select_related("milestone")
        },
    }


def _approve(report: StatusReport, actor) -> str:
    body = actor.secretariat_body
    if body not in report.cycle.required_bodies:
        raise PermissionDenied("Approvals are given by a reviewer, for a body the cycle requires.")
    if _has_approved(report, body):
        raise ValidationError(f"{body} has already approved revision {report.revision}.")
    Approval.objects.create(report=report, revision=report.revision, body=body, reviewer=actor)
    approved = set(report.approvals.filter(revision=report.revision).values_list("body", flat=True))
    if set(report.cycle.required_bodies) <= approved:
        return ReportState.APPROVED
    return ReportState.SUBMITTED


def _record_achievements(report: StatusReport, actor) -> None:
    """Once approved, the register follows the report: the project's lifecycle phase, and the
    milestones reported as achieved."""
    project = report.project
    if report.phase_reported_id and project.phase_id != report.phase_reported_id:
        project.phase_id = report.phase_reported_id
        attribute(
            project,
            actor=actor,
            reason=f"Phase reached, per the approved {report.cycle.year} report",
        )
        project.save(update_fields=["phase"])
    for update in report.updates.select_related("milestone").filter(status="achieved"):
        milestone = update.milestone
        if milestone.achieved_on != update.achieved_on and update.achieved_on is not None:
            milestone.achieved_on = update.achieved_on
            attribute(
                milestone,
                actor=actor,
                reason=f"Achieved, per the approved {report.cycle.year} report",
            )
            milestone.save(update_fields=["achieved_on"])


def report_transition(
    *,
    report: StatusReport,
    action: str,
    actor,
    reason: str = "",
    expected_revision: int | None = None,
) -> StatusReport:
    """Take one workflow action on a report, or raise and change nothing.

    Raises PermissionDenied if the actor may not take the action, ValidationError (with a
    message a person understands) if the report's state or content does not allow it, or if
    it is no longer the revision the actor decided on (`expected_revision`, from the page).
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        report = (
            StatusReport.objects.select_for_update(of=("self",))
            .select_related("cycle", "project", "phase_reported")
            .get(pk=report.pk)
        )
        target = TRANSITIONS.get((report.state, action))
        if target is None:
            label = ReportAction(action).label.lower() if action in ReportAction else action
            raise ValidationError(
                f"A report that is {report.get_state_display().lower()} cannot be given “{label}”."
            )
        if not actor.has_perm(f"reviews.{action}_report", report):
            raise PermissionDenied(f"You may not {ReportAction(action).label.lower()} this report.")
        if expected_revision is not None and expected_revision != report.revision:
            raise ValidationError(
                f"The report was resubmitted as revision {report.revision} since you opened "
                f"revision {expected_revision}: read it again before deciding."
            )
        if action in REASON_REQUIRED and not reason:
            raise ValidationError(REASON_REQUIRED[action])

        from_state = report.state
        fields = ["state"]
        now = timezone.now()
        taken_snapshot = None
        if action in {ReportAction.SUBMIT, ReportAction.RESUBMIT}:
            _check_submission(report, action)
            if action == ReportAction.RESUBMIT:
                report.revision += 1
                fields.append("revision")
            report.submitted_at = now
            fields.append("submitted_at")
        elif action == ReportAction.APPROVE:
            target = _approve(report, actor)
            if target == ReportState.APPROVED:
                report.approved_at = now
                fields.append("approved_at")
        elif action == ReportAction.REQUEST_CHANGES:
            Comment.objects.create(
                report=report, author=actor, body=reason, revision=report.revision
            )
        report.state = target
        if action in {ReportAction.SUBMIT, ReportAction.RESUBMIT}:
            taken_snapshot = snapshot(report)
        attribute(
            report,
            actor=actor,
            reason=f"{ReportAction(action).label}" + (f": {reason}" if reason else ""),
        )
        report.save(update_fields=fields)
        if target == ReportState.APPROVED and action == ReportAction.APPROVE:
            _record_achievements(report, actor)
        transition = ReportTransition.objects.create(
            report=report,
            action=action,
            from_state=from_state,
            to_state=target,
            revision=report.revision,
            actor=actor,
            body=actor.secretariat_body if action in {"approve", "request_changes"} else "",
            reason=reason,
            snapshot=taken_snapshot,
        )
        notify_transition.delay_on_commit(transition.pk)
    return report
