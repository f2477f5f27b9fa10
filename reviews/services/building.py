"""Building a consolidated version (the Celery task's work), and the sweep that sees every build
finish or say why. State changes go through reviews.builds."""

import hashlib
import time
from dataclasses import asdict
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from pesco_review.dispatch import dispatch_on_commit
from pesco_review.storage import STORAGE_UNREACHABLE, server_errors_as_unreachable
from reviews.builds import MAX_BUILD_ATTEMPTS, build_transition
from reviews.enums import BuildState, CycleState
from reviews.models import ConsolidatedReview, review_file_path

# Errors worth another attempt: the database or the storage was briefly unavailable.
TRANSIENT_BUILD_ERRORS = (OperationalError, ConnectionError, TimeoutError, *STORAGE_UNREACHABLE)


def _handed_over(review_id: int) -> None:
    """The broker took the task message: the cycle page stops saying it waits for the queue."""
    review = ConsolidatedReview.objects.filter(pk=review_id).first()
    if review is not None:
        build_transition(review, "hand_over")


def dispatch_build(review: ConsolidatedReview) -> None:
    """Hand the build to a worker once committed, without waiting for the broker: if it is
    unreachable, the sweep hands the build over when it is back."""
    from reviews.tasks import build_consolidated_review  # noqa: PLC0415 - tasks import services

    dispatch_on_commit(
        build_consolidated_review, review.pk, on_sent=partial(_handed_over, review.pk)
    )


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
        with server_errors_as_unreachable():
            names[extension] = storage.save(name, ContentFile(content, name=name))
    return names


def _record(review: ConsolidatedReview, built, context, names: dict[str, str]) -> bool:
    """Point the version at its files, if this run still holds it; else remove the files."""
    from reviews.documents.exports import export_rows  # noqa: PLC0415 - heavy imports

    moved = build_transition(
        review,
        "succeed",
        task_id=review.task_id,
        pdf=names["pdf"],
        docx=names["docx"],
        pdf_sha256=hashlib.sha256(built.pdf).hexdigest(),
        docx_sha256=hashlib.sha256(built.docx).hexdigest(),
        built_from=context.built_from,
        warnings=context.warnings,
        figures=asdict(context.figures),
        export_rows=export_rows(context),
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
            cycle=review.cycle,
            version=review.version,
            generated_by=str(review.requested_by),
            names_reviewers=review.names_reviewers,
        )
        built = render_documents(context, lambda step, percent: _beat(claimed, step, percent))
        _beat(review, "Saving the files", 90)
        names = _store(review, built)
    except TRANSIENT_BUILD_ERRORS as error:
        cause = (
            f"the object storage is unreachable ({error})"
            if isinstance(error, STORAGE_UNREACHABLE)
            else str(error)
        )
        if review.attempts >= MAX_BUILD_ATTEMPTS:
            message = f"Gave up after {review.attempts} attempts. {review.step}: {cause}"
            build_transition(review, "fail", task_id=task_id, error=message)
            return None
        build_transition(review, "note_error", error=f"{review.step}: {cause}")
        raise  # for the task to try again
    except Exception as error:  # noqa: BLE001 - any other failure is the build's, in words
        build_transition(review, "fail", task_id=task_id, error=f"{review.step} failed: {error}")
        return None
    return review if _record(review, built, context, names) else None


def _take_over(review_id: int) -> None:
    """Queue a silent build again (a new attempt), or fail it after the last one."""
    with transaction.atomic():
        review = ConsolidatedReview.objects.select_for_update().get(pk=review_id)
        if review.attempts >= MAX_BUILD_ATTEMPTS:
            error = f"Gave up after {review.attempts} attempts: the worker stopped responding."
            build_transition(review, "give_up", error=error)
        elif build_transition(review, "requeue", requested_at=timezone.now()):
            dispatch_build(review)


def review_sweep_stuck() -> int:
    """The periodic job (Celery beat, every REVIEW_BUILD_SWEEP_SECONDS) that sees every build
    finish or say why: hand over again a queued build whose message the broker never took;
    queue again (or fail, after the last attempt) one whose worker went silent or whose message
    was lost. The number of builds it acted on."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REVIEW_BUILD_STALE_SECONDS)
    silent = ConsolidatedReview.objects.filter(
        Q(state=BuildState.RUNNING, heartbeat_at__lt=stale)
        | Q(state=BuildState.QUEUED, requested_at__lt=stale)
    ).values_list("pk", flat=True)
    swept = list(silent)
    for review_id in swept:
        _take_over(review_id)
    # Requested while the broker was down: give the request's own hand-over a moment first.
    waiting = ConsolidatedReview.objects.filter(
        state=BuildState.QUEUED,
        dispatched_at__isnull=True,
        requested_at__lt=now - timedelta(seconds=settings.REVIEW_BUILD_HANDOVER_SECONDS),
    ).exclude(pk__in=swept)
    for review in waiting:
        dispatch_build(review)
    return len(swept) + len(waiting)
