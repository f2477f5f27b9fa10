"""The PostgreSQL backend rides out a restart of the server (pesco_review/db/postgresql): a
kept connection that the restart broke is replaced at the next request, and a connection opened
while the server is down waits for it, for at most CONNECT_RETRY_SECONDS.

Each test uses a PostgreSQL server of its own (initdb and pg_ctl on a free port, tests/servers.py)
that it stops and restarts: never the database the rest of the suite runs on.
"""

import logging
import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.db.utils import load_backend

from tests.servers import ThrowawayPostgres, postgres_bin

pytestmark = pytest.mark.skipif(
    not (postgres_bin("initdb") and postgres_bin("pg_ctl")),
    reason="needs PostgreSQL's initdb and pg_ctl (CI has them)",
)
ENGINE = "pesco_review.db.postgresql"


@pytest.fixture(scope="module")
def server():
    with ThrowawayPostgres() as pg:
        yield pg


@pytest.fixture
def running(server):
    """The module's server, running when the test starts and when it ends."""
    if not (server.data / "postmaster.pid").exists():
        server.start()
    yield server
    if not (server.data / "postmaster.pid").exists():
        server.start()


def wrapper_for(server, *, retry_seconds: float):
    """A connection to the test's own server through the application's backend, configured as
    settings.py configures the default database (kept 60 s, health checks on)."""
    import dj_database_url  # noqa: PLC0415

    config = dj_database_url.parse(server.url(), conn_max_age=60, conn_health_checks=True)
    config.update(ENGINE=ENGINE, CONNECT_RETRY_SECONDS=retry_seconds)
    configured = connections.configure_settings({"default": config})["default"]
    return load_backend(ENGINE).DatabaseWrapper(configured, alias="restart")


@pytest.fixture
def connect(running, django_db_blocker):
    made = []

    def make(retry_seconds: float = 10):
        wrapper = wrapper_for(running, retry_seconds=retry_seconds)
        made.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():
        yield make
        for wrapper in made:
            wrapper.close()


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def start_later(server, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), server.start()))
    thread.start()
    return thread


def test_kept_connection_after_a_server_restart_is_replaced_at_the_next_request(running, connect):
    wrapper = connect()
    before = backend_pid(wrapper)

    running.restart("fast")
    # What Django does when a request (or, in Celery, a task) starts: the next query checks
    # the kept connection first.
    wrapper.close_if_unusable_or_obsolete()
    after = backend_pid(wrapper)

    assert after != before
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [before])
        assert cursor.fetchone() == (0,)


def test_connection_while_the_server_is_down_waits_for_it(running, connect, caplog):
    caplog.set_level(logging.INFO, logger="pesco_review.db")
    wrapper = connect(retry_seconds=10)
    running.stop("fast")
    thread = start_later(running, 1.5)

    started = time.monotonic()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        answer = cursor.fetchone()
    waited = time.monotonic() - started
    thread.join()

    assert answer == (1,)
    assert 1.4 < waited < 5
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings, "every failed attempt is logged"
    assert warnings[0].getMessage().startswith("database restart: connection attempt 1 failed")
    assert caplog.records[-1].levelno == logging.INFO
    assert (
        caplog.records[-1]
        .getMessage()
        .startswith(f"database restart: connected at attempt {len(warnings) + 1}, after ")
    )


def test_connection_gives_up_after_its_retry_seconds(running, connect, caplog):
    caplog.set_level(logging.INFO, logger="pesco_review.db")
    wrapper = connect(retry_seconds=1)
    running.stop("fast")

    started = time.monotonic()
    with pytest.raises(OperationalError, match="Connection refused"):
        wrapper.ensure_connection()
    waited = time.monotonic() - started

    assert 0.5 < waited < 2
    assert caplog.records[-1].levelno == logging.ERROR
    assert "giving up" in caplog.records[-1].getMessage()


def test_connection_without_retry_seconds_fails_at_once(running, connect, caplog):
    caplog.set_level(logging.INFO, logger="pesco_review.db")
    wrapper = connect(retry_seconds=0)
    running.stop("fast")

    started = time.monotonic()
    with pytest.raises(OperationalError, match="Connection refused"):
        wrapper.ensure_connection()

    assert time.monotonic() - started < 0.5
    assert caplog.records == []


def _database_settings(env: dict) -> str:
    """ENGINE and CONNECT_RETRY_SECONDS of the default database, as settings.py reads `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    code = (
        "from pesco_review import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d.get('CONNECT_RETRY_SECONDS'))"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_settings_use_the_backend_for_postgresql_with_its_retry_seconds():
    url = "postgres://pesco@db.example.eu:5432/pesco"

    assert _database_settings({"DATABASE_URL": url}) == f"{ENGINE} 10"
    assert _database_settings({"DATABASE_URL": url, "DJANGO_DB_CONNECT_RETRY_SECONDS": "3"}) == (
        f"{ENGINE} 3"
    )
    assert _database_settings({}) == "django.db.backends.sqlite3 None"
