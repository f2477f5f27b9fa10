"""A request whose database connection was cut before it wrote anything is run once more
(pesco_review/db/middleware.py); one that wrote is not.

The connection is cut as a restart cuts it: the server ends the request's own backend
(pg_terminate_backend, the same FATAL "terminating connection due to administrator command"
that `pg_ctl restart -m fast` sends), in the middle of the request. Only the test's own
connection is ended; the server keeps running.
"""

import logging

import pytest
from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from pesco_review.db.middleware import LostConnectionRetryMiddleware
from projects.models import Domain

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="cuts a PostgreSQL connection (CI has one)"
    ),
]


@pytest.fixture(autouse=True)
def fresh_connection():
    """Each test ends with a new connection: the one a test cut is closed."""
    yield
    connection.close()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def cut_own_connection() -> None:
    """The server ends this connection's backend; the statement fails with the connection."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    except Exception:  # noqa: BLE001, S110 - expected: the connection is gone
        pass


class View:
    """A view that reads, and on the runs in `cut_on` has its connection cut and reads again;
    with `write`, it writes a row before the cut."""

    def __init__(self, *, cut_on=(1,), write=False) -> None:
        self.runs, self.pids, self.cut_on, self.write = 0, [], cut_on, write

    def __call__(self, request):
        self.runs += 1
        self.pids.append(backend_pid())
        if self.write:
            Domain.objects.create(name=f"Written by run {self.runs}", slug=f"run-{self.runs}")
        if self.runs in self.cut_on:
            cut_own_connection()
        return HttpResponse(f"run {self.runs}: {Domain.objects.count()} domains")


def respond(view: View):
    """The request through the middleware and Django's conversion of an error to a 500."""
    middleware = LostConnectionRetryMiddleware(convert_exception_to_response(view))
    return middleware(RequestFactory().get("/reports/1/"))


def test_request_that_lost_its_connection_before_writing_is_run_again(caplog):
    caplog.set_level(logging.WARNING, logger="pesco_review.db")
    view = View(cut_on=(1,))

    response = respond(view)

    assert (response.status_code, response.content) == (200, b"run 2: 0 domains")
    assert view.runs == 2
    assert view.pids[0] != view.pids[1]  # a new connection
    assert [r.getMessage() for r in caplog.records if r.name == "pesco_review.db"] == [
        "GET /reports/1/ lost its database connection before writing anything: running it again"
    ]


def test_request_that_wrote_before_losing_its_connection_is_not_run_again():
    view = View(cut_on=(1,), write=True)

    response = respond(view)

    assert response.status_code == 500
    assert view.runs == 1
    connection.close()
    assert list(Domain.objects.values_list("name", flat=True)) == ["Written by run 1"]


def test_request_that_loses_its_connection_twice_answers_the_error():
    view = View(cut_on=(1, 2))

    response = respond(view)

    assert response.status_code == 500
    assert view.runs == 2


def test_other_errors_are_not_run_again():
    runs = []

    def failing(request):
        runs.append(request)
        raise ValueError("a bug, not a lost connection")

    middleware = LostConnectionRetryMiddleware(convert_exception_to_response(failing))
    response = middleware(RequestFactory().get("/"))

    assert response.status_code == 500
    assert len(runs) == 1


def test_middleware_wraps_every_middleware_that_reads_the_database():
    middleware = settings.MIDDLEWARE
    retry = middleware.index("pesco_review.db.middleware.LostConnectionRetryMiddleware")

    assert retry < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert retry < middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
