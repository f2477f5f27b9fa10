"""Redis goes away in the middle of the working day: every step still answers at once, and what
it owes (mail, a build) is done once Redis is back. Everything here is real: the application
under gunicorn, a Redis of the test's own that the test stops and starts again, a Celery worker
with beat, an SMTP server on the loopback address that keeps what it receives.
"""

import email
import secrets
import shutil
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pesco_review.outbox.models import OutboxMail
from reviews.enums import BuildState, ReportState
from reviews.models import ConsolidatedReview, StatusReport
from tests import factories
from tests.processes import MailServer, start_gunicorn, start_worker_with_beat, wait_until
from tests.servers import ThrowawayRedis

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not shutil.which("redis-server"),
        reason="needs PostgreSQL (the processes share the test database) and redis-server",
    ),
    pytest.mark.django_db(transaction=True),
]


class Browser:
    """Requests as a signed-in person would send them, to the application under gunicorn."""

    def __init__(self, base: str, user):
        client = Client()
        client.force_login(user)  # a session in the database, second factor recorded
        self.base = base
        self.csrf = secrets.token_hex(16)  # Django accepts its own cookie's secret as the token
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={self.csrf}"
        )

    def _open(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        body = (
            None
            if data is None
            else urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode()
        )
        request = urllib.request.Request(
            f"{self.base}{path}", data=body, headers={"Cookie": self.cookie}
        )
        opener = urllib.request.build_opener(NoRedirect)
        started = time.monotonic()
        with opener.open(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, text, time.monotonic() - started

    def get(self, path: str) -> tuple[int, str, float]:
        return self._open(path)

    def post(self, path: str, data: dict) -> tuple[int, str, float]:
        return self._open(path, data)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, response, code, message, headers):
        return response


@pytest.fixture
def day(tmp_path):
    """The people and the report: an EDA reviewer about to approve the last approval a report
    needs, its coordinator, and the secretariat lead."""
    cycle = factories.ReviewCycleFactory(year=timezone.localdate().year, required_bodies=["EDA"])
    project = factories.ProjectFactory(name="Harbour Shield Network", acronym="HARSHIELD")
    coordinator = factories.ProjectRoleFactory(
        project=project, user__email="coordinator@example.org"
    ).user
    report = factories.StatusReportFactory(
        cycle=cycle,
        project=project,
        complete=True,
        state=ReportState.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=2),
    )
    factories.MilestoneUpdateFactory(report=report)
    reviewer, lead = factories.UserFactory(eda=True), factories.UserFactory(lead=True)
    factories.enrol_totp(reviewer)
    factories.enrol_totp(lead)
    return {
        "cycle": cycle,
        "report": report,
        "coordinator": coordinator,
        "eda": reviewer,
        "lead": lead,
    }


@pytest.fixture
def servers():
    redis = ThrowawayRedis().start()
    mail = MailServer().start()
    started = []
    yield {"redis": redis, "mail": mail, "started": started}
    for process in reversed(started):
        process.stop()
    redis.close()
    mail.stop()


def test_redis_down_approval_answers_at_once_and_its_mail_goes_once_redis_is_back(
    day, servers, tmp_path
):
    redis, mail = servers["redis"], servers["mail"]
    env = {"REDIS_URL": redis.url, "MEDIA_ROOT": str(tmp_path / "media"), **mail.environment()}
    base = start_gunicorn(tmp_path, servers["started"], **env)
    report = day["report"]
    redis.stop()  # the broker is gone

    status, _, approving = Browser(base, day["eda"]).post(
        reverse("reviews:report_action", args=[report.pk, "approve"]), {"revision": "1"}
    )
    lead = Browser(base, day["lead"])
    build_status, _, building = lead.post(
        reverse("reviews:review_build", args=[day["cycle"].year]), {}
    )
    _, cycle_page, _ = lead.get(reverse("reviews:cycle", args=[day["cycle"].year]))

    assert (status, build_status) == (302, 302)
    assert (approving < 2, building < 2) == (True, True), (approving, building)
    assert StatusReport.objects.get(pk=report.pk).state == ReportState.APPROVED
    [waiting] = OutboxMail.objects.all()
    assert (waiting.state, waiting.to) == ("pending", ["coordinator@example.org"])
    [version] = ConsolidatedReview.objects.all()
    assert (version.state, version.dispatched_at) == (BuildState.QUEUED, None)
    assert "waits for the task queue, which has not answered" in cycle_page
    time.sleep(1)
    assert mail.messages == []

    redis.start()  # the broker is back, empty: every message published meanwhile was lost
    worker = start_worker_with_beat(
        tmp_path,
        **env,
        MAIL_OUTBOX_DRAIN_SECONDS="1",
        REVIEW_BUILD_SWEEP_SECONDS="1",
        REVIEW_BUILD_HANDOVER_SECONDS="1",
    )
    servers["started"].append(worker)

    def done() -> bool:
        version.refresh_from_db()
        assert version.state != BuildState.FAILED, version.error
        return bool(mail.messages) and version.state == BuildState.SUCCEEDED

    wait_until(done, f"the mail and the build after Redis returned\n{worker.tail()}", 90)
    time.sleep(3)  # beat drains every second: nothing more may go
    [(sender, recipients, raw)] = mail.messages
    message = email.message_from_bytes(raw)
    assert recipients == ["coordinator@example.org"]
    assert message["Subject"] == (f"[PESCO review] HARSHIELD {day['cycle'].year} report approved")
    assert message["Message-ID"] == OutboxMail.objects.get().message_id
    assert (OutboxMail.objects.get().state, OutboxMail.objects.get().attempts) == ("sent", 1)
    assert (version.attempts, version.dispatched_at is not None) == (1, True)
