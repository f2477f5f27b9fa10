"""The authentication backend: allauth's (username or e-mail and password, on Django's model
backend), loading the signed-in user with what every page shows of them, and leaving the
permissions the rules define to the rules."""

import rules
from allauth.account.auth_backends import AuthenticationBackend

from pesco_review.accounts.models import User


class AccountBackend(AuthenticationBackend):
    def get_user(self, user_id):
        """The user of a session, with their member state (the header names it): one query,
        without the state's source record (JSON no page shows)."""
        users = User.objects.select_related("member_state").defer("member_state__source_record")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        """A permission the rules define is theirs alone: Django asks every backend in turn
        until one says yes, and the model backend would read the user's and their groups'
        permissions from the database only to refuse again. Django's model permissions (the
        admin's view/add/change/delete) still come from here."""
        if rules.perm_exists(perm):
            return False
        return super().has_perm(user_obj, perm, obj)
