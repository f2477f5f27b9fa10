"""Who made a change and why: read by django-simple-history for an instance's next record."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pesco_review.accounts.models import User


def attribute(instance: Any, *, actor: "User | None", reason: str = "") -> None:
    """Name the acting user (None for a command) and, if given, the reason of the next save."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason


def save_with_history(
    instance: Any,
    *,
    actor: "User | None",
    reason: str = "",
    fields: list[str] | None = None,
    validate: bool = True,
    validate_constraints: bool = True,
) -> None:
    """The one way a service saves: validate, name who and why for the history, then save
    only `fields` (or everything for a new row). `validate=False` only where the values were
    validated already (a copy of an approved report), to spare a query per foreign key."""
    if validate:
        instance.full_clean(validate_constraints=validate_constraints)
    attribute(instance, actor=actor, reason=reason)
    instance.save(update_fields=fields)
