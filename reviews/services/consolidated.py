"""The consolidated review: request a build, build it (the Celery task's work), take over
builds whose worker went silent, publish, record downloads. State changes go through
reviews.builds."""

import hashlib
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from pesco_review.accounts.models import User
from pesco_review.history import save_with_history
from pesco_review.security import security_event
from reviews.builds import MAX_BUILD_ATTEMPTS, build_transition
from reviews.enums import BuildState, CycleState
from reviews.models import ConsolidatedReview, ReviewCycle, ReviewDownload, review_file_path
from reviews.services._common import require

# Errors worth another attempt: the database or the storage was briefly unavailable.
TRANSIENT_BUILD_ERRORS = (OperationalError, ConnectionError, TimeoutError)


class BuildAlreadyRunningError(ValidationError):
    def __init__(self, review: ConsolidatedReview):
        self.review = review
        super().__init__(
            f"Version {review.version} of the {review.cycle.year} review is already being built "
            f"({review.get_state_display().lower()}, {review.progress} %)."
        )


def _active_build(cycle: ReviewCycle) -> ConsolidatedReview | None:
    return cycle.consolidated.filter(state__in=sorted(BuildState.ACTIVE)).first()


def _dispatch(review: ConsolidatedReview) -> None:
    from reviews.tasks import build_consolidated_review  # noqa: PLC0415 - tasks import services

    build_consolidated_review.delay_on_commit(review.pk)


@transaction.atomic
def review_request_build(*, actor: User, cycle: ReviewCycle) -> ConsolidatedReview:
    """Queue a new version; refused while another build of the cycle is queued or running."""
    require(actor, "reviews.build_review", cycle, "Only the secretariat lead builds the review.")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_planned:
        raise ValidationError(
            f"The {cycle.year} cycle is not open yet: there is no report to build a review from."
        )
    running = _active_build(cycle)
    if running is not None:
        raise BuildAlreadyRunningError(running)
    last = cycle.consolidated.aggregate(Max("version"))["version__max"] or 0
    try:
        with transaction.atomic():
            review = ConsolidatedReview.objects.create(
                cycle=cycle, version=last + 1, requested_by=actor
            )
    except IntegrityError:  # another request won the race; the database says so
        raise BuildAlreadyRunningError(_active_build(cycle) or cycle.consolidated.get()) from None
    _dispatch(review)
    return review


def _claim(review_id: int, task_id: str) -> ConsolidatedReview | None:
    """Take the version for this run of the task, or None if there is nothing to do."""
    with transaction.atomic():
        review = (
            ConsolidatedReview.objects.select_for_update()
            .select_related("cycle", "requested_by")
            .get(pk=review_id)
        )
        if review.state in BuildState.FINISHED:
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
            last = review.error or "the worker stopped during the build"
            error = f"Gave up after {review.attempts} attempts. Last error: {last}"
            build_transition(review, "give_up", error=error)
            return None
        # What the build reads now decides whether it is final: an open cycle's is provisional.
        provisional = review.cycle.state not in CycleState.FINAL
        build_transition(
            review, "claim", task_id=task_id, progress=5, step="Starting", provisional=provisional
        )
        return review


def _beat(review: ConsolidatedReview, step: str, percent: int) -> None:
    """Record progress and a heartbeat."""
    build_transition(review, "beat", task_id=review.task_id, step=step, progress=percent)
    review.step = step
    pause = settings.REVIEW_BUILD_STEP_PAUSE
    if pause:
        time.sleep(pause)  # only set by the test that kills a worker mid-build


def _store(review: ConsolidatedReview, built) -> dict[str, str]:
    """Write both files whole, under this attempt's own folder; their stored names."""
    storage = ConsolidatedReview._meta.get_field("pdf").storage
    names = {}
    for extension, content in (("pdf", built.pdf), ("docx", built.docx)):
        name = review_file_path(review, review.file_name(extension))
        names[extension] = storage.save(name, ContentFile(content, name=name))
    return names


