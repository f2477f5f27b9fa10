"""The consolidated review: request a build, publish a version, record downloads. Building it and
the sweep are in reviews.services.building; state changes go through reviews.builds."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from pesco_review.accounts.models import User
from pesco_review.history import save_with_history
from pesco_review.security import security_event
from reviews.enums import BuildState, CycleState
from reviews.models import ConsolidatedReview, ReviewCycle, ReviewDownload
from reviews.services._common import require
from reviews.services.building import dispatch_build


class BuildAlreadyRunningError(ValidationError):
    def __init__(self, review: ConsolidatedReview):
        self.review = review
        super().__init__(
            f"Version {review.version} of the {review.cycle.year} review is already being built "
            f"({review.get_state_display().lower()}, {review.progress} %)."
        )


def _active_build(cycle: ReviewCycle) -> ConsolidatedReview | None:
    return cycle.consolidated.filter(state__in=sorted(BuildState.ACTIVE)).first()


@transaction.atomic
def review_request_build(
    *, actor: User, cycle: ReviewCycle, names_reviewers: bool = False
) -> ConsolidatedReview:
    """Queue a new version; refused while another build of the cycle is queued or running.
    `names_reviewers`: the approvals name the reviewers, not only their bodies."""
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
                cycle=cycle, version=last + 1, requested_by=actor, names_reviewers=names_reviewers
            )
    except IntegrityError:  # another request won the race; the database says so
        raise BuildAlreadyRunningError(_active_build(cycle) or cycle.consolidated.get()) from None
    dispatch_build(review)
    return review


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
