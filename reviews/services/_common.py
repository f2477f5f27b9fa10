"""What every service of the review needs: the permission check on the acting user."""

from django.core.exceptions import PermissionDenied

from pesco_review.accounts.models import User


def require(actor: User, permission: str, obj=None, message: str = "") -> None:
    """Raise PermissionDenied (with `message`) unless the actor has the permission."""
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(message or "You may not do this.")
