"""The suite's own guard: a task published to the machine's Redis and left there is found (the
session fixture in conftest.py fails the run on one)."""

import os

import kombu
import pytest
from django.conf import settings

from pesco_review.celery import app as celery_app
from tests.broker import shared_redis_tasks

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI has it)")


def test_shared_redis_tasks_finds_a_task_this_process_left_on_a_queue():
    queue = f"hygiene-{os.getpid()}"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        result = celery_app.send_task("reviews.tasks.sweep_stuck_builds", queue=queue)
        found = shared_redis_tasks(published_by=os.getpid())
        others = shared_redis_tasks(published_by=os.getpid() + 1_000_000)
    finally:
        celery_app.conf.task_always_eager = eager
        with celery_app.connection_for_write() as conn:
            bound = kombu.Queue(queue, kombu.Exchange(queue, type="direct"), routing_key=queue)
            bound = bound(conn.default_channel)
            bound.declare()  # the channel learns the binding, so that delete removes it too
            bound.purge()
            bound.delete()

    assert found[result.id].endswith(f"key {queue}: reviews.tasks.sweep_stuck_builds")
    assert result.id not in others
    assert result.id not in shared_redis_tasks(published_by=os.getpid())
