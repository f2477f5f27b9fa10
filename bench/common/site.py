"""The bench's URLconf: every page of the application, and two baselines the bench defines
itself, so that tuning the application cannot move them.

- /bench/admin/reviews/statusreport/: a Django admin changelist of the status reports on an
  AdminSite of the bench's own (project, cycle, state; 100 a page; no filter, no search): what
  a list page costs when Django's admin draws it.
- /bench/bare: a view that answers a few bytes, for a signed-in person, through every middleware
  of the application: what any request costs before its page does anything.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path

from pesco_review.urls import handler400
from pesco_review.urls import urlpatterns as application
from reviews.models import StatusReport

BARE_BODY = b"ok"


class BaselineSite(admin.AdminSite):
    site_header = "Bench baseline (not the application's administration)"


class BaselineReportAdmin(admin.ModelAdmin):
    list_display = ("project", "cycle", "state")
    list_per_page = 100

    # Read-only, and open to any active staff account: the baseline measures the changelist,
    # not Django's model permissions.
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


baseline = BaselineSite(name="bench_baseline")
baseline.register(StatusReport, BaselineReportAdmin)


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_BODY, content_type="text/plain")


ADMIN_CHANGELIST = "/bench/admin/reviews/statusreport/"
BARE = "/bench/bare"

urlpatterns = [
    path("bench/admin/", baseline.urls),
    path("bench/bare", bare, name="bench_bare"),
    *application,
]
__all__ = ["handler400", "urlpatterns"]
