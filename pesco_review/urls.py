from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pesco_review.accounts.views import AbsenceView
from pesco_review.views import admin_login, healthz
from reviews.views import HomeView

admin.site.site_header = "PESCO annual progress review — administration"
admin.site.site_title = "PESCO review admin"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/absence/", AbsenceView.as_view(), name="absence"),
    # One login page for everybody: the admin's own login sends people to it.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("projects/", include("projects.urls")),
    path("", include("reviews.urls")),
]

handler400 = "pesco_review.views.bad_request"
