"""Site-wide views: the health check, the admin's login."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import urlencode
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pesco_review.celery import app as celery_app


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _broker_status() -> str:
    if celery_app.conf.task_always_eager:
        return "in-process"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return "unreachable"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """JSON: is the database reachable, is the broker reachable (or tasks run in-process).

    Only the database decides the status code: without it nothing works (503), whereas without
    the broker every page and step still does, and what the background jobs owe waits in the
    database for its return ("degraded", 200): a load balancer must not take the site down for
    an outage of Redis."""
    database = "ok" if _database_ok() else "unreachable"
    broker = _broker_status()
    if database != "ok":
        status = "unavailable"
    else:
        status = "ok" if broker in {"ok", "in-process"} else "degraded"
    return JsonResponse(
        {"status": status, "database": database, "broker": broker},
        status=503 if status == "unavailable" else 200,
    )


@login_not_required
def admin_login(request):
    """The admin's login sends people to the one login page; a signed-in non-staff user is refused
    (redirecting them would loop between the admin and the login page)."""
    if request.user.is_authenticated:
        raise PermissionDenied("The administration is for the secretariat's data stewards.")
    next_url = request.GET.get("next", "/admin/")
    return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")


def bad_request(request, exception):
    """A request larger than DJANGO_UPLOAD_MAX_BYTES gets a page that says so (413); any other
    bad request Django's own 400 page."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return render(request, "413.html", {"limit": f"{limit:g}"}, status=413)
    return defaults.bad_request(request, exception)
