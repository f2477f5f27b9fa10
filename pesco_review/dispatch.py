"""Hand a task to the broker without making anyone wait for it.

A request that commits a step (an approval, a build request) must answer at once, whether the
broker answers or not. So the task message is published after the commit by one background
thread of the process, never by the request's own thread; if the broker is unreachable the
attempt is logged and given up, and the periodic job that owns the work (the outbox drain, the
build sweep) hands it over again once the broker is back: what must happen is always in the
database first, and a message is only a nudge.

Without REDIS_URL, tasks run in-process (eager) and a dispatched task simply runs, after the
commit, in the caller's thread: development and most tests need no broker at all.
"""

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.db import close_old_connections, connections, transaction

from pesco_review.celery import app as celery_app

log = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
# After a failed publish, the thread does not try again for this long: during an outage each
# attempt costs seconds, and the periodic jobs hand the work over anyway once Redis is back.
BROKER_RETRY_AFTER_SECONDS = 10.0
_broker_down_until = 0.0


def _reset_after_fork() -> None:
    global _executor, _broker_down_until  # noqa: PLW0603 - one executor per process
    _executor, _broker_down_until = None, 0.0


os.register_at_fork(after_in_child=_reset_after_fork)


def _pool() -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603 - created on first use, in the process that uses it
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch")
    return _executor


def _publish(task, args: tuple, on_sent: Callable[[], object] | None) -> bool:
    """Publish one message (in the dispatch thread); False if the broker did not take it."""
    global _broker_down_until  # noqa: PLW0603 - the one thread that publishes keeps it
    if time.monotonic() < _broker_down_until:
        log.info("broker down, %s%r left to the periodic job", task.name, args)
        return False
    try:
        task.apply_async(args=args, retry=False)
    except Exception as error:  # noqa: BLE001 - whatever the broker's client raises
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER_SECONDS
        log.warning("broker unreachable, %s%r left to the periodic job: %s", task.name, args, error)
        return False
    if on_sent is not None:
        close_old_connections()
        try:
            on_sent()
        finally:
            connections.close_all()  # the thread keeps no connection open between messages
    return True


def dispatch(task, *args, on_sent: Callable[[], object] | None = None) -> None:
    """Publish `task(*args)` now, without waiting; `on_sent` runs once the broker has it."""
    if celery_app.conf.task_always_eager:
        task.apply_async(args=args)
        if on_sent is not None:
            on_sent()
        return
    _pool().submit(_publish, task, args, on_sent)


def dispatch_on_commit(task, *args, on_sent: Callable[[], object] | None = None) -> None:
    """`dispatch` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(dispatch, task, *args, on_sent=on_sent))


def wait_for_dispatches(timeout: float = 10) -> None:
    """Block until every message handed to the thread so far has been tried (tests, shutdown)."""
    if _executor is not None:
        _executor.submit(lambda: None).result(timeout=timeout)
