"""The demonstration accounts of `seed_demo`: one person per role, with their project roles, and
one demo point of contact per state that coordinates a project in the loaded data, so that
every report the demo submits is submitted by a coordinator of its project. Every one is
flagged `is_demo`; the people are invented."""

from dataclasses import dataclass

from django.db import transaction

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.accounts.models import User
from pesco_review.accounts.services import secretariat_group
from pesco_review.history import attribute
from projects.enums import ParticipationRole, ProjectRoleKind
from projects.models import MemberState, Participation, Project, ProjectRole

SEED_REASON = "seed_demo"


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


# The named people of the demo, one per role.
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


def state_coordinator_accounts() -> list[DemoAccount]:
    """One demo point of contact per state that coordinates a project in the loaded data
    (a current coordinator participation), by state name. Each is coordinator of the projects
    its state coordinates, except those of a named account (EMC, CIDCC); a project that several
    states coordinate goes to the first of them by name. A project whose coordinator the data
    does not record goes to nobody."""
    assigned = {acronym for account in DEMO_ACCOUNTS for acronym in account.coordinates}
    coordinating = (
        Participation.objects.filter(role=ParticipationRole.COORDINATOR, until__isnull=True)
        .select_related("state", "project")
        .order_by("state__name", "project__acronym")
    )
    states: dict[str, MemberState] = {}
    projects: dict[str, list[str]] = {}
    for participation in coordinating:  # by state name, so the first state of a project wins
        state, acronym = participation.state, participation.project.acronym
        states.setdefault(state.code, state)
        projects.setdefault(state.code, [])
        if acronym not in assigned:
            projects[state.code].append(acronym)
            assigned.add(acronym)
    return [
        DemoAccount(
            f"coordinator-{code.lower()}",
            "Demo coordinator",
            f"({state.name})",
            state=code,
            coordinates=tuple(projects[code]),
        )
        for code, state in states.items()
    ]


def _account_save(account: DemoAccount, *, state: MemberState | None, password: str) -> User:
    """Create the account or bring it to what the demo describes; no write if it is already."""
    user = User.objects.filter(username=account.username).first() or User(username=account.username)
    wanted = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": f"{account.username}@demo.pesco-review.invalid",
        "member_state": state,
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
        attribute(user, actor=None, reason=SEED_REASON)
        user.save()
    return user


def _roles_set(user: User, account: DemoAccount, projects: dict[str, Project]) -> None:
    """Give the account its project roles; a role it holds already is not written again."""
    held = {role.project_id: role for role in user.project_roles.all()}
    for acronyms, kind in (
        (account.coordinates, ProjectRoleKind.COORDINATOR),
        (account.member_of, ProjectRoleKind.MEMBER),
    ):
        for acronym in acronyms:
            project = projects[acronym]
            role = held.get(project.pk) or ProjectRole(user=user, project=project)
            if role.pk is not None and role.role == kind:
                continue
            role.role = kind
            role.full_clean()
            attribute(role, actor=None, reason=SEED_REASON)
            role.save()


@transaction.atomic
def demo_accounts_seed(*, password: str) -> list[User]:
    """Create or refresh the demo accounts and their project roles. Idempotent: a second run
    writes nothing."""
    states = MemberState.objects.in_bulk(field_name="code")
    projects = Project.objects.in_bulk(field_name="acronym")
    group = secretariat_group()
    users = []
    for account in [*DEMO_ACCOUNTS, *state_coordinator_accounts()]:
        state = states[account.state] if account.state else None
        user = _account_save(account, state=state, password=password)
        if account.lead:
            user.groups.add(group)
        _roles_set(user, account, projects)
        users.append(user)
    return users