def _record(review: ConsolidatedReview, built, context, names: dict[str, str]) -> bool:
    """Point the version at its files, if this run still holds it; else remove the files."""
    moved = build_transition(
        review,
        "succeed",
        task_id=review.task_id,
        pdf=names["pdf"],
        docx=names["docx"],
        pdf_sha256=hashlib.sha256(built.pdf).hexdigest(),
        docx_sha256=hashlib.sha256(built.docx).hexdigest(),
        built_from=context.built_from,
        figures=context.as_json()["figures"],
        progress=100,
        step="Done",
        error="",
    )
    if not moved:
        storage = ConsolidatedReview._meta.get_field("pdf").storage
        for name in names.values():
            storage.delete(name)  # another run took over: leave no stray file
    return moved


def review_build(*, review_id: int, task_id: str) -> ConsolidatedReview | None:
    """Build one version: read, draw, render, write the files whole, then record them.

    A render error fails the version with its message. A transient error (database, storage)
    is raised for the task to retry; after MAX_BUILD_ATTEMPTS the version fails.
    """
    from reviews.documents.build import render_documents  # noqa: PLC0415 - heavy imports
    from reviews.documents.context import build_context  # noqa: PLC0415

    review = _claim(review_id, task_id)
    if review is None:
        return None
    claimed = review
    try:
        _beat(review, "Reading the approved reports", 10)
        context = build_context(
            cycle=review.cycle, version=review.version, generated_by=str(review.requested_by)
        )
        built = render_documents(context, lambda step, percent: _beat(claimed, step, percent))
        _beat(review, "Saving the files", 90)
        names = _store(review, built)
    except TRANSIENT_BUILD_ERRORS as error:
        if review.attempts >= MAX_BUILD_ATTEMPTS:
            message = f"Gave up after {review.attempts} attempts. {review.step}: {error}"
            build_transition(review, "fail", task_id=task_id, error=message)
            return None
        build_transition(review, "note_error", error=f"{review.step}: {error}")
        raise  # for the task to try again
    except Exception as error:  # noqa: BLE001 - any other failure is the build's, in words
        build_transition(review, "fail", task_id=task_id, error=f"{review.step} failed: {error}")
        return None
    return review if _record(review, built, context, names) else None


def review_sweep_stuck() -> int:
    """Queue again every build whose worker went silent (no heartbeat); fail it after the last
    attempt. Run periodically by Celery beat."""
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
                error = f"Gave up after {review.attempts} attempts: the worker stopped responding."
                build_transition(review, "give_up", error=error)
            else:
                build_transition(review, "requeue", requested_at=timezone.now())
                _dispatch(review)
            swept += 1
    return swept


@transaction.atomic
def review_publish(*, actor: User, review: ConsolidatedReview) -> ConsolidatedReview:
    """Publish a built version for leadership. A published version is never changed again."""
    require(actor, "reviews.build_review", review.cycle, "Only the secretariat lead publishes.")
    review = (
        ConsolidatedReview.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    )
    if not review.is_succeeded:
        raise ValidationError("Only a version that was built successfully can be published.")
    if review.is_published:
        raise ValidationError(f"Version {review.version} is already published.")
    if review.provisional:
        raise ValidationError(
            f"Version {review.version} was built while the cycle was open: it is provisional, "
            "for the secretariat only. Close the cycle and build a new version to publish."
        )
    if review.cycle.state not in CycleState.FINAL:
        raise ValidationError(f"Close the {review.cycle.year} cycle before publishing its review.")
    review.published_at, review.published_by = timezone.now(), actor
    review.save(update_fields=["published_at", "published_by"])
    cycle = review.cycle
    if cycle.state == CycleState.CLOSED:  # its first published version publishes the cycle
        cycle.state = CycleState.PUBLISHED
        save_with_history(cycle, actor=actor, reason="Review published", fields=["state"])
    return review


def review_record_download(
    *, actor: User, review: ConsolidatedReview, kind: str, address: str
) -> ReviewDownload:
    """Record that `actor` downloads a file of a version: in the database, for the cycle page,
    and in the security log."""
    require(actor, "reviews.download_review", review, "This version is not yours to download.")
    download = ReviewDownload(review=review, user=actor, kind=kind, address=address or None)
    download.full_clean(validate_constraints=False)
    download.save()
    security_event("review_downloaded", cycle=review.cycle.year, version=review.version, kind=kind)
    return download
