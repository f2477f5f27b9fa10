"""The consolidated review built for real: a Celery worker on Redis and PostgreSQL renders the
documents (on this host's MEDIA_ROOT, or on S3-compatible object storage given only the AWS_*
variables), refuses a second build while one runs, and recovers from being killed mid-build
(reviews.services review_request_build / review_build, reviews.tasks build_consolidated_review).

The worker tests start `celery worker` as a subprocess on a queue of their own and need
REDIS_URL and PostgreSQL (CI has both); the tests without a worker also run on SQLite.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import kombu
import pytest
import redis
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from pesco_review.celery import app as celery_app
from pesco_review.dispatch import wait_for_dispatches
from reviews import services
from reviews.enums import BuildState, CommentVisibility, MilestoneStatus, ReportState
from reviews.models import Comment, ConsolidatedReview
from tests import factories
from tests.processes import test_database_url, worker_command
from tests.servers import ThrowawayS3
from tests.test_object_storage import assert_in_the_bucket, downloaded, store_on

TASK = "reviews.tasks.build_consolidated_review"
DEADLINE = 60  # seconds a build may take before a test gives up on it

needs_worker = pytest.mark.skipif(
    not django_settings.REDIS_URL or connection.vendor != "postgresql",
    reason="needs a real Celery worker: set REDIS_URL and a PostgreSQL DATABASE_URL (CI has both)",
)


# A real worker ----------------------------------------------------------------------------------


def _processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, from /proc (Linux, as in CI)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue  # it ended while we looked
        yield int(stat.parent.name), state, int(ppid), int(group)


def children_of(pid: int) -> list[int]:
    return [child for child, _, parent, _ in _processes() if parent == pid]


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def pool_children(self) -> list[int]:
        """The prefork pool's processes (with concurrency 1, the one that runs the task)."""
        return children_of(self.process.pid)

    def strays(self) -> list[int]:
        """Live processes of the worker's group that are neither the worker nor its pool."""
        known = {self.process.pid, *self.pool_children()}
        return [
            pid
            for pid, state, _, group in _processes()
            if group == self.process.pid and pid not in known and state != "Z"
        ]


