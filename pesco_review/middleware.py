"""Site-wide middleware: the request id, the session's idle and absolute lifetime, no caching of
what a signed-in person sees, refusals (403) in the security log, and outages of the object
storage answered 503."""

import logging
import re
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from pesco_review.accounts.templatetags.durations import in_words
from pesco_review.security import current_request, security_event
from pesco_review.storage import UNREACHABLE_MESSAGE, is_unreachable

log = logging.getLogger(__name__)

# An incoming X-Request-ID (from the proxy in front) is kept if it is a plain token like this.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestIdMiddleware:
    """Names each request: request.request_id, the X-Request-ID response header, and the
    request id of every security log line written while it is answered. First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


# Unix times (seconds) in the session: when the person signed in, when they last did something.
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# The last activity is written at most once a minute: the session is saved (an UPDATE) only then,
# not on every request. The idle time is measured to the minute.
ACTIVITY_RESOLUTION = 60


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the session's clocks start at sign-in."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def _expiry_message(session, now: int) -> str | None:
    """Why this session is over, in words; None while it lasts (its activity then noted)."""
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN_AT)
    if signed_in is None or seen is None:  # a session from before the clocks: they start now
        session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
        return None
    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    lifetime = timedelta(hours=settings.SESSION_MAX_HOURS)
    if now - seen > idle.total_seconds():
        return f"You were signed out after {in_words(idle)} without activity."
    if now - signed_in > lifetime.total_seconds():
        return f"You were signed out {in_words(lifetime)} after signing in. Please sign in again."
    if now - seen >= ACTIVITY_RESOLUTION:
        session[LAST_SEEN_AT] = now
    return None


class SessionLifetimeMiddleware:
    """Signs out (the session flushed) after SESSION_IDLE_MINUTES without a request, or
    SESSION_MAX_HOURS after sign-in however active, and sends the person to the login page with
    a message. After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            message = _expiry_message(request.session, int(time.time()))
            if message is not None:
                security_event("session_expired", request, reason=message)
                logout(request)
                messages.info(request, message)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in request and on every
    download (an attachment), so that no browser cache or proxy keeps a LIMITE page or file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        download = response.get("Content-Disposition", "").startswith("attachment")
        if download or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


class PermissionDeniedLogMiddleware:
    """Every 403 answered (a refused permission, a failed CSRF check) in the security log, with
    the reason the view gave, if any."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            security_event(
                "permission_denied",
                request,
                method=request.method,
                path=request.path,
                reason=getattr(request, "denied_reason", ""),
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            request.denied_reason = str(exception)


class StorageOutageMiddleware:
    """A download (or any page) that the object storage's outage stopped answers 503 with a page
    that says so, and when to try again, instead of a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_unreachable(exception):
            return None
        log.warning("object storage unreachable on %s: %s", request.path, exception)
        response = render(request, "503.html", {"message": UNREACHABLE_MESSAGE}, status=503)
        response["Retry-After"] = "60"
        return response
