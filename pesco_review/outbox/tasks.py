"""The outbox's tasks: thin. The drain is the guarantee, the per-message task the fast path."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def deliver_mail(mail_id: int) -> bool:
    from pesco_review.outbox.services import mail_deliver  # noqa: PLC0415 - apps load first

    return mail_deliver(mail_id=mail_id)


@shared_task(acks_late=True)
def drain_outbox() -> int:
    from pesco_review.outbox.services import mail_drain  # noqa: PLC0415

    return mail_drain()
