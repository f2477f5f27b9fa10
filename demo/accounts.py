"""The demonstration accounts of `seed_demo`: one person per role, with their project roles."""

from dataclasses import dataclass

from django.db import transaction

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.accounts.models import User
from pesco_review.accounts.services import secretariat_group
from pesco_review.history import attribute
from projects.enums import ProjectRoleKind
from projects.models import MemberState, Project, ProjectRole


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
            "is_demo": True,
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
