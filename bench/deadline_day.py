"""Deadline day under load (issue 10, item 6): the last day before the submission deadline, with
twice the people expected (144 coordinators, 18 reviewers, 4 leads, 20 leadership), for five
minutes, against gunicorn, PostgreSQL and Redis, with a Celery worker delivering the mail; the
PostgreSQL server is restarted (`pg_ctl restart -m fast`) in the middle. Prints requests per
second, the p50 and p95 latency, the error rate (overall, around the restart and from 10 s after
it), and checks that no submission answered as done is missing from the database; one verdict
line per criterion, and a non-zero exit status if one fails.

    make bench                                   # every bench script, this one included
    .venv/bin/python bench/deadline_day.py       # this one; --minutes 1 for a shorter run

Everything is the bench's own and deleted afterwards, also on Ctrl-C or an error: a PostgreSQL
server made by initdb in a temporary directory on a free port (run as the `postgres` user when
started as root), a Redis on a free port, a mail server that accepts and counts (bench/deadline/
smtp.py), gunicorn (3 workers, as the Docker image) and a Celery worker, with production settings
(DEBUG off, a throw-away secret key). The machine's own PostgreSQL and Redis are never used.

The data: the real data set (load_pesco) and the demo (seed_demo: two cycles, the current one
open with reports in every state), then the bench's people (bench/deadline/population.py): one
coordinator per report still to submit (the demo's drafts and reports sent back, and bench
projects' drafts to make up 144), reviewers spread over the EDA, the EEAS and the EUMS, leads and
leadership; the cycle's submission deadline is moved to tomorrow. The scenario is
bench/deadline/locustfile.py, run by locust in a process of its own.

Signing in is prepared, not measured. Each person's session is made server-side by Django's own
login() (the test client's force_login) with the application's sign-in receivers, and reviewers,
leads and leadership hold a real TOTP authenticator, so the second-factor check every page makes
is the real one. Signing 186 people in through the form with TOTP codes from one address would
measure allauth's and django-axes' rate limits (and PBKDF2) rather than deadline-day work, and
pacing it under those limits would take minutes of the five; the sign-in path has its own tests
(tests/accounts/).
"""

import argparse
import contextlib
import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
# gunicorn's access log: the time each request took inside a worker (microseconds), its status.
ACCESS_LOG = "%(D)s %(s)s %(m)s %(U)s"

