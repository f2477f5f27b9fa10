"""Permissions that hold for everyone: the rules themselves, never Django's superuser shortcut.

Django's `User.has_perm` answers True for any active superuser before a rule runs; that is how a
superuser could once edit an approved report. Every check of the application goes through
`may`, which asks the rules (django-rules) directly, so a superuser may do only what the rules
give them (they manage the system in the admin; they do not write reports or approve).
"""

import rules
from django.contrib.auth.mixins import PermissionRequiredMixin


def may(user, permission: str, obj=None) -> bool:
    """`may(user, "reviews.edit_report", report)`: the rule's answer for this user."""
    return user.is_authenticated and user.is_active and rules.has_perm(permission, user, obj)


def context_processor(request) -> dict:
    """Templates ask `may.reviews.build_review`, as they would ask `perms`."""
    return {"may": RulesPerms(request.user)}


class _AppPerms:
    def __init__(self, user, app: str):
        self.user, self.app = user, app

    def __getitem__(self, name: str) -> bool:
        return may(self.user, f"{self.app}.{name}")

    def __contains__(self, name: str) -> bool:
        return self[name]


class RulesPerms:
    """`may.reviews.build_review` in a template (like `perms`, without the superuser shortcut)."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, app: str) -> _AppPerms:
        return _AppPerms(self.user, app)


class RulesPermissionRequiredMixin(PermissionRequiredMixin):
    """PermissionRequiredMixin answered by the rules for every user, superusers included."""

    def has_permission(self) -> bool:
        return all(may(self.request.user, p) for p in self.get_permission_required())
