"""Every page at the real data set's size and at ten times it (issue 13): SQL queries and requests
per second, each with its target and a verdict; a non-zero exit status if one fails (every line
is printed first).

    make bench                                   # every bench script, this one included
    .venv/bin/python bench/pages.py              # this one (about 5 minutes); --help

1. Queries. The real register (load_pesco) and the demo (seed_demo: its accounts, two cycles of
   reports in every state), then each page below is read, in process with Django's test client,
   by the demo person whose page it is: each role's home page, the review queue, the cycle
   overview (lead, leadership), the cycle list, the project list, a project page, a report page
   for every role that may see it, the proposals, the account settings. Then the data set is
   made ten times as large (bench/common/synthetic.py: 720 projects, every person's portfolio
   ten times as long, about 1,400 reports over the two cycles, the same mix of states, every text
   saying it is bench data) and each page is read again. Target: the same count at both sizes,
   and at most 15.
2. Requests per second, at ten times the data, against gunicorn (2 workers) on a free loopback
   port: the review queue, the cycle overview, the project list and each role's home page
   against a Django admin changelist of the same status reports (target: at least 1.5 times
   its rate), and a report page against a view that answers a few bytes through the same
   middleware (target: at least 0.15 times). Both baselines are the bench's own
   (bench/common/site.py), so tuning the application cannot move them. Each page and its
   baseline are measured alike (the same client: a few threads with a signed-in session cookie,
   a new connection per request, as gunicorn's sync workers close them), in alternating rounds
   (ABBA), so that the load of the machine weighs on both.

Everything runs against the bench's own servers, deleted afterwards (also on Ctrl-C or an
error): a PostgreSQL made by initdb on a free port, a Redis, gunicorn; production settings
(DEBUG off, a throw-away secret key) with the bench's URLconf (bench/common/settings.py). The
machine's own PostgreSQL and Redis are never used. Sessions are made server-side by Django's
login() (force_login) after giving the person whose role needs one a real TOTP authenticator,
as bench/deadline/population.py does: signing in is not what this bench measures.
"""

import argparse
import contextlib
import http.client
import logging
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from bench.common.processes import (  # noqa: E402
    Processes,
    cpu_seconds,
    create_database,
    run_in_work_dir,
    wait_until_healthy,
)
from tests.servers import ThrowawayPostgres, ThrowawayRedis, free_port  # noqa: E402

MAX_QUERIES = 15
MIN_VS_ADMIN = 1.5
MIN_VS_BARE = 0.15
FACTOR = 10
# The demo's people, by the role each page is read in.
PEOPLE = {
    "coordinator": "coordinator",
    "member": "member",
    "EDA reviewer": "eda-reviewer",
    "EEAS reviewer": "eeas-reviewer",
    "EUMS reviewer": "eums-reviewer",
    "lead": "secretariat",
    "leadership": "leadership",
}


@dataclass(frozen=True)
class Page:
    label: str
    role: str  # a key of PEOPLE
    path: str
    baseline: str = ""  # the rate's baseline: "admin" or "bare"; none if empty


