"""Redis for the tests: what task messages sit on the machine's shared Redis, and Redis servers of
a test's own (started on a free port, stopped and restarted by the test: the shared one never)."""

import contextlib
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import redis
from django.conf import settings


def _task_of(raw: bytes) -> tuple[str, str, str] | None:
    """(task id, task name, origin) of a Celery message as kombu stores it, or None."""
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    if isinstance(message, list) and message:  # the unacked hash: [message, exchange, key]
        message = message[0]
    headers = message.get("headers") if isinstance(message, dict) else None
    if not isinstance(headers, dict) or "task" not in headers:
        return None
    return str(headers.get("id")), str(headers["task"]), str(headers.get("origin", ""))


def shared_redis_tasks(*, published_by: int | None = None) -> dict[str, str]:
    """{task id: "db N, key K: task name"} of every task message on any queue (or unacknowledged)
    in any database of the Redis at REDIS_URL, or only of those the process `published_by`
    published (Celery's `origin` header: gen<pid>@<host>); {} without REDIS_URL."""
    if not settings.REDIS_URL:
        return {}
    parts = urlsplit(settings.REDIS_URL)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    databases = int(redis.Redis(host=host, port=port).config_get("databases")["databases"])
    found: dict[str, str] = {}
    for db in range(databases):
        client = redis.Redis(host=host, port=port, db=db)
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            values = (
                client.lrange(key, 0, -1)
                if kind == b"list"
                else client.hvals(key)
                if kind == b"hash"
                else []
            )
            for raw in values:
                task = _task_of(raw)
                if task is not None and (
                    published_by is None or task[2].startswith(f"gen{published_by}@")
                ):
                    found[task[0]] = f"db {db}, key {key.decode(errors='replace')}: {task[1]}"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, on a free loopback port, keeping nothing on disk."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(  # noqa: S603 - the machine's redis-server, our arguments
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
