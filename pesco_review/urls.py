from allauth.account import views as account_views
from django.contrib import admin
from django.urls import include, path

from pesco_review.accounts.views import AbsenceView, AccountSettingsView
from pesco_review.views import admin_login, healthz
from reviews.views import HomeView

admin.site.site_header = "PESCO annual progress review — administration"
admin.site.site_title = "PESCO review admin"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    # Sign-in, sign-out, password reset and change, two-factor authentication and single sign-on
    # (django-allauth); "login" and "logout" name its views too.
    path("accounts/login/", account_views.login, name="login"),
    path("accounts/logout/", account_views.logout, name="logout"),
    path("accounts/settings/", AccountSettingsView.as_view(), name="account_settings"),
    path("accounts/absence/", AbsenceView.as_view(), name="absence"),
    path("accounts/", include("allauth.urls")),
    # One login page for everybody: the admin's own login sends people to it.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("projects/", include("projects.urls")),
    path("imports/", include("onboarding.urls")),
    path("", include("reviews.urls")),
]

handler400 = "pesco_review.views.bad_request"