@dataclass(frozen=True)
class Verdict:
    what: str
    measured: str
    target: str
    ok: bool

    def line(self) -> str:
        return f"{self.what:40} {self.measured:62} {self.target:20} {'PASS' if self.ok else 'FAIL'}"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="rounds of each rate pair (4)")
    parser.add_argument(
        "--seconds", type=float, default=1.0, help="seconds of each side in a round (1.0)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=2, help="the client's threads (2)")
    return parser.parse_args(argv)


def application_env(pg: ThrowawayPostgres, redis: ThrowawayRedis, work: Path) -> dict[str, str]:
    """Production settings with the bench's URLconf, against the bench's own servers."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.common.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": pg.url("pesco_bench_pages"),
        "REDIS_URL": redis.url,
        "MEDIA_ROOT": str(work / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def set_up_django() -> dict[str, float]:
    """Migrate, load the real data set (twice: the second load changes nothing) and the demo,
    collect the static files; returns how long each step took."""
    import django  # noqa: PLC0415

    django.setup()
    from django.conf import settings  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    from pesco_review.celery import app as celery_app  # noqa: PLC0415

    took: dict[str, float] = {}

    def step(name: str, *command: str) -> None:
        started = time.perf_counter()
        call_command(*command, verbosity=0)
        took[name] = time.perf_counter() - started

    celery_app.conf.task_always_eager = True  # the demo's mail goes nowhere, as in seed_demo
    logging.getLogger("pesco_review.security").setLevel(logging.WARNING)
    step("migrate", "migrate")
    step("load_pesco", "load_pesco")
    step("load_pesco again (no change)", "load_pesco")
    settings.DEBUG = True  # seed_demo refuses to run without; only for this step
    step("seed_demo", "seed_demo")
    settings.DEBUG = False
    step("collectstatic", "collectstatic", "--no-input")
    celery_app.conf.task_always_eager = False
    return took


def sessions() -> dict[str, str]:
    """A signed-in session for each demo person of PEOPLE, with a real authenticator for those
    whose role needs a second factor; role → the session cookie's value."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: PLC0415
    from django.conf import settings  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from pesco_review.accounts.middleware import needs_second_factor  # noqa: PLC0415
    from pesco_review.accounts.models import User  # noqa: PLC0415

    cookies = {}
    for role, username in PEOPLE.items():
        user = User.objects.get(username=username)
        if needs_second_factor(user):
            TOTP.activate(user, generate_totp_secret())
        client = Client()
        client.force_login(user)
        cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def pages() -> list[Page]:
    """Every page the bench reads, by whom; the report page is a report of the demo
    coordinator's that was submitted (so every role may see one of its revisions)."""
    from pesco_review.accounts.models import User  # noqa: PLC0415
    from pesco_review.permissions import may  # noqa: PLC0415
    from reviews.models import ReviewCycle, StatusReport  # noqa: PLC0415

    year = ReviewCycle.objects.get(state="open").year
    report = (
        StatusReport.objects.filter(cycle__year=year, project__acronym="CIDCC")
        .select_related("project", "cycle")
        .get()
    )
    listed = [
        *(Page(f"home ({role})", role, "/", "admin") for role in PEOPLE),
        Page("review queue", "EDA reviewer", "/queue/", "admin"),
        Page("cycle overview (lead)", "lead", f"/cycles/{year}/", "admin"),
        Page("cycle overview (leadership)", "leadership", f"/cycles/{year}/"),
        Page("cycle list", "lead", "/cycles/"),
        Page("project list", "EDA reviewer", "/projects/", "admin"),
        Page("project list, filtered", "EDA reviewer", "/projects/?domain=maritime"),
        Page(
            f"project page ({report.project.acronym})",
            "EDA reviewer",
            f"/projects/{report.project.slug}/",
        ),
        Page("proposals", "lead", "/proposals/"),
        Page("account settings", "coordinator", "/accounts/settings/"),
    ]
    for role, username in PEOPLE.items():
        if may(User.objects.get(username=username), "reviews.view_report", report):
            rate = "bare" if role == "EDA reviewer" else ""
            listed.append(Page(f"report page ({role})", role, f"/reports/{report.pk}/", rate))
    return listed


def count_queries(listed: list[Page]) -> dict[str, tuple[int | str, int]]:
    """Each page's SQL queries, and its size in bytes (so that one sees the larger data set reach
    the page); a page that does not answer 200 is named with its status instead of a count.
    Read in a session signed in just before (the session's last activity is written at most once
    a minute, a query that is no page's), the second reading (the first warms what a running
    server has warm)."""
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from pesco_review.accounts.models import User  # noqa: PLC0415

    people = {user.username: user for user in User.objects.filter(username__in=PEOPLE.values())}
    counts: dict[str, tuple[int | str, int]] = {}
    for page in listed:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(people[PEOPLE[page.role]])
        client.get(page.path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path)
        status = response.status_code
        counts[page.label] = (len(queries) if status == 200 else f"answered {status}",
                              len(response.content))  # fmt: skip
    return counts


def query_verdicts(listed: list[Page], one: dict, ten: dict) -> list[Verdict]:
    verdicts = []
    for page in listed:
        (a, a_size), (b, b_size) = one[page.label], ten[page.label]
        ok = isinstance(a, int) and isinstance(b, int) and a == b <= MAX_QUERIES
        verdicts.append(
            Verdict(
                f"queries: {page.label}",
                f"1x {a} ({a_size / 1000:.0f} kB), {FACTOR}x {b} ({b_size / 1000:.0f} kB)",
                f"same at both, <= {MAX_QUERIES}",
                ok,
            )
        )
    return verdicts


def vacuum_analyze() -> None:
    """What a running database has done to tables this size by itself: the measurements do not
    meet an autovacuum midway, nor plans made for the empty tables."""
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def data_size() -> str:
    from projects.models import Project  # noqa: PLC0415
    from reviews.models import StatusReport  # noqa: PLC0415

    years = StatusReport.objects.values_list("cycle__year", flat=True).distinct().count()
    return (
        f"{Project.objects.count()} projects, {StatusReport.objects.count()} reports over "
        f"{years} cycles"
    )


def hammer(port: int, path: str, cookie: str, seconds: float, threads: int) -> tuple[int, int]:
    """GET `path` from `threads` threads for `seconds`; returns (answered 200, other answers or
    failures). Each request on a connection of its own (gunicorn's sync workers close them)."""
    deadline = time.perf_counter() + seconds
    done, failed = [0] * threads, [0] * threads

    def work(i: int) -> None:
        while time.perf_counter() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
            finally:
                connection.close()
            done[i] += ok
            failed[i] += not ok

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done), sum(failed)


