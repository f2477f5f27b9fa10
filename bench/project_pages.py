"""Query counts and response times of the project pages, for the real data set.

Run with `make bench` (a throw-away SQLite database under var/bench, or DATABASE_URL).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pesco_review.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def main() -> None:
    setup_test_environment()
    from django.test.utils import get_runner  # noqa: PLC0415

    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        started = time.perf_counter()
        call_command("load_pesco", verbosity=0)
        print(f"load_pesco (72 projects): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        call_command("load_pesco", verbosity=0)
        print(f"load_pesco again (no change): {time.perf_counter() - started:.2f} s")
        settings.DEBUG = True
        call_command("seed_demo", verbosity=0)
        client = Client()
        from pesco_review.accounts.models import User  # noqa: PLC0415

        client.force_login(User.objects.get(username="eda-reviewer"))
        for label, url in [
            ("home (all 72)", "/"),
            ("project list", "/projects/"),
            ("project list, filtered", "/projects/?domain=maritime"),
            ("project page (MM)", "/projects/mm/"),
        ]:
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                rounds = 20
                for _ in range(rounds):
                    response = client.get(url)
                elapsed = (time.perf_counter() - started) / rounds
            assert response.status_code == 200, (url, response.status_code)
            print(
                f"{label:28} {len(queries) // rounds:3d} queries  {elapsed * 1000:7.1f} ms/request"
            )
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
