"""Django's PostgreSQL backend, riding out a short restart of the server.

A restart of PostgreSQL (a minor upgrade, a fail-over, `pg_ctl restart`) refuses connections
for a second or two. Here a new connection is tried again, with a growing pause, for at most
the database's CONNECT_RETRY_SECONDS (settings: DJANGO_DB_CONNECT_RETRY_SECONDS), so that a
request or a task that arrives meanwhile waits for the server instead of failing; after that
the last error is raised as before. With CONN_HEALTH_CHECKS, a kept connection that the restart
broke is found at the next request's (or task's) first query and replaced through this same
step.

A query already running when the server went down still fails: whether its transaction
committed cannot be known, so nothing here repeats it. Only opening a connection is retried,
and only without a connection pool (a pool reconnects, and waits, on its own).

Each failed attempt is logged as a warning, a connection that succeeded after some as info,
and giving up as an error (logger `pesco_review.db`).
"""

import logging
import time

from django.db.backends.postgresql import base

log = logging.getLogger("pesco_review.db")

# Seconds before the second attempt; each pause doubles, up to MAX_PAUSE.
FIRST_PAUSE = 0.1
MAX_PAUSE = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        budget = float(self.settings_dict.get("CONNECT_RETRY_SECONDS") or 0)
        if self.pool or budget <= 0:
            return super().get_new_connection(conn_params)
        started = time.monotonic()
        pause, attempt = FIRST_PAUSE, 1
        while True:
            try:
                connection = super().get_new_connection(conn_params)
            except self.Database.OperationalError as error:
                waited = time.monotonic() - started
                if waited + pause > budget:
                    log.error(
                        "database %s: no connection after %d attempts in %.1f s, giving up: %s",
                        self.alias,
                        attempt,
                        waited,
                        _one_line(error),
                    )
                    raise
                log.warning(
                    "database %s: connection attempt %d failed, trying again in %.1f s: %s",
                    self.alias,
                    attempt,
                    pause,
                    _one_line(error),
                )
                time.sleep(pause)
                pause, attempt = min(pause * 2, MAX_PAUSE), attempt + 1
            else:
                if attempt > 1:
                    log.info(
                        "database %s: connected at attempt %d, after %.1f s",
                        self.alias,
                        attempt,
                        time.monotonic() - started,
                    )
                return connection


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