@dataclass
class Side:
    """What one side of a pair (a page, or its baseline) was measured at, over its rounds."""

    path: str
    cookie: str
    answered: int = 0
    failed: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # the servers' CPU seconds (gunicorn and PostgreSQL)

    @property
    def rate(self) -> float:
        """Requests per second; 0 if one failed."""
        return 0.0 if self.failed or not self.seconds else self.answered / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.answered if self.answered else 0.0


def rate_pair(args, port: int, servers: list[int], sides: tuple[Side, Side]) -> None:
    """Measure a page and its baseline in alternating rounds (page, baseline, baseline, page,
    ...), each side for --seconds a round, with the CPU time the servers used meanwhile."""
    for side in sides:
        hammer(port, side.path, side.cookie, 0.3, 1)  # warm
    for round_ in range(args.rounds):
        for side in sides if round_ % 2 == 0 else sides[::-1]:
            started, cpu = time.perf_counter(), cpu_seconds(servers)
            done, failed = hammer(port, side.path, side.cookie, args.seconds, args.threads)
            side.cpu += cpu_seconds(servers) - cpu
            side.seconds += time.perf_counter() - started
            side.answered += done
            side.failed += failed


def rate_verdicts(args, port: int, servers: list[int], listed: list[Page], cookies) -> list:
    """Each page with a baseline against it; the servers' CPU time per request is shown too (a
    figure the machine's other load moves less than the rates)."""
    from django.conf import settings  # noqa: PLC0415

    from bench.common.site import ADMIN_CHANGELIST, BARE  # noqa: PLC0415

    def cookie(role: str) -> str:
        return f"{settings.SESSION_COOKIE_NAME}={cookies[role]}"

    verdicts = []
    for page in [p for p in listed if p.baseline]:
        if page.baseline == "admin":
            base, target, name = Side(ADMIN_CHANGELIST, cookie("lead")), MIN_VS_ADMIN, "admin"
        else:
            base, target, name = Side(BARE, cookie(page.role)), MIN_VS_BARE, "bare"
        ours = Side(page.path, cookie(page.role))
        rate_pair(args, port, servers, (ours, base))
        ratio = ours.rate / base.rate if base.rate else 0.0
        verdicts.append(
            Verdict(
                f"req/s at {FACTOR}x: {page.label}",
                f"{ours.rate:5.1f}/s vs {name} {base.rate:5.1f}/s = {ratio:.2f}x "
                f"(CPU {ours.cpu_ms:4.0f} vs {base.cpu_ms:3.0f} ms/request)",
                f">= {target}x",
                ours.rate > 0 and base.rate > 0 and ratio >= target,
            )
        )
        print(verdicts[-1].line(), flush=True)
    return verdicts


def serve(args, processes: Processes, work: Path) -> tuple[int, int]:
    """gunicorn with the bench's settings on a free port, once healthy; returns its port and
    its process id."""
    port = free_port()
    gunicorn = processes.start(
        "gunicorn",
        [str(BIN / "gunicorn"), "pesco_review.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--error-logfile", str(work / "gunicorn-errors.log")],
    )  # fmt: skip
    wait_until_healthy(f"http://127.0.0.1:{port}", gunicorn)
    return port, gunicorn.pid


def run(args: argparse.Namespace, work: Path) -> list[Verdict]:
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(ThrowawayPostgres())
        redis = stack.enter_context(ThrowawayRedis())
        create_database(pg, "pesco_bench_pages")
        env = application_env(pg, redis, work)
        os.environ.update(env)
        took = set_up_django()
        from bench.common import synthetic  # noqa: PLC0415 - Django is set up now

        print("set-up: " + ", ".join(f"{name} {s:.1f} s" for name, s in took.items()))
        cookies, listed = sessions(), pages()
        print(f"1x: {data_size()}", flush=True)
        one = count_queries(listed)
        started = time.perf_counter()
        synthetic.multiply(FACTOR)
        vacuum_analyze()
        print(f"{FACTOR}x: {data_size()} (made in {time.perf_counter() - started:.0f} s)")
        ten = count_queries(listed)
        verdicts = query_verdicts(listed, one, ten)
        for verdict in verdicts:
            print(verdict.line(), flush=True)
        from django.db import connections  # noqa: PLC0415

        connections.close_all()
        processes = Processes(work, env)
        stack.callback(processes.close)
        port, gunicorn = serve(args, processes, work)
        postgres = int((pg.data / "postmaster.pid").read_text().split()[0])
        return verdicts + rate_verdicts(args, port, [gunicorn, postgres], listed, cookies)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    started = time.perf_counter()
    verdicts = run_in_work_dir("pesco-bench-pages-", lambda work: run(args, work))
    if verdicts is None:
        return 130
    failed = [v for v in verdicts if not v.ok]
    print(
        f"{len(verdicts) - len(failed)} of {len(verdicts)} verdicts PASS, {len(failed)} FAIL "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
