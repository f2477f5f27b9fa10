from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from pesco_review.accounts.models import User
from projects.admin import ProjectRoleInline


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
    list_filter = ["secretariat_body", "is_secretariat_lead", "is_leadership", "is_active"]
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
    inlines = [ProjectRoleInline]
