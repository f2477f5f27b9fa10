"""A request that lost its database connection before it wrote anything is run once more.

When PostgreSQL restarts (or a fail-over moves it), the server cuts every connection, in the
middle of whatever requests were using them. CONN_HEALTH_CHECKS replaces a dead connection at a
request's first query, and the backend (pesco_review/db/postgresql) waits while the server is
down; but a request already running when its connection was cut fails at its next query. If
that request had not yet sent a statement that changes data, nothing of it reached the
database: running it again, on a new connection, is the same as if it had arrived a moment
later. This middleware does that, once, and logs it.

A request that had sent a write (anything but a SELECT: INSERT, UPDATE, DELETE, a savepoint)
on a live connection is never run again, whether its transaction committed or not cannot be
known; nor is a request that carries uploaded files (their streams were read). Only a server
error (5xx) with the connection lost is run again: a view that handled the failure itself
answers as it chose.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger("pesco_review.db")


def _lost(connection) -> bool:
    """Whether the server cut the connection (psycopg's `broken`; never on SQLite)."""
    raw = connection.connection
    return raw is not None and bool(getattr(raw, "broken", False))


class _WriteWatch:
    """An execute wrapper: notes whether a statement that may change data was sent on a
    connection not known to be lost (one sent after the loss never reaches the server)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        if not (self.wrote or _lost(self.connection)):
            self.wrote = not sql.lstrip().upper().startswith("SELECT")
        return execute(sql, params, many, context)


class LostConnectionRetryMiddleware:
    """Before every middleware that reads the database (sessions first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection = connections[DEFAULT_DB_ALIAS]
        lost_before, watch = _lost(connection), _WriteWatch(connection)
        with connection.execute_wrapper(watch):
            response = self.get_response(request)
        if response.status_code < 500 or lost_before or not _lost(connection) or watch.wrote:
            return response
        if getattr(request, "_files", None):
            return response
        log.warning(
            "%s %s lost its database connection before writing anything: running it again",
            request.method,
            request.path,
        )
        connection.close()
        return self.get_response(request)
