"""Every write to cycles, reports, comments and milestones, except state changes (workflow.py)."""

import hashlib
import time
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.history import attribute
from projects.models import Milestone, Project
from reviews.enums import BuildState, CommentVisibility, CycleState, ProposalState, ReportState
from reviews.models import (
    Comment,
    ConsolidatedReview,
    MilestoneProposal,
    MilestoneUpdate,
    ReviewCycle,
    StatusReport,
    review_file_path,
)

# Errors worth another attempt: the database or the storage was briefly unavailable.
TRANSIENT_BUILD_ERRORS = (OperationalError, ConnectionError, TimeoutError)

UPDATE_FIELDS = ("status", "percent_complete", "forecast_date", "achieved_on", "narrative")
REPORT_FIELDS = ("assessment", "phase_reported", *StatusReport.NARRATIVE_FIELDS)


class EditConflictError(ValidationError):
    """Somebody else saved the report since this form was loaded."""

    def __init__(self, report: StatusReport, editor: str):
        self.report = report
        super().__init__(
            f"{editor} saved this report since you opened it. Your text is kept below: compare "
            "it with the saved version, merge, and save again."
        )


def _require(actor, permission: str, obj=None, message: str = "") -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(message or "You may not do this.")


def _save(instance, fields: list[str], *, actor, reason: str = "") -> None:
    instance.full_clean()
    attribute(instance, actor=actor, reason=reason)
    instance.save(update_fields=fields)


def _check_bodies(bodies) -> None:
    known = set(SecretariatBody.values)
    if not bodies or not set(bodies) <= known:
        choices = ", ".join(sorted(known))
        raise ValidationError(f"Choose the bodies that must approve: one or more of {choices}.")


# The history reason of a coordinator's save; the secretariat's view of the history leaves these
# out (they may hold text that was never submitted).
DRAFT_SAVE_REASON = "Edited"

# A cycle's settings, in the order its form shows them; its state changes only by the workflow.
CYCLE_EDITABLE = (
    "opens",
    "submission_deadline",
    "review_deadline",
    "required_bodies",
    "handling_marking",
    "reminder_days_before",
    "reminder_days_after",
    "reviewer_reminder_after_days",
)