from bench.common.processes import (  # noqa: E402
    Processes,
    create_database,
    run_in_work_dir,
    wait_until_healthy,
)
from bench.deadline.figures import Outcome, print_outcome  # noqa: E402
from bench.deadline.smtp import SmtpSink  # noqa: E402
from tests.servers import ThrowawayPostgres, ThrowawayRedis, free_port  # noqa: E402


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5, help="length of the run (5)")
    parser.add_argument("--factor", type=int, default=2, help="times the expected people (2)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="people arriving a second (5)")
    parser.add_argument("--keep", action="store_true", help="keep the logs' directory")
    return parser.parse_args(argv)


def application_env(pg: ThrowawayPostgres, redis: ThrowawayRedis, smtp: SmtpSink, work: Path):
    """Production settings against the bench's own servers."""
    return {
        "DJANGO_SETTINGS_MODULE": "pesco_review.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": pg.url("pesco_bench"),
        "REDIS_URL": redis.url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "MEDIA_ROOT": str(work / "media"),
        "DJANGO_LOG_LEVEL": "INFO",
    }


def set_up_django(factor: int) -> tuple[int, list, dict[str, float]]:
    """Migrate, load the data set and the demo, collect static files, add the bench's people;
    returns the open cycle's year, the people, and how long each step took."""
    import django  # noqa: PLC0415

    django.setup()
    from django.conf import settings  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connections  # noqa: PLC0415

    from bench.deadline import population  # noqa: PLC0415
    from pesco_review.celery import app as celery_app  # noqa: PLC0415

    took: dict[str, float] = {}

    def step(name: str, action) -> None:
        started = time.perf_counter()
        action()
        took[name] = time.perf_counter() - started

    celery_app.conf.task_always_eager = True  # the demo's mail goes nowhere, as in seed_demo
    # No security log line for each account and role the setup creates.
    logging.getLogger("pesco_review.security").setLevel(logging.WARNING)
    step("migrate", lambda: call_command("migrate", verbosity=0))
    step("load_pesco", lambda: call_command("load_pesco", verbosity=0))
    settings.DEBUG = True  # seed_demo refuses to run without; only for this step
    step("seed_demo", lambda: call_command("seed_demo", verbosity=0))
    settings.DEBUG = False
    step("collectstatic", lambda: call_command("collectstatic", interactive=False, verbosity=0))
    prepared: list = []
    step("bench people", lambda: prepared.extend(population.prepare(factor=factor)))
    celery_app.conf.task_always_eager = False
    connections.close_all()  # the run's restart would break them
    year, people = prepared
    return year, people, took


def run_load(args, processes: Processes, pg: ThrowawayPostgres, plan: Path, events: Path, url):
    """Locust for the run's length, PostgreSQL restarted in its middle; returns the restart's
    start and end (time.time()) and when the load began and ended."""
    seconds = round(args.minutes * 60)
    people = sum(len(group) for group in json.loads(plan.read_text())["people"].values())
    locust = processes.start(
        "locust",
        [str(BIN / "locust"), "-f", str(ROOT / "bench/deadline/locustfile.py"), "--headless",
         "-u", str(people), "-r", str(args.spawn_rate), "-t", f"{seconds}s", "--host", url,
         "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
        DEADLINE_PLAN=str(plan),
        DEADLINE_LOG=str(events),
    )  # fmt: skip
    began = time.time()
    time.sleep(seconds / 2)
    restart = pg.restart("fast")
    locust.wait(timeout=seconds + 120)
    if locust.returncode != 0:
        raise RuntimeError(f"locust failed:\n{processes.log('locust')[-3000:]}")
    return restart, (began, time.time())


def run(args: argparse.Namespace, work: Path) -> Outcome:
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(ThrowawayPostgres())
        redis = stack.enter_context(ThrowawayRedis())
        smtp = SmtpSink().start()
        stack.callback(smtp.close)
        create_database(pg, "pesco_bench")
        env = application_env(pg, redis, smtp, work)
        os.environ.update(env)
        year, people, took = set_up_django(args.factor)

        from django.conf import settings  # noqa: PLC0415 - Django is set up now
        from django.db import close_old_connections  # noqa: PLC0415

        from bench.deadline import population  # noqa: PLC0415

        plan, events = work / "plan.json", work / "events.jsonl"
        plan.write_text(json.dumps({
            "year": year,
            "today": population.today().isoformat(),
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "people": {role: [p for p in population.as_json(people) if p["role"] == role]
                       for role in population.EXPECTED},
        }))  # fmt: skip
        processes = Processes(work, env)
        stack.callback(processes.close)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        gunicorn = processes.start(
            "gunicorn",
            [str(BIN / "gunicorn"), "pesco_review.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--access-logfile", str(work / "access.log"), "--access-logformat", ACCESS_LOG],
        )  # fmt: skip
        processes.start(
            "celery",
            [str(BIN / "celery"), "-A", "pesco_review", "worker", "--loglevel=INFO",
             "--concurrency=2"],
        )  # fmt: skip
        wait_until_healthy(url, gunicorn)
        before = population.reports_by_state(year)
        restart, load = run_load(args, processes, pg, plan, events, url)
        time.sleep(5)  # the worker delivers the last steps' mail
        close_old_connections()  # as at a request's start: the restart broke the connection
        return Outcome.collect(
            args=args,
            events=events,
            access=work / "access.log",
            people=people,
            restart=restart,
            load=load,
            setup=took,
            before=before,
            after=population.reports_by_state(year),
            lost=population.submissions_lost,
            mail=smtp.messages,
            logs={name: processes.log(name) for name in ("gunicorn", "celery")},
            servers={"postgres": pg.port, "redis": redis.port, "gunicorn": port},
        )


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    outcome = run_in_work_dir("pesco-deadline-day-", lambda work: run(args, work), keep=args.keep)
    if outcome is None:
        return 130
    return 0 if print_outcome(outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
