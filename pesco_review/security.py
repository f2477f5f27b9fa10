"""Security events: one JSON line each on the `pesco_review.security` logger.

`security_event("login_failed", request, username="anna")` logs the event; a filter on the logger
adds the signed-in user, the client address (pesco_review.accounts.client_ip) and the request id
to every record, from the request passed or else the request being answered; JsonFormatter writes
time, level, logger, message, user, address, request id and the event's fields as one line.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest

from pesco_review.accounts.client_ip import client_ip

logger = logging.getLogger("pesco_review.security")

# The request being answered, set by pesco_review.middleware.RequestIdMiddleware.
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)

CONTEXT_FIELDS = ("user", "address", "request_id")
RESERVED = frozenset({"time", "level", "logger", "message", "event", *CONTEXT_FIELDS})
WARNING_EVENTS = frozenset({"locked_out", "permission_denied"})


def security_event(name: str, request: HttpRequest | None = None, **fields) -> None:
    """Log one security event. A name ending in `_failed`, a lock-out and a refusal are
    warnings, the rest information. `fields` are the event's own, JSON-serialisable values
    (other values are written as text); the context fields are added, never passed."""
    clash = RESERVED.intersection(fields)
    if clash:
        raise TypeError(f"security_event fields may not be named {', '.join(sorted(clash))}.")
    level = logging.WARNING if name.endswith("_failed") or name in WARNING_EVENTS else logging.INFO
    logger.log(level, name, extra={"event": name, "event_fields": fields, "request": request})


def _username(request: HttpRequest | None) -> str | None:
    user = getattr(request, "user", None)
    return user.get_username() if user is not None and user.is_authenticated else None


class SecurityContextFilter(logging.Filter):
    """Adds user, address and request_id to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None) or current_request.get()
        record.user = _username(request)
        record.address = (client_ip(request) or None) if request is not None else None
        record.request_id = getattr(request, "request_id", None)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, user, address,
    request_id, event and its fields; the traceback, if any, as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **{name: getattr(record, name, None) for name in CONTEXT_FIELDS},
            "event": getattr(record, "event", None),
            **getattr(record, "event_fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