@transaction.atomic
def cycle_create(*, actor, year: int, **values) -> ReviewCycle:
    """Plan a cycle: its year, dates, required bodies, marking and reminder settings."""
    _require(actor, "reviews.manage_cycle", message="Only the secretariat lead creates cycles.")
    unknown = set(values) - set(CYCLE_EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown cycle settings: {', '.join(sorted(unknown))}.")
    cycle = ReviewCycle(year=year, **values)
    _check_bodies(cycle.required_bodies)
    cycle.full_clean()
    attribute(cycle, actor=actor)
    cycle.save()
    return cycle


@transaction.atomic
def cycle_update(*, actor, cycle: ReviewCycle, **values) -> ReviewCycle:
    """Change a cycle's dates and settings; its state changes only by opening and closing."""
    _require(actor, "reviews.manage_cycle", message="Only the secretariat lead changes cycles.")
    unknown = set(values) - set(CYCLE_EDITABLE)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    if "required_bodies" in values:
        _check_bodies(values["required_bodies"])
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if (
        "required_bodies" in values
        and cycle.state != CycleState.PLANNED
        and set(values["required_bodies"]) != set(cycle.required_bodies)
    ):
        raise ValidationError(
            "The bodies that must approve are fixed once the cycle is open: reports are being "
            "approved against them."
        )
    for name, value in values.items():
        setattr(cycle, name, value)
    _save(cycle, list(values), actor=actor)
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


@transaction.atomic
def cycle_open(*, actor, cycle: ReviewCycle) -> int:
    """Open the cycle: a draft for every project in review, pre-filled from its last approved
    report, with one milestone update per open milestone. Opening again creates nothing more."""
    _require(actor, "reviews.manage_cycle", message="Only the secretariat lead opens cycles.")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state not in {CycleState.PLANNED, CycleState.OPEN}:
        raise ValidationError(f"The {cycle.year} cycle is {cycle.get_state_display().lower()}.")
    if cycle.state == CycleState.PLANNED:
        cycle.state = CycleState.OPEN
        cycle.opened_at = timezone.now()
        _save(cycle, ["state", "opened_at"], actor=actor, reason="Cycle opened")
    existing = set(cycle.reports.values_list("project_id", flat=True))
    projects = (
        Project.objects.in_review()
        .exclude(pk__in=existing)
        .prefetch_related("milestones")
        .order_by("name")
    )
    created = 0
    for project in projects:
        previous = _last_approved_report(project, cycle.year)
        report = StatusReport(cycle=cycle, project=project, prefilled_from=previous)
        if previous is not None:
            for name in REPORT_FIELDS:
                setattr(report, name, getattr(previous, name))
        attribute(report, actor=actor, reason="Draft created when the cycle opened")
        report.save()
        earlier = {u.milestone_id: u for u in previous.updates.all()} if previous else {}
        for milestone in project.milestones.all():
            if milestone.achieved_on is not None:
                continue
            update = MilestoneUpdate(report=report, milestone=milestone)
            if milestone.pk in earlier:
                for name in UPDATE_FIELDS:
                    setattr(update, name, getattr(earlier[milestone.pk], name))
            attribute(update, actor=actor)
            update.save()
        created += 1
    return created


@transaction.atomic
def cycle_close(*, actor, cycle: ReviewCycle) -> ReviewCycle:
    _require(actor, "reviews.manage_cycle", message="Only the secretariat lead closes cycles.")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state != CycleState.OPEN:
        raise ValidationError(
            f"Only an open cycle can be closed; the {cycle.year} cycle is "
            f"{cycle.get_state_display().lower()}."
        )
    cycle.state = CycleState.CLOSED
    cycle.closed_at = timezone.now()
    _save(cycle, ["state", "closed_at"], actor=actor, reason="Cycle closed")
    return cycle


@transaction.atomic
def report_grant_extension(
    *, actor, report: StatusReport, until: date, reason: str
) -> StatusReport:
    _require(
        actor, "reviews.grant_extension", report, "Only the secretariat lead grants extensions."
    )
    report = StatusReport.objects.select_for_update().select_related("cycle").get(pk=report.pk)
    if not reason.strip():
        raise ValidationError("Give the reason for the extension.")
    if until <= report.cycle.submission_deadline:
        deadline = report.cycle.submission_deadline
        raise ValidationError(f"An extension must end after the deadline ({deadline:%-d %B %Y}).")
    report.extended_deadline = until
    report.extension_reason = reason.strip()
    _save(
        report,
        ["extended_deadline", "extension_reason"],
        actor=actor,
        reason=f"Extension to {until:%-d %B %Y}: {reason.strip()}",
    )
    return report


@transaction.atomic
def report_update(
    *,
    actor,
    report: StatusReport,
    expected_version: int,
    values: dict,
    updates: dict[int, dict],
) -> StatusReport:
    """Save the coordinator's text. Refused if somebody saved since `expected_version`."""
    report = (
        StatusReport.objects.select_for_update()
        .select_related("cycle", "project")
        .get(pk=report.pk)
    )
    _require(actor, "reviews.edit_report", report, "This report cannot be edited now.")
    if report.version != expected_version:
        last = report.history.select_related("history_user").first()
        editor = str(last.history_user) if last and last.history_user else "Somebody"
        raise EditConflictError(report, editor)
    changed = [name for name in REPORT_FIELDS if name in values]
    for name in changed:
        setattr(report, name, values[name])
    report.version += 1
    _save(report, [*changed, "version"], actor=actor, reason=DRAFT_SAVE_REASON)
    by_id = {u.pk: u for u in report.updates.all()}
    for update_id, data in updates.items():
        update = by_id.get(update_id)
        if update is None:
            raise ValidationError("A milestone update does not belong to this report.")
        fields = [
            name for name in UPDATE_FIELDS if name in data and getattr(update, name) != data[name]
        ]
        if not fields:
            continue
        for name in fields:
            setattr(update, name, data[name])
        _save(update, fields, actor=actor)
    return report


@transaction.atomic
def comment_add(
    *,
    actor,
    report: StatusReport,
    body: str,
    visibility: str = CommentVisibility.SHARED,
    update: MilestoneUpdate | None = None,
    parent: Comment | None = None,
) -> Comment:
    _require(actor, "reviews.comment_report", report, "You may not comment on this report.")
    if visibility == CommentVisibility.INTERNAL:
        _require(
            actor, "reviews.comment_internal", message="Only the secretariat comments internally."
        )
    if update is not None and update.report_id != report.pk:
        raise ValidationError("That milestone belongs to another report.")
    if parent is not None:
        if parent.report_id != report.pk:
            raise ValidationError("That comment belongs to another report.")
        if parent.is_internal and not actor.has_perm("reviews.view_internal_comments"):
            raise PermissionDenied("You may not reply to this comment.")
        # A reply stays where its thread is, and an internal thread stays internal.
        update = parent.update
        if parent.is_internal:
            visibility = CommentVisibility.INTERNAL
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
    comment.full_clean()
    attribute(comment, actor=actor)
    comment.save()
    return comment


@transaction.atomic
def comment_resolve(*, actor, comment: Comment, resolved: bool) -> Comment:
    comment = (
        Comment.objects.select_for_update().select_related("report__project").get(pk=comment.pk)
    )
    _require(actor, "reviews.resolve_comment", comment.report, "You may not resolve this comment.")
    if comment.is_internal:
        _require(
            actor, "reviews.view_internal_comments", message="You may not resolve this comment."
        )
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = actor if resolved else None
    _save(comment, ["resolved_at", "resolved_by"], actor=actor)
    return comment


@transaction.atomic
def milestone_move_baseline(
    *, actor, milestone: Milestone, baseline_due: date, reason: str
) -> Milestone:
    """Only the secretariat moves a baseline date, and always with a reason (kept in history)."""
    _require(actor, "reviews.move_baseline", message="Only the secretariat moves a baseline date.")
    if not reason.strip():
        raise ValidationError("Give the reason for moving the baseline date.")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    old = milestone.baseline_due
    milestone.baseline_due = baseline_due
    milestone.current_due = baseline_due
    _save(
        milestone,
        ["baseline_due", "current_due"],
        actor=actor,
        reason=f"Baseline moved from {old:%-d %b %Y} to {baseline_due:%-d %b %Y}: {reason.strip()}",
    )
    return milestone


@transaction.atomic
def milestone_propose(
    *, actor, report: StatusReport, title: str, proposed_due: date, description: str = ""
) -> MilestoneProposal:
    _require(actor, "reviews.propose_milestone", report, "You may not propose milestones here.")
    proposal = MilestoneProposal(
        report=report,
        title=title.strip(),
        description=description.strip(),
        proposed_due=proposed_due,
        proposed_by=actor,
    )
    proposal.full_clean()
    attribute(proposal, actor=actor)
    proposal.save()
    return proposal


@transaction.atomic
def proposal_decide(*, actor, proposal: MilestoneProposal, accept: bool) -> MilestoneProposal:
    """Accepting adds the milestone to the project's register and to the report."""
    _require(actor, "reviews.decide_proposal", message="Only the secretariat decides on proposals.")
    proposal = (
        MilestoneProposal.objects.select_for_update().select_related("report").get(pk=proposal.pk)
    )
    if proposal.state != ProposalState.PENDING:
        raise ValidationError(f"This proposal was already {proposal.get_state_display().lower()}.")
    proposal.decided_by = actor
    fields = ["state", "decided_by"]
    if accept:
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
        _create(milestone, actor=actor, reason="Proposed by the coordinator, accepted")
        if proposal.report.state in {ReportState.DRAFT, ReportState.CHANGES_REQUESTED}:
            update = MilestoneUpdate(report=proposal.report, milestone=milestone)
            _create(update, actor=actor, reason="Milestone added")
        proposal.milestone = milestone
        proposal.state = ProposalState.ACCEPTED
        fields.append("milestone")
    else:
        proposal.state = ProposalState.DECLINED
    _save(proposal, fields, actor=actor)
    return proposal


def _create(instance, *, actor, reason: str) -> None:
    instance.full_clean()
    attribute(instance, actor=actor, reason=reason)
    instance.save()


# The consolidated review ------------------------------------------------------------------------

MAX_BUILD_ATTEMPTS = 3


class BuildAlreadyRunningError(ValidationError):
    def __init__(self, review: ConsolidatedReview):
        self.review = review
        super().__init__(
            f"Version {review.version} of the {review.cycle.year} review is already being built "
            f"({review.get_state_display().lower()}, {review.progress} %)."
        )


@transaction.atomic
def review_request_build(*, actor, cycle: ReviewCycle) -> ConsolidatedReview:
    """Queue a new version; refused while another build of the cycle is queued or running."""
    _require(actor, "reviews.build_review", cycle, "Only the secretariat lead builds the review.")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    running = cycle.consolidated.filter(state__in=[BuildState.QUEUED, BuildState.RUNNING]).first()
    if running is not None:
        raise BuildAlreadyRunningError(running)
    last = cycle.consolidated.aggregate(Max("version"))["version__max"] or 0
    try:
        with transaction.atomic():
            review = ConsolidatedReview.objects.create(
                cycle=cycle, version=last + 1, requested_by=actor
            )
    except IntegrityError:  # another request won the race; the database says so
        raise BuildAlreadyRunningError(
            cycle.consolidated.filter(state__in=[BuildState.QUEUED, BuildState.RUNNING]).get()
        ) from None
    from reviews.tasks import build_consolidated_review  # noqa: PLC0415 - tasks import services

    build_consolidated_review.delay_on_commit(review.pk)
    return review


def _claim(review_id: int, task_id: str) -> ConsolidatedReview | None:
    """Take the version for this run of the task, or None if there is nothing to do."""
    with transaction.atomic():
        review = (
            ConsolidatedReview.objects.select_for_update()
            .select_related("cycle", "requested_by")
            .get(pk=review_id)
        )
        if review.state in {BuildState.SUCCEEDED, BuildState.FAILED}:
            return None
        stale = timezone.now() - timedelta(seconds=settings.REVIEW_BUILD_STALE_SECONDS)
        if (
            review.state == BuildState.RUNNING
            and review.task_id != task_id
            and review.heartbeat_at is not None
            and review.heartbeat_at > stale
        ):
            return None  # another live run has it
        if review.attempts >= MAX_BUILD_ATTEMPTS:
            review.state = BuildState.FAILED
            review.error = (
                f"Gave up after {review.attempts} attempts. Last error: "
                f"{review.error or 'the worker stopped during the build'}"
            )
            review.finished_at = timezone.now()
            review.save(update_fields=["state", "error", "finished_at"])
            return None
        now = timezone.now()
        review.state = BuildState.RUNNING
        review.attempts += 1
        review.task_id = task_id
        review.started_at = review.started_at or now
        review.heartbeat_at = now
        review.progress, review.step = 5, "Starting"
        review.save(
            update_fields=[
                "state",
                "attempts",
                "task_id",
                "started_at",
                "heartbeat_at",
                "progress",
                "step",
            ]
        )
        return review


def _beat(review: ConsolidatedReview, step: str, percent: int) -> None:
    """Record progress and a heartbeat (a plain update: the version has no history of its own)."""
    ConsolidatedReview.objects.filter(pk=review.pk, task_id=review.task_id).update(
        step=step, progress=percent, heartbeat_at=timezone.now()
    )
    review.step = step
    pause = settings.REVIEW_BUILD_STEP_PAUSE
    if pause:
        time.sleep(pause)  # only set by the test that kills a worker mid-build


def review_build(*, review_id: int, task_id: str) -> ConsolidatedReview | None:
    """Build one version: read, draw, render, write the files whole, then record them.

    A render error fails the version with its message. A transient error (database, storage)
    is raised for the task to retry; after MAX_BUILD_ATTEMPTS the version fails.
    """
    from reviews.documents.build import render_documents  # noqa: PLC0415 - heavy imports
    from reviews.documents.context import build_context  # noqa: PLC0415

    claimed = _claim(review_id, task_id)
    if claimed is None:
        return None
    review = claimed
    try:
        _beat(review, "Reading the approved reports", 10)
        context = build_context(
            cycle=review.cycle, version=review.version, generated_by=str(review.requested_by)
        )
        built = render_documents(context, lambda step, percent: _beat(claimed, step, percent))
        _beat(review, "Saving the files", 90)
        storage = ConsolidatedReview._meta.get_field("pdf").storage
        names = {}
        for extension, content in (("pdf", built.pdf), ("docx", built.docx)):
            name = review_file_path(review, review.file_name(extension))
            names[extension] = storage.save(name, ContentFile(content, name=name))
    except TRANSIENT_BUILD_ERRORS as error:
        if review.attempts >= MAX_BUILD_ATTEMPTS:
            ConsolidatedReview.objects.filter(pk=review.pk, task_id=task_id).update(
                state=BuildState.FAILED,
                error=f"Gave up after {review.attempts} attempts. {review.step}: {error}",
                finished_at=timezone.now(),
            )
            return None
        ConsolidatedReview.objects.filter(pk=review.pk).update(error=f"{review.step}: {error}")
        raise  # for the task to try again
    except Exception as error:  # noqa: BLE001 - any other failure is the build's, in words
        ConsolidatedReview.objects.filter(pk=review.pk, task_id=task_id).update(
            state=BuildState.FAILED,
            error=f"{review.step} failed: {error}",
            finished_at=timezone.now(),
        )
        return None
    with transaction.atomic():
        review = ConsolidatedReview.objects.select_for_update().get(pk=review.pk)
        if review.state != BuildState.RUNNING or review.task_id != task_id:
            for name in names.values():
                storage.delete(name)  # another run took over: leave no stray file
            return None
        review.pdf.name, review.docx.name = names["pdf"], names["docx"]
        review.pdf_sha256 = hashlib.sha256(built.pdf).hexdigest()
        review.docx_sha256 = hashlib.sha256(built.docx).hexdigest()
        review.built_from = context.built_from
        review.figures = context.as_json()["figures"]
        review.state, review.progress, review.step = BuildState.SUCCEEDED, 100, "Done"
        review.error = ""
        review.finished_at = timezone.now()
        review.save()
    return review


def review_sweep_stuck() -> int:
    """Queue again every build whose worker went silent (no heartbeat); fail it after the last
    attempt. Run periodically by Celery beat."""
    from reviews.tasks import build_consolidated_review  # noqa: PLC0415

    stale = timezone.now() - timedelta(seconds=settings.REVIEW_BUILD_STALE_SECONDS)
    swept = 0
    stuck = ConsolidatedReview.objects.filter(
        Q(state=BuildState.RUNNING, heartbeat_at__lt=stale)
        | Q(state=BuildState.QUEUED, requested_at__lt=stale)
    ).values_list("pk", flat=True)
    for review_id in stuck:
        with transaction.atomic():
            review = ConsolidatedReview.objects.select_for_update().get(pk=review_id)
            if review.attempts >= MAX_BUILD_ATTEMPTS:
                review.state = BuildState.FAILED
                review.error = (
                    f"Gave up after {review.attempts} attempts: the worker stopped responding."
                )
                review.finished_at = timezone.now()
                review.save(update_fields=["state", "error", "finished_at"])
            else:
                review.state, review.task_id = BuildState.QUEUED, ""
                review.requested_at = timezone.now()
                review.save(update_fields=["state", "task_id", "requested_at"])
                build_consolidated_review.delay_on_commit(review.pk)
            swept += 1
    return swept


@transaction.atomic
def review_publish(*, actor, review: ConsolidatedReview) -> ConsolidatedReview:
    """Publish a built version for leadership. A published version is never changed again."""
    _require(actor, "reviews.build_review", review.cycle, "Only the secretariat lead publishes.")
    review = ConsolidatedReview.objects.select_for_update().get(pk=review.pk)
    if review.state != BuildState.SUCCEEDED:
        raise ValidationError("Only a version that was built successfully can be published.")
    if review.published_at is not None:
        raise ValidationError(f"Version {review.version} is already published.")
    review.published_at, review.published_by = timezone.now(), actor
    review.save(update_fields=["published_at", "published_by"])
    return review
