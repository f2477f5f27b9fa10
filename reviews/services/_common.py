"""What every service of the review needs: the permission check on the acting user."""

from django.core.exceptions import PermissionDenied

from pesco_review.accounts.models import User
from pesco_review.permissions import may


def require(actor: User, permission: str, obj=None, message: str = "") -> None:
    """Raise PermissionDenied (with `message`) unless the actor has the permission."""
    if not may(actor, permission, obj):
        raise PermissionDenied(message or "You may not do this.")
