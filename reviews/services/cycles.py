"""Review cycles: plan, change, open (a draft for every project in review) and close."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.accounts.models import User
from pesco_review.history import save_with_history
from projects.models import Project
from reviews.enums import CycleState, HistoryReason, ReportState
from reviews.models import MilestoneUpdate, ReviewCycle, StatusReport
from reviews.services._common import require
from reviews.services.reports import REPORT_FIELDS, UPDATE_FIELDS

# A cycle's settings, in the order its form shows them; its state changes only by opening and
# closing.
CYCLE_EDITABLE = (
    "opens",
    "submission_deadline",
    "review_deadline",
    "required_bodies",
    "handling_marking",
    "reminder_days_before",
    "reminder_days_after",
    "reviewer_reminder_after_days",
    "resubmission_days",
)


def _check_bodies(bodies) -> None:
    known = set(SecretariatBody.values)
    if not bodies or not set(bodies) <= known:
        choices = ", ".join(sorted(known))
        raise ValidationError(f"Choose the bodies that must approve: one or more of {choices}.")


def _check_settings(values: dict, message: str) -> None:
    unknown = set(values) - set(CYCLE_EDITABLE)
    if unknown:
        raise ValidationError(f"{message}: {', '.join(sorted(unknown))}.")
    if "required_bodies" in values:
        _check_bodies(values["required_bodies"])


@transaction.atomic
def cycle_create(*, actor: User, year: int, **values) -> ReviewCycle:
    """Plan a cycle: its year, dates, required bodies, marking and reminder settings."""
    require(actor, "reviews.manage_cycle", message="Only the secretariat lead creates cycles.")
    _check_settings(values, "Unknown cycle settings")
    cycle = ReviewCycle(year=year, **values)
    _check_bodies(cycle.required_bodies)
    save_with_history(cycle, actor=actor)
    return cycle


@transaction.atomic
def cycle_update(*, actor: User, cycle: ReviewCycle, **values) -> ReviewCycle:
    """Change a cycle's dates and settings; its state changes only by opening and closing."""
    require(actor, "reviews.manage_cycle", message="Only the secretariat lead changes cycles.")
    _check_settings(values, "These cannot be changed here")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if (
        "required_bodies" in values
        and not cycle.is_planned
        and set(values["required_bodies"]) != set(cycle.required_bodies)
    ):
        raise ValidationError(
            "The bodies that must approve are fixed once the cycle is open: reports are being "
            "approved against them."
        )
    for name, value in values.items():
        setattr(cycle, name, value)
    save_with_history(cycle, actor=actor, fields=list(values))
    return cycle


def _last_approved_report(project: Project, year: int) -> StatusReport | None:
    return (
        StatusReport.objects.filter(
            project=project, cycle__year__lt=year, state=ReportState.APPROVED
        )
        .order_by("-cycle__year")
        .prefetch_related("updates")
        .first()
    )


def _draft_create(*, actor: User, cycle: ReviewCycle, project: Project) -> StatusReport:
    """A project's draft, pre-filled from its last approved report, with one milestone update
    per open milestone (pre-filled the same way)."""
    previous = _last_approved_report(project, cycle.year)
    report = StatusReport(cycle=cycle, project=project, prefilled_from=previous)
    if previous is not None:
        for name in REPORT_FIELDS:
            setattr(report, name, getattr(previous, name))
    save_with_history(report, actor=actor, reason=HistoryReason.DRAFT_CREATED, validate=False)
    earlier = {u.milestone_id: u for u in previous.updates.all()} if previous else {}
    for milestone in project.milestones.all():
        if milestone.achieved_on is not None:
            continue
        update = MilestoneUpdate(report=report, milestone=milestone)
        if milestone.pk in earlier:
            for name in UPDATE_FIELDS:
                setattr(update, name, getattr(earlier[milestone.pk], name))
        save_with_history(update, actor=actor, validate=False)
    return report


@transaction.atomic
def cycle_open(*, actor: User, cycle: ReviewCycle) -> int:
    """Open the cycle: a draft for every project in review. Opening again creates drafts only
    for projects that have none yet; returns the number created."""
    require(actor, "reviews.manage_cycle", message="Only the secretariat lead opens cycles.")
    # Every cycle row is locked, in one order: two openings at once are serialised, and the
    # second finds the first open (the constraint is never the first to notice).
    locked = {c.pk: c for c in ReviewCycle.objects.select_for_update().order_by("pk")}
    cycle = locked[cycle.pk]
    if not cycle.is_openable:
        raise ValidationError(f"The {cycle.year} cycle is {cycle.get_state_display().lower()}.")
    if cycle.is_planned:
        other = ReviewCycle.objects.filter(state=CycleState.OPEN).exclude(pk=cycle.pk).first()
        if other is not None:
            raise ValidationError(
                f"The {other.year} cycle is still open: close it before opening the "
                f"{cycle.year} cycle (one cycle is open at a time)."
            )
        cycle.state = CycleState.OPEN
        cycle.opened_at = timezone.now()
        save_with_history(
            cycle, actor=actor, reason=HistoryReason.CYCLE_OPENED, fields=["state", "opened_at"]
        )
    existing = set(cycle.reports.values_list("project_id", flat=True))
    projects = (
        Project.objects.in_review()
        .exclude(pk__in=existing)
        .prefetch_related("milestones")
        .order_by("name")
    )
    created = 0
    for project in projects:
        _draft_create(actor=actor, cycle=cycle, project=project)
        created += 1
    return created


@transaction.atomic
def cycle_close(*, actor: User, cycle: ReviewCycle) -> ReviewCycle:
    require(actor, "reviews.manage_cycle", message="Only the secretariat lead closes cycles.")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.is_open:
        raise ValidationError(
            f"Only an open cycle can be closed; the {cycle.year} cycle is "
            f"{cycle.get_state_display().lower()}."
        )
    cycle.state = CycleState.CLOSED
    cycle.closed_at = timezone.now()
    save_with_history(
        cycle, actor=actor, reason=HistoryReason.CYCLE_CLOSED, fields=["state", "closed_at"]
    )
    return cycle
