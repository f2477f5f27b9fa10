"""Writes to accounts: the secretariat's group of data stewards; a reviewer's absence."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from pesco_review.accounts.models import User
from pesco_review.history import attribute

SECRETARIAT_GROUP = "Secretariat data stewards"
# What the secretariat may curate in the admin: the register and the users.
SECRETARIAT_PERMISSIONS = [
    (app, f"{action}_{model}")
    for app, models in {
        "projects": [
            "memberstate",
            "project",
            "participation",
            "milestone",
            "projectrole",
            "domain",
            "wave",
            "lifecyclephase",
        ],
        "accounts": ["user"],
    }.items()
    for model in models
    for action in ("view", "add", "change")
]


def secretariat_group() -> Group:
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in SECRETARIAT_PERMISSIONS
    ]
    group.permissions.set(wanted)
    return group


@transaction.atomic
def absence_set(*, actor: User, absent_until, deputy: User | None) -> User:
    """A reviewer names a deputy of the same body for an absence (or ends it with None)."""
    if not actor.secretariat_body:
        raise ValidationError("Only secretariat reviewers name a deputy.")
    if deputy is not None and (
        deputy.pk == actor.pk
        or deputy.secretariat_body != actor.secretariat_body
        or not deputy.is_active
    ):
        raise ValidationError(
            f"The deputy must be another active reviewer of the {actor.secretariat_body}."
        )
    if absent_until is not None and deputy is None:
        raise ValidationError("Name the deputy who reviews for you while you are away.")
    user = User.objects.select_for_update().get(pk=actor.pk)
    user.absent_until = absent_until
    user.deputy = deputy if absent_until is not None else None
    attribute(user, actor=actor, reason="Absence and deputy")
    user.save(update_fields=["absent_until", "deputy"])
    return user