def _delete_queue(name: str) -> None:
    """Purge and delete the test's queue and its binding in Redis, and forget the messages of
    the queue that a killed worker took and never acknowledged (kombu keeps them in the
    `unacked` hash, to deliver again after the visibility timeout)."""
    queue = kombu.Queue(name, kombu.Exchange(name, type="direct"), routing_key=name)
    with celery_app.connection_for_write() as conn:
        bound = queue(conn.default_channel)
        bound.declare()  # makes the channel know the binding, so delete removes it too
        bound.purge()
        bound.delete()
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    for tag, raw in client.hgetall("unacked").items():
        _, exchange, routing_key = json.loads(raw)
        if name in (exchange, routing_key):
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def start_worker(settings, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start a Celery worker (prefork, one child) consuming a queue of this test only, with every
    task routed there; MEDIA_ROOT is a fresh directory shared by the test and the worker.
    Teardown stops the worker, waits for it and purges the queue."""
    queue = f"test-build-{uuid.uuid4().hex[:12]}"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    saved = {
        "task_routes": celery_app.conf.task_routes,
        "task_always_eager": celery_app.conf.task_always_eager,
    }
    celery_app.conf.update(task_routes={"*": {"queue": queue}}, task_always_eager=False)
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        log = tmp_path / f"worker-{len(workers)}.log"
        command = worker_command("--pool=prefork", "-Q", queue, "-n", f"{queue}-{len(workers)}@%h")
        environment = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": django_settings.REDIS_URL,
            "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "MEDIA_ROOT": settings.MEDIA_ROOT,
            **env,
        }
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                env=environment,
                cwd=django_settings.BASE_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: teardown can end it whole
            )
        worker = Worker(process, log)
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.process.terminate()  # warm shutdown
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError):  # whatever of its group is left
                os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=15)
        wait_for_dispatches()  # no message of this test is still on its way to the broker
        celery_app.conf.update(**saved)
        _delete_queue(queue)


def wait_for(
    review: ConsolidatedReview, done: Callable[[ConsolidatedReview], bool], worker: Worker
) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        review.refresh_from_db()
        if done(review):
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}):\n{worker.tail()}")
        time.sleep(0.05)
    pytest.fail(
        f"version {review.version} still {review.state} at {review.progress} % "
        f"({review.step!r}, error {review.error!r}) after {DEADLINE} s; worker log:\n"
        f"{worker.tail()}"
    )


def succeeded(review: ConsolidatedReview) -> bool:
    assert review.state != BuildState.FAILED, review.error
    return review.state == BuildState.SUCCEEDED


# The documents ----------------------------------------------------------------------------------


def pdf_text(review: ConsolidatedReview) -> str:
    with review.pdf.open("rb") as file:
        text = " ".join(page.extract_text() for page in PdfReader(file).pages)
    return re.sub(r"\s+", " ", text)


def docx_text(review: ConsolidatedReview) -> str:
    with review.docx.open("rb") as file:
        document = Document(file)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return re.sub(r"\s+", " ", " ".join(parts))


def stored_files(media_root: str) -> list[str]:
    root = Path(media_root)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def assert_one_good_version_built_at_attempt_2(review: ConsolidatedReview, media_root: str) -> None:
    """One version of the cycle, built at its second attempt: both files whole, as recorded, and
    no file of the first attempt left."""
    assert list(
        ConsolidatedReview.objects.filter(cycle=review.cycle).values_list(
            "version", "state", "attempts"
        )
    ) == [(1, BuildState.SUCCEEDED, 2)]
    with review.pdf.open("rb") as file:
        data = file.read()
    assert len(PdfReader(io.BytesIO(data)).pages) > 0
    assert review.pdf_sha256 == hashlib.sha256(data).hexdigest()
    with review.docx.open("rb") as file:
        assert review.docx_sha256 == hashlib.sha256(file.read()).hexdigest()
    assert "Orbital Sensor Relay" in pdf_text(review)
    assert "Orbital Sensor Relay" in docx_text(review)
    assert stored_files(media_root) == [
        "consolidated-reviews/2026/v1/attempt-2/PESCO-annual-review-2026-v1.docx",
        "consolidated-reviews/2026/v1/attempt-2/PESCO-annual-review-2026-v1.pdf",
    ]


@pytest.fixture
def cycle_with_reports():
    """The open 2026 cycle: three projects with approved reports (the first with a shared and an
    internal comment of the EDA), and one project whose report is still a draft."""
    cycle = factories.ReviewCycleFactory(year=2026)
    approved = []
    for name, acronym, revision in (
        ("Harbour Shield Network", "HARSHIELD", 1),
        ("Mountain Rescue Brigade", "MOUNTRES", 2),
        ("Orbital Sensor Relay", "ORBSENSE", 1),
    ):
        project = factories.ProjectFactory(name=name, acronym=acronym, slug=acronym.lower())
        report = factories.StatusReportFactory(
            cycle=cycle,
            project=project,
            complete=True,
            state=ReportState.APPROVED,
            revision=revision,
            submitted_at=timezone.now() - timedelta(days=20),
            approved_at=timezone.now() - timedelta(days=5),
        )
        factories.MilestoneUpdateFactory(
            report=report,
            milestone__title=f"{acronym} initial capability",
            status=MilestoneStatus.ON_TRACK,
        )
        approved.append(report)
    eda = factories.UserFactory(eda=True)
    for visibility, body in (
        (CommentVisibility.SHARED, "Shared remark on the rotation plan"),
        (CommentVisibility.INTERNAL, "Internal remark on the budget gap"),
    ):
        Comment.objects.create(
            report=approved[0], author=eda, body=body, visibility=visibility, revision=1
        )
    draft = factories.StatusReportFactory(
        cycle=cycle,
        project=factories.ProjectFactory(
            name="Desert Logistics Hub", acronym="DESLOG", slug="deslog"
        ),
    )
    return cycle, approved, draft


# With a worker ----------------------------------------------------------------------------------


@needs_worker
@pytest.mark.django_db(transaction=True)
def test_build_with_real_worker_produces_pdf_and_docx_with_every_approved_project(
    start_worker, cycle_with_reports, settings
):
    cycle, approved, _ = cycle_with_reports
    lead = factories.UserFactory(lead=True)
    worker = start_worker()

    review = services.review_request_build(actor=lead, cycle=cycle)
    wait_for(review, succeeded, worker)

    pdf = pdf_text(review)
    docx = docx_text(review)
    names = [
        "Harbour Shield Network",
        "Mountain Rescue Brigade",
        "Orbital Sensor Relay",
    ]
    assert [name for name in names if name not in pdf] == []
    assert [name for name in names if name not in docx] == []
    assert ("Reports approved 3" in pdf, "Reports approved 3" in docx) == (True, True)
    assert "3 of the 4 projects under review" in pdf
    annex_b = pdf[pdf.rindex("Annex B") : pdf.rindex("Annex C")]
    assert "DESLOG Desert Logistics Hub draft" in annex_b
    assert "Harbour Shield Network" not in annex_b
    assert "Desert Logistics Hub" in docx
    # Comments are the conversation, never printed, whether shared or internal.
    assert "Shared remark on the rotation plan" not in pdf + docx
    assert "Internal remark" not in pdf + docx
    with review.pdf.open("rb") as file:
        assert review.pdf_sha256 == hashlib.sha256(file.read()).hexdigest()
    with review.docx.open("rb") as file:
        assert review.docx_sha256 == hashlib.sha256(file.read()).hexdigest()
    assert review.built_from == [
        {"report": approved[0].pk, "project": "HARSHIELD", "revision": 1, "assessment": None},
        {"report": approved[1].pk, "project": "MOUNTRES", "revision": 2, "assessment": None},
        {"report": approved[2].pk, "project": "ORBSENSE", "revision": 1, "assessment": None},
    ]
    assert review.figures["reports_approved"] == 3
    assert review.figures["projects_in_review"] == 4
    assert (review.state, review.progress, review.attempts, review.error) == (
        BuildState.SUCCEEDED,
        100,
        1,
        "",
    )
    assert stored_files(settings.MEDIA_ROOT) == [
        "consolidated-reviews/2026/v1/attempt-1/PESCO-annual-review-2026-v1.docx",
        "consolidated-reviews/2026/v1/attempt-1/PESCO-annual-review-2026-v1.pdf",
    ]


@needs_worker
@pytest.mark.django_db(transaction=True)
def test_build_with_real_worker_on_s3_stores_both_files_in_the_bucket_and_the_view_serves_them(
    start_worker, cycle_with_reports, settings, client
):
    cycle, _, _ = cycle_with_reports
    lead = factories.UserFactory(lead=True)
    factories.enrol_totp(lead)
    with ThrowawayS3() as s3:
        worker = start_worker(**s3.environment())  # the worker knows the bucket from these only

        review = services.review_request_build(actor=lead, cycle=cycle)
        wait_for(review, succeeded, worker)

        stored = s3.objects()
        store_on(settings, s3, settings.MEDIA_ROOT)  # this process reads the same bucket
        client.force_login(lead)
        served = {
            kind: hashlib.sha256(downloaded(client, review, kind)).hexdigest()
            for kind in ("pdf", "docx")
        }

    assert_in_the_bucket(stored, review, attempt=1)
    assert served == {"pdf": review.pdf_sha256, "docx": review.docx_sha256}
    assert stored_files(settings.MEDIA_ROOT) == []  # nothing on the worker's disk


@needs_worker
@pytest.mark.django_db(transaction=True)
def test_second_build_request_while_one_runs_starts_no_other(start_worker, cycle_with_reports):
    cycle, _, _ = cycle_with_reports
    lead = factories.UserFactory(lead=True)
    worker = start_worker(REVIEW_BUILD_STEP_PAUSE="0.5")  # a build of 2 s at least
    first = services.review_request_build(actor=lead, cycle=cycle)
    wait_for(first, lambda review: review.state == BuildState.RUNNING, worker)

    with pytest.raises(services.BuildAlreadyRunningError) as refused:
        services.review_request_build(actor=lead, cycle=cycle)

    assert refused.value.review.pk == first.pk
    assert refused.value.messages[0].startswith(
        "Version 1 of the 2026 review is already being built (running, "
    )
    wait_for(first, succeeded, worker)
    assert list(
        ConsolidatedReview.objects.filter(cycle=cycle).values_list("version", "state", "attempts")
    ) == [(1, BuildState.SUCCEEDED, 1)]


@needs_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["between two steps", "while typst renders"])
def test_worker_killed_mid_build_ends_with_exactly_one_good_document(
    start_worker, cycle_with_reports, settings, moment
):
    cycle, _, _ = cycle_with_reports
    lead = factories.UserFactory(lead=True)
    worker = start_worker(REVIEW_BUILD_STEP_PAUSE="0.5")
    review = services.review_request_build(actor=lead, cycle=cycle)
    wait_for(review, lambda r: r.state == BuildState.RUNNING and r.progress >= 30, worker)
    [child] = worker.pool_children()
    if moment == "while typst renders":  # in a process forked by the pool's (isolated.py)
        deadline = time.monotonic() + 10
        while not children_of(child) and time.monotonic() < deadline:
            time.sleep(0.002)
        assert children_of(child) != [], "the renderer's process never appeared"

    os.kill(child, signal.SIGKILL)

    review.refresh_from_db()
    assert (review.state, review.attempts, review.pdf.name) == (BuildState.RUNNING, 1, "")
    assert 30 <= review.progress < 90  # killed mid-build, before any file was written
    wait_for(review, succeeded, worker)  # the requeued message, run by the pool's new child
    assert child not in worker.pool_children()
    assert worker.strays() == [], "a process forked by the killed one lived on: " + worker.tail(8)
    assert_one_good_version_built_at_attempt_2(review, settings.MEDIA_ROOT)


@needs_worker
@pytest.mark.django_db(transaction=True)
def test_worker_main_process_killed_build_finished_by_the_sweep_with_one_good_document(
    start_worker, cycle_with_reports, settings
):
    """The whole worker dies (its pool child goes with it): the message stays unacknowledged
    for the visibility timeout (an hour), so only the sweep can see the build through."""
    cycle, _, _ = cycle_with_reports
    lead = factories.UserFactory(lead=True)
    first = start_worker(REVIEW_BUILD_STEP_PAUSE="0.5")
    review = services.review_request_build(actor=lead, cycle=cycle)
    wait_for(review, lambda r: r.state == BuildState.RUNNING and r.progress >= 30, first)
    [child] = first.pool_children()

    os.kill(first.process.pid, signal.SIGKILL)

    first.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(pid == child for pid, *_ in _processes()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pid == child for pid, *_ in _processes()), "the pool child outlived its worker"
    settings.REVIEW_BUILD_STALE_SECONDS = 1  # the sweep's patience, shortened for the test
    time.sleep(1.5)
    review.refresh_from_db()
    assert (review.state, review.attempts, review.pdf.name) == (BuildState.RUNNING, 1, "")
    second = start_worker()

    assert services.review_sweep_stuck() == 1

    wait_for(review, succeeded, second)
    assert_one_good_version_built_at_attempt_2(review, settings.MEDIA_ROOT)


# Without a worker (SQLite too) ------------------------------------------------------------------


@pytest.fixture
def queued_review(cycle_with_reports, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cycle, _, _ = cycle_with_reports
    return ConsolidatedReview.objects.create(
        cycle=cycle, version=1, requested_by=factories.UserFactory(lead=True)
    )


@pytest.mark.django_db
def test_build_failing_three_times_ends_failed_and_never_loops(queued_review, monkeypatch):
    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("reviews.documents.context.build_context", database_gone)
    for _ in range(services.MAX_BUILD_ATTEMPTS - 1):  # raised for the task to retry
        with pytest.raises(OperationalError):
            services.review_build(review_id=queued_review.pk, task_id="t")

    assert services.review_build(review_id=queued_review.pk, task_id="t") is None  # the last
    assert services.review_build(review_id=queued_review.pk, task_id="t") is None  # redelivered
    queued_review.refresh_from_db()
    assert (queued_review.state, queued_review.attempts, queued_review.error) == (
        BuildState.FAILED,
        3,
        "Gave up after 3 attempts. Reading the approved reports: "
        "server closed the connection unexpectedly",
    )
    assert queued_review.finished_at is not None


@pytest.mark.django_db
def test_build_queued_with_three_attempts_used_ends_failed_without_building(
    queued_review, monkeypatch
):
    queued_review.attempts = 3
    queued_review.save()

    def never(**kwargs):
        raise AssertionError("built although every attempt was used")

    monkeypatch.setattr("reviews.documents.context.build_context", never)

    assert services.review_build(review_id=queued_review.pk, task_id="t") is None

    queued_review.refresh_from_db()
    assert (queued_review.state, queued_review.attempts, queued_review.error) == (
        BuildState.FAILED,
        3,
        "Gave up after 3 attempts. Last error: the worker stopped during the build",
    )


@pytest.mark.django_db
def test_build_whose_pdf_render_fails_ends_failed_with_the_step_and_no_file(
    queued_review, monkeypatch, settings, tmp_path
):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "review.typ").write_text("#let broken = (1, 2\n= Heading\n")
    monkeypatch.setattr("reviews.documents.pdf.TEMPLATES", templates)

    assert services.review_build(review_id=queued_review.pk, task_id="t") is None

    queued_review.refresh_from_db()
    assert (queued_review.state, queued_review.attempts, queued_review.error) == (
        BuildState.FAILED,
        1,
        "Rendering the PDF failed: unclosed delimiter",
    )
    assert (queued_review.pdf.name, queued_review.docx.name, queued_review.pdf_sha256) == (
        "",
        "",
        "",
    )
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_sweep_hands_over_a_build_the_broker_never_took_and_says_so_meanwhile(
    queued_review, settings, django_capture_on_commit_callbacks
):
    settings.REVIEW_BUILD_HANDOVER_SECONDS = 30
    waiting = queued_review.status_line
    ConsolidatedReview.objects.filter(pk=queued_review.pk).update(
        requested_at=timezone.now() - timedelta(seconds=20)
    )
    too_soon = services.review_sweep_stuck()  # the request's own hand-over may still come
    ConsolidatedReview.objects.filter(pk=queued_review.pk).update(
        requested_at=timezone.now() - timedelta(seconds=31)
    )

    with django_capture_on_commit_callbacks(execute=True):  # tasks run in-process: it builds
        handed_over = services.review_sweep_stuck()

    queued_review.refresh_from_db()
    assert waiting == (
        "The build waits for the task queue, which has not answered: it is handed to a worker "
        "as soon as the queue is back (checked every minute)."
    )
    assert (too_soon, handed_over) == (0, 1)
    assert (queued_review.state, queued_review.attempts) == (BuildState.SUCCEEDED, 1)


@pytest.mark.django_db
def test_status_line_tells_queued_taken_over_and_running_builds_apart(queued_review):
    review = queued_review
    review.dispatched_at = timezone.make_aware(datetime(2026, 12, 2, 9, 5))
    queued = review.status_line
    review.attempts = 1
    taken_over = review.status_line
    review.dispatched_at = None
    taken_over_queue_down = review.status_line
    review.state, review.step, review.progress = BuildState.RUNNING, "Saving the files", 90
    running = review.status_line

    assert queued == "The build is queued since 09:05, waiting for a free worker."
    assert taken_over == (
        "The worker stopped during attempt 1; attempt 2 of 3 is queued since 09:05, waiting for "
        "a free worker."
    )
    assert taken_over_queue_down.startswith(
        "The worker stopped during attempt 1; attempt 2 of 3 waits for the task queue"
    )
    assert running == "Saving the files (90 %)"
