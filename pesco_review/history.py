"""Who made a change and why: read by django-simple-history for an instance's next record."""

from typing import Any


def attribute(instance: Any, *, actor, reason: str = "") -> None:
    """Name the acting user (None for a command) and, if given, the reason of the next save."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
