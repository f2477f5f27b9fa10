"""User administration. The secretariat lead manages users, but never beyond their own powers:
no superuser or staff flags, no changes to superusers, no roles or organisation for themselves.
The user's project roles are added to this page by projects/admin.py: accounts knows no project."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from pesco_review.accounts.models import User

PRIVILEGES = ["is_superuser", "is_staff", "groups", "user_permissions"]
OWN_ROLES = ["member_state", "secretariat_body", "is_secretariat_lead", "is_leadership"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = [
        "username",
        "get_full_name",
        "member_state",
        "secretariat_body",
        "is_secretariat_lead",
        "is_leadership",
        "is_active",
    ]
    list_filter = [
        "secretariat_body",
        "is_secretariat_lead",
        "is_leadership",
        "is_active",
        "is_demo",
    ]
    list_select_related = ["member_state"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            "Organisation and roles",
            {
                "fields": [
                    "member_state",
                    "secretariat_body",
                    "is_secretariat_lead",
                    "is_leadership",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += PRIVILEGES
            if obj is not None and obj.pk == request.user.pk:
                readonly += OWN_ROLES
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and not self.has_change_permission(request, user):
            raise PermissionDenied("Only a superuser changes a superuser's password.")
        return super().user_change_password(request, id, form_url)
