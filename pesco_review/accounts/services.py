"""Writes to accounts: a reviewer's absence and deputy; the demonstration accounts."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.accounts.models import User
from pesco_review.history import attribute
from projects.enums import ProjectRoleKind
from projects.models import MemberState, Project, ProjectRole

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


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    state: str = ""
    body: str = ""
    lead: bool = False
    leadership: bool = False
    superuser: bool = False
    coordinates: tuple[str, ...] = ()
    member_of: tuple[str, ...] = ()


DEMO_ACCOUNTS = (
    DemoAccount(
        "coordinator", "Anna", "Becker", state="DE", coordinates=("EMC", "CIDCC"), member_of=("MM",)
    ),
    DemoAccount("member", "Julien", "Moreau", state="FR", member_of=("EMC", "CIDCC")),
    DemoAccount("eda-reviewer", "Elena", "Dragan", body=SecretariatBody.EDA),
    DemoAccount("eeas-reviewer", "Pieter", "Janssens", body=SecretariatBody.EEAS),
    DemoAccount("eums-reviewer", "Marco", "Rossi", body=SecretariatBody.EUMS),
    DemoAccount("secretariat", "Sofia", "Lindqvist", lead=True),
    DemoAccount("leadership", "Katarina", "Novak", leadership=True),
    DemoAccount("admin", "System", "Administrator", superuser=True),
)


def secretariat_group() -> Group:
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in SECRETARIAT_PERMISSIONS
    ]
    group.permissions.set(wanted)
    return group


@transaction.atomic
def demo_accounts_seed(*, password: str) -> list[User]:
    """Create or refresh the demo accounts and their project roles. Idempotent."""
    states = MemberState.objects.in_bulk(field_name="code")
    projects = Project.objects.in_bulk(field_name="acronym")
    group = secretariat_group()
    users = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first() or User(
            username=account.username
        )
        wanted = {
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": f"{account.username}@demo.pesco-review.invalid",
            "member_state": states[account.state] if account.state else None,
            "secretariat_body": account.body,
            "is_secretariat_lead": account.lead,
            "is_leadership": account.leadership,
            "is_superuser": account.superuser,
            "is_staff": account.superuser or account.lead,
        }
        changed = [name for name, value in wanted.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, wanted[name])
        if user.pk is None or not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        if changed:  # an unchanged account gets no new history row
            user.full_clean(exclude=["password"])
            attribute(user, actor=None, reason="seed_demo")
            user.save()
        if account.lead:
            user.groups.add(group)
        for acronyms, role in (
            (account.coordinates, ProjectRoleKind.COORDINATOR),
            (account.member_of, ProjectRoleKind.MEMBER),
        ):
            for acronym in acronyms:
                ProjectRole.objects.update_or_create(
                    user=user, project=projects[acronym], defaults={"role": role}
                )
        users.append(user)
    return users


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
