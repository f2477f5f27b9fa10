"""Celery tasks: thin. Primitive ids in, fetch, call one function, log."""

import logging

from celery import shared_task
from django.db import OperationalError

from pesco_review.storage import STORAGE_UNREACHABLE

log = logging.getLogger(__name__)

# Worth another try: the database or the object storage was briefly away. (Mail goes by the
# outbox.)
TRANSIENT = (OperationalError, ConnectionError, TimeoutError, *STORAGE_UNREACHABLE)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def send_reminders() -> int:
    from reviews.notifications import reminders_send  # noqa: PLC0415

    return reminders_send()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,  # a killed worker's build goes back to the queue at once
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=2,
)
def build_consolidated_review(self, review_id: int) -> str:
    from reviews.services import review_build  # noqa: PLC0415

    try:
        review = review_build(review_id=review_id, task_id=self.request.id or "")
    except OperationalError as error:
        raise self.retry(exc=error) from error
    state = review.state if review else "nothing to do"
    log.info("consolidated review %s: %s", review_id, state)
    return state


@shared_task(acks_late=True)
def sweep_stuck_builds() -> int:
    from reviews.services import review_sweep_stuck  # noqa: PLC0415

    return review_sweep_stuck()
