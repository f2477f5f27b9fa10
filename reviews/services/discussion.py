"""The conversation about a report: comments and replies, and milestone proposals."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pesco_review.accounts.models import User
from pesco_review.history import save_with_history
from pesco_review.permissions import may
from projects.models import Milestone
from reviews.enums import CommentVisibility, CycleState, ProposalState, ReportState
from reviews.models import Comment, MilestoneProposal, MilestoneUpdate, StatusReport
from reviews.services._common import require


def _cycle_open(report: StatusReport) -> None:
    if not report.cycle.is_open:
        raise ValidationError(
            f"The {report.cycle.year} cycle is {report.cycle.get_state_display().lower()}: its "
            "reports are final, and no milestone is proposed on them."
        )


def _thread_of(actor: User, report: StatusReport, parent: Comment, visibility: str):
    """A reply stays where its thread is, and an internal thread stays internal."""
    if parent.report_id != report.pk:
        raise ValidationError("That comment belongs to another report.")
    if parent.is_internal and not may(actor, "reviews.view_internal_comments"):
        raise PermissionDenied("You may not reply to this comment.")
    return parent.update, CommentVisibility.INTERNAL if parent.is_internal else visibility


@transaction.atomic
def comment_add(
    *,
    actor: User,
    report: StatusReport,
    body: str,
    visibility: str = CommentVisibility.SHARED,
    update: MilestoneUpdate | None = None,
    parent: Comment | None = None,
) -> Comment:
    require(actor, "reviews.comment_report", report, "You may not comment on this report.")
    if visibility == CommentVisibility.INTERNAL:
        require(
            actor, "reviews.comment_internal", message="Only the secretariat comments internally."
        )
    if update is not None and update.report_id != report.pk:
        raise ValidationError("That milestone belongs to another report.")
    if parent is not None:
        update, visibility = _thread_of(actor, report, parent, visibility)
    if not body.strip():
        raise ValidationError("A comment cannot be empty.")
    comment = Comment(
        report=report,
        update=update,
        parent=parent,
        author=actor,
        body=body.strip(),
        visibility=visibility,
        revision=report.revision,
    )
    save_with_history(comment, actor=actor)
    return comment


@transaction.atomic
def comment_resolve(*, actor: User, comment: Comment, resolved: bool) -> Comment:
    comment = (
        Comment.objects.select_for_update().select_related("report__project").get(pk=comment.pk)
    )
    require(actor, "reviews.resolve_comment", comment.report, "You may not resolve this comment.")
    if comment.is_internal:
        require(
            actor, "reviews.view_internal_comments", message="You may not resolve this comment."
        )
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = actor if resolved else None
    save_with_history(comment, actor=actor, fields=["resolved_at", "resolved_by"])
    return comment


@transaction.atomic
def milestone_propose(
    *, actor: User, report: StatusReport, title: str, proposed_due: date, description: str = ""
) -> MilestoneProposal:
    report = (
        StatusReport.objects.select_for_update(of=("self",))
        .select_related("cycle", "project")
        .get(pk=report.pk)
    )
    require(actor, "reviews.propose_milestone", report, "You may not propose milestones here.")
    if not report.is_editable:
        raise PermissionDenied("You may not propose milestones here.")
    _cycle_open(report)
    # Kept by the coordinator until sent (proposal_send): the secretariat sees none before.
    proposal = MilestoneProposal(
        report=report,
        title=title.strip(),
        description=description.strip(),
        proposed_due=proposed_due,
        proposed_by=actor,
    )
    save_with_history(proposal, actor=actor)
    return proposal


@transaction.atomic
def proposal_send(*, actor: User, proposal: MilestoneProposal) -> MilestoneProposal:
    """The coordinator sends a proposal to the secretariat; from then on its own fields (never
    the report's draft) are what the secretariat sees of it."""
    proposal = (
        MilestoneProposal.objects.select_for_update(of=("self",))
        .select_related("report__cycle")
        .get(pk=proposal.pk)
    )
    require(actor, "reviews.propose_milestone", proposal.report, "You may not send this proposal.")
    if proposal.is_sent:
        raise ValidationError("This proposal was sent already.")
    _cycle_open(proposal.report)
    proposal.state = ProposalState.PENDING
    proposal.sent_at = timezone.now()
    save_with_history(
        proposal, actor=actor, reason="Sent to the secretariat", fields=["state", "sent_at"]
    )
    return proposal


def _milestone_from(proposal: MilestoneProposal, *, actor: User) -> Milestone:
    """Add the accepted milestone to the register, last, and to the report while editable."""
    project_id = proposal.report.project_id
    last = Milestone.objects.filter(project_id=project_id).aggregate(Max("position"))
    milestone = Milestone(
        project_id=project_id,
        position=(last["position__max"] or 0) + 1,
        title=proposal.title,
        description=proposal.description,
        baseline_due=proposal.proposed_due,
        current_due=proposal.proposed_due,
    )
    save_with_history(milestone, actor=actor, reason="Proposed by the coordinator, accepted")
    milestone_add_to_open_draft(milestone=milestone, actor=actor, reason="Milestone added")
    return milestone


def milestone_add_to_open_draft(*, milestone: Milestone, actor: User, reason: str) -> bool:
    """A milestone new to the register joins its project's report of the open cycle while the
    coordinator can still edit it (a submitted or closed cycle's report stays as it was)."""
    report = (
        StatusReport.objects.filter(
            project_id=milestone.project_id,
            cycle__state=CycleState.OPEN,
            state__in=ReportState.EDITABLE,
        )
        .exclude(updates__milestone=milestone)
        .first()
    )
    if report is None:
        return False
    update = MilestoneUpdate(report=report, milestone=milestone)
    save_with_history(update, actor=actor, reason=reason)
    return True


@transaction.atomic
def proposal_decide(*, actor: User, proposal: MilestoneProposal, accept: bool) -> MilestoneProposal:
    """Accepting adds the milestone to the project's register and to the report."""
    require(actor, "reviews.decide_proposal", message="Only the secretariat decides on proposals.")
    proposal = (
        MilestoneProposal.objects.select_for_update()
        .select_related("report__cycle")
        .get(pk=proposal.pk)
    )
    if not proposal.is_sent:
        raise ValidationError("This proposal has not been sent to the secretariat yet.")
    if not proposal.is_pending:
        raise ValidationError(f"This proposal was already {proposal.get_state_display().lower()}.")
    proposal.decided_by = actor
    fields = ["state", "decided_by"]
    if accept:
        proposal.milestone = _milestone_from(proposal, actor=actor)
        proposal.state = ProposalState.ACCEPTED
        fields.append("milestone")
    else:
        proposal.state = ProposalState.DECLINED
    save_with_history(proposal, actor=actor, fields=fields)
    return proposal
