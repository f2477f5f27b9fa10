"""The mail outbox: written with the step, sent once, retried with backoff, never lost."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.db import connection, transaction
from django.utils import timezone

from pesco_review.outbox.enums import MailState
from pesco_review.outbox.models import OutboxMail
from pesco_review.outbox.services import (
    MAX_MAIL_ATTEMPTS,
    mail_deliver,
    mail_drain,
    mail_enqueue,
    mail_retry,
    mail_suppressed,
    retry_delay,
)

pytestmark = pytest.mark.django_db

REFUSING_SERVER = {  # a real SMTP connection to a port where nothing listens
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
    }
}


def enqueue(subject: str = "Report approved", to: tuple[str, ...] = ("a@example.org",)):
    return mail_enqueue(subject=subject, body="The body.\n", to=list(to), kind="test")


def test_mail_enqueue_rolled_back_step_leaves_no_mail():
    def step_failing_after_its_mail():
        with transaction.atomic():
            enqueue()
            raise RuntimeError("the step failed after writing its mail")

    with pytest.raises(RuntimeError):
        step_failing_after_its_mail()

    assert OutboxMail.objects.count() == 0


def test_mail_enqueue_with_nobody_to_tell_writes_nothing():
    assert mail_enqueue(subject="s", body="b", to=[], kind="test") is None
    assert OutboxMail.objects.count() == 0


def test_mail_drain_sends_each_message_once_with_its_message_id(mailoutbox, settings):
    settings.MAIL_MESSAGE_ID_DOMAIN = "review.example.org"
    first = enqueue("First", ("b@example.org", "a@example.org", "b@example.org"))
    enqueue("Second")

    sent = [mail_drain(), mail_drain(), mail_deliver(mail_id=first.pk)]

    assert sent == [2, 0, False]
    assert [(m.subject, m.to) for m in mailoutbox] == [
        ("First", ["a@example.org", "b@example.org"]),
        ("Second", ["a@example.org"]),
    ]
    first.refresh_from_db()
    assert mailoutbox[0].extra_headers["Message-ID"] == first.message_id
    assert first.message_id.endswith("@review.example.org>")
    assert (first.state, first.attempts, first.sent_at is not None) == (MailState.SENT, 1, True)


def test_mail_deliver_server_down_retries_with_growing_waits_then_fails(mailoutbox, settings):
    mail = enqueue()
    settings.MAILERS = REFUSING_SERVER
    waits = []
    for _ in range(MAX_MAIL_ATTEMPTS):
        OutboxMail.objects.filter(pk=mail.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        assert mail_deliver(mail_id=mail.pk) is False
        mail.refresh_from_db()
        waits.append(round((mail.next_attempt_at - before).total_seconds() / 60))

    assert waits[:8] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert (mail.state, mail.attempts) == (MailState.FAILED, MAX_MAIL_ATTEMPTS)
    assert mail.last_error.startswith("ConnectionRefusedError:")
    assert mail_drain() == 0  # a failed message is no longer tried by the periodic job


def test_mail_deliver_not_due_yet_waits_for_its_time(mailoutbox, settings):
    mail = enqueue()
    settings.MAILERS = REFUSING_SERVER
    mail_deliver(mail_id=mail.pk)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    early = mail_drain()
    OutboxMail.objects.filter(pk=mail.pk).update(next_attempt_at=timezone.now())
    due = mail_drain()

    assert (early, due, len(mailoutbox)) == (0, 1, 1)
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.last_error) == (MailState.SENT, 2, "")


def test_mail_deliver_every_recipient_refused_fails_at_once(monkeypatch):
    mail = enqueue()

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"No such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    assert mail_deliver(mail_id=mail.pk) is False
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.FAILED, 1)


def test_mail_retry_tries_a_failed_message_again_and_only_a_failed_one(mailoutbox):
    failed = enqueue()
    OutboxMail.objects.filter(pk=failed.pk).update(state=MailState.FAILED, attempts=12)
    pending = enqueue("Still pending")

    retried = [mail_retry(mail=failed), mail_retry(mail=pending)]

    assert retried == [True, False]
    assert mail_drain() == 2
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (MailState.SENT, 1)


def test_mail_suppressed_writes_nothing_and_says_what_was_left():
    with mail_suppressed() as left:
        enqueue("Demo step")
    enqueue("Real step")

    assert left == ["Demo step"]
    assert list(OutboxMail.objects.values_list("subject", flat=True)) == ["Real step"]


def test_retry_delay_doubles_from_a_minute_up_to_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3, 7, 20)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
        timedelta(hours=1),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_mail_deliver_task_and_drain_at_once_send_the_message_once(monkeypatch):
    """The per-message task and the periodic drain race for one message: one sends it."""
    mail = OutboxMail.objects.create(  # as enqueued, before its task ran (outside a transaction
        kind="test",  # mail_enqueue would hand it over at once: tasks run in-process here)
        subject="Report approved",
        body="The body.\n",
        from_email="pesco-review@localhost",
        to=["a@example.org"],
        message_id="<race@example.org>",
        next_attempt_at=timezone.now(),
    )
    entered, release = threading.Event(), threading.Event()
    sent: list[str] = []

    def slow_send(self, messages):  # the mail server takes its time with the first one
        entered.set()
        release.wait(10)
        sent.extend(message.subject for message in messages)
        return len(messages)

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", slow_send)
    results = {}

    def task():
        results["task"] = mail_deliver(mail_id=mail.pk)
        connection.close()

    thread = threading.Thread(target=task)
    thread.start()
    assert entered.wait(10)
    results["drain"] = mail_drain()  # while the task holds the row
    release.set()
    thread.join(10)

    assert (results, sent) == ({"task": True, "drain": 0}, ["Report approved"])
    assert django_mail.outbox == []  # the stand-in server above received it instead
