"""The bench's own child processes and servers: a database in a throw-away PostgreSQL, programs
(gunicorn, Celery, locust) each in a session of its own and stopped at the end, and a wait for
gunicorn's health check."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.servers import ThrowawayPostgres

ROOT = Path(__file__).resolve().parent.parent.parent


def create_database(pg: ThrowawayPostgres, name: str) -> None:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(pg.url().replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')


class Processes:
    """The bench's own child processes, each in a session of its own, stopped at the end."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work, self.env, self.started = work, env, []

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        log = (self.work / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
            command,
            cwd=ROOT,
            env={**os.environ, **self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting (see its log)")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/healthz", timeout=5) as response,  # noqa: S310
        ):
            if json.load(response) == {"status": "ok", "database": "ok", "broker": "ok"}:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url}/healthz did not answer ok within {timeout} s")


def stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def run_in_work_dir[T](prefix: str, run: Callable[[Path], T], *, keep: bool = False) -> T | None:
    """`run(work)` in a temporary directory of its own, deleted afterwards (unless `keep`);
    SIGTERM stops it as Ctrl-C does, every server and process of the bench stopped: then None."""
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return run(work)
    except KeyboardInterrupt:
        print("interrupted: the bench's servers and processes are stopped", file=sys.stderr)
        return None
    finally:
        if keep:
            print(f"logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def cpu_seconds(roots: list[int]) -> float:
    """The CPU time (user and system) the processes `roots` and all their descendants have used:
    the living ones' own, and their finished children's (as the kernel counts them for a parent
    that waited for them). Linux's /proc."""
    used: dict[int, tuple[int, int]] = {}  # pid → (parent, clock ticks)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # finished meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # from the state on: field 3 of proc(5)
        used[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in used.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [pid for pid in roots if pid in used]
    while todo:
        pid = todo.pop()
        total += used[pid][1]
        todo += children.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")
