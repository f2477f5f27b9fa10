"""Real processes for the tests: the application under gunicorn, a Celery worker (with beat), a
mail server that keeps what it receives. Each on a free loopback port, stopped by the test."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from tests.servers import free_port


def test_database_url() -> str:
    """DATABASE_URL of the test database pytest-django created."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


test_database_url.__test__ = False  # type: ignore[attr-defined] - a helper, not a test


def app_environment(**extra: str) -> dict[str, str]:
    """The environment of a production-like process of the application on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        **extra,
    }


def wait_until(done: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


class Process:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path):
        self.log = log
        with log.open("wb") as output:
            self.popen = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                command,
                env=env,
                cwd=settings.BASE_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=15)


def start_gunicorn(tmp_path: Path, started: list[Process], **env: str) -> str:
    """The application under gunicorn (one worker), added to `started` (for the caller to stop
    whatever happens); its base URL, once /healthz answers 200."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "pesco_review.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--timeout",
        "30",
    ]
    process = Process(command, app_environment(**env), tmp_path / "gunicorn.log")
    started.append(process)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.popen.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{process.tail()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError):  # not listening yet, 503, or still booting
            return False

    wait_until(answers, "gunicorn answering /healthz")
    return base


def worker_command(*options: str) -> list[str]:
    """`celery worker` of the application with one pool process, for a test: no other worker to
    sync with (it starts about a second sooner)."""
    return [sys.executable, "-m", "celery", "-A", "pesco_review", "worker", "--loglevel=INFO",
            "--concurrency=1", "--without-mingle", "--without-gossip", *options]  # fmt: skip


def start_worker_with_beat(tmp_path: Path, **env: str) -> Process:
    """A Celery worker with beat inside it (-B), on the broker of `env`'s REDIS_URL."""
    command = worker_command("-B", "--schedule", str(tmp_path / "celerybeat-schedule"))
    return Process(command, app_environment(**env), tmp_path / "worker.log")


class _Keep:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server on the loopback address that keeps every message it accepts."""

    def __init__(self):
        self.handler = _Keep()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[tuple[str, list[str], bytes]]:
        return self.handler.messages

    def environment(self) -> dict[str, str]:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "0"}

    def start(self) -> "MailServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
