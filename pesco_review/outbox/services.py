"""The mail outbox: write a message in the caller's transaction, send it afterwards, once.

    mail_enqueue / mail_store   write the row (state pending) and, on commit, dispatch its task
    mail_deliver                send one due message under a row lock; sent, or retried later
    mail_drain                  the periodic job: every due message, whatever was dispatched

Exactly once: a message is sent only while its row is locked (`select_for_update(skip_locked)`)
and still pending, and marked sent in that same transaction, so the task and the drain never
both send it. The one window left is a database failure between the mail server's "accepted"
and the commit: the message then goes again, with the same Message-ID, which mail clients treat
as one message.
"""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers, make_msgid
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from pesco_review.dispatch import dispatch_on_commit
from pesco_review.outbox.enums import MailState
from pesco_review.outbox.models import OutboxMail

log = logging.getLogger(__name__)

MAX_MAIL_ATTEMPTS = 12  # with the backoff below: about nine hours of trying
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 60 * 60
# The server refused every recipient or the sender: trying again would change nothing.
PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)

_suppressed: ContextVar[list[str] | None] = ContextVar("mail_suppressed", default=None)


@contextmanager
def mail_suppressed() -> Iterator[list[str]]:
    """Write no mail inside the block (demo data, bulk loads nobody is to be told about); the
    list it gives collects the subjects that were left unsent."""
    left: list[str] = []
    token = _suppressed.set(left)
    try:
        yield left
    finally:
        _suppressed.reset(token)


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most 1 h."""
    seconds = FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, LONGEST_RETRY_SECONDS))


def mail_store(message: EmailMessage, *, kind: str) -> OutboxMail | None:
    """Write a built message to the outbox; it is sent once the transaction commits."""
    subject, body, html = str(message.subject), str(message.body), ""
    left = _suppressed.get()
    if left is not None:
        left.append(subject)
        return None
    if message.content_subtype == "html":  # an HTML-only message: keep a text part too
        body, html = strip_tags(body), body
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = str(content)
    mail = OutboxMail.objects.create(
        kind=kind,
        subject=subject,
        body=body,
        html=html,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=sorted(set(message.to)),
        message_id=make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN),
        next_attempt_at=timezone.now(),
    )
    from pesco_review.outbox.tasks import deliver_mail  # noqa: PLC0415 - tasks import services

    dispatch_on_commit(deliver_mail, mail.pk)
    return mail


def mail_enqueue(*, subject: str, body: str, to: list[str], kind: str) -> OutboxMail | None:
    """Write a plain-text message to `to` (one message, every address in To)."""
    if not to:
        return None
    return mail_store(EmailMessage(subject, body, None, to), kind=kind)


def _message(mail: OutboxMail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        mail.subject, mail.body, mail.from_email, mail.to, headers={"Message-ID": mail.message_id}
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


def _failed(mail: OutboxMail, error: Exception) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, PERMANENT) or mail.attempts >= MAX_MAIL_ATTEMPTS:
        mail.state = MailState.FAILED
        log.error("mail %s failed for good after %s attempt(s): %s", mail.pk, mail.attempts, error)
    else:
        mail.next_attempt_at = timezone.now() + retry_delay(mail.attempts)
        log.warning(
            "mail %s attempt %s failed, next at %s: %s",
            mail.pk,
            mail.attempts,
            mail.next_attempt_at,
            error,
        )
    mail.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])


def mail_deliver(*, mail_id: int) -> bool:
    """Send one message if it is pending and due; True if this call sent it."""
    with transaction.atomic():
        mail = (
            OutboxMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, state=MailState.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if mail is None:
            return False  # sent already, failed for good, not due, or being sent right now
        try:
            mailers.default.send_messages([_message(mail)])
        except Exception as error:  # noqa: BLE001 - any failure of the mail server is retried
            _failed(mail, error)
            return False
        mail.state, mail.sent_at, mail.attempts = MailState.SENT, timezone.now(), mail.attempts + 1
        mail.last_error = ""
        mail.save(update_fields=["state", "sent_at", "attempts", "last_error"])
    return True


def mail_drain(*, limit: int = 500) -> int:
    """Send every due message (the periodic job); the number sent."""
    due = OutboxMail.objects.filter(
        state=MailState.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")
    sent = sum(mail_deliver(mail_id=pk) for pk in due.values_list("pk", flat=True)[:limit])
    if sent:
        log.info("outbox: %s message(s) sent", sent)
    return sent


def mail_retry(*, mail: OutboxMail) -> bool:
    """Try a failed message again from now (the admin's action); False if it is not failed."""
    retried = OutboxMail.objects.filter(pk=mail.pk, state=MailState.FAILED).update(
        state=MailState.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if retried:
        from pesco_review.outbox.tasks import deliver_mail  # noqa: PLC0415

        dispatch_on_commit(deliver_mail, mail.pk)
    return bool(retried)
