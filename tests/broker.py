"""What task messages sit on the machine's shared Redis (a Redis of a test's own:
tests.servers.ThrowawayRedis)."""

import json
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
