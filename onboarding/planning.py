"""What each row of an import would do to the register, read against the register as it is:
new, changed, unchanged, or an error with its reason in words. Reads only; services.py applies
a plan that has no error, in one transaction, after planning it again under lock."""

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from onboarding.enums import ImportKind, RowOutcome
from pesco_review.accounts.models import User
from projects.enums import ParticipationRole, ProjectRoleKind, StateKind
from projects.models import PESCO_START, MemberState, Milestone, Participation, Project, ProjectRole
from reviews.documents.conventions import long_date

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
TITLE_MAX = Milestone._meta.get_field("title").max_length or 200
NAME_MAX = User._meta.get_field("first_name").max_length or 150


@dataclass
class Planned:
    row: int
    outcome: str
    label: str
    details: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # what the row sets, parsed
    existing: object = None  # the milestone, or the person, the row changes
    role: ProjectRole | None = None  # people: the person's role in the project, if any

    def shown(self) -> dict:
        return {
            "row": self.row,
            "outcome": self.outcome,
            "label": self.label,
            "details": self.details,
        }


class RowError(Exception):
    pass


def plan(kind: str, rows: list[dict]) -> list[Planned]:
    planner = MilestonePlanner(rows) if kind == ImportKind.MILESTONES else PeoplePlanner(rows)
    planned = []
    for row in rows:
        try:
            planned.append(planner.plan_row(row["row"], row["cells"]))
        except RowError as error:
            planned.append(
                Planned(row["row"], RowOutcome.ERROR, planner.label(row["cells"]), [str(error)])
            )
    return planned


def _key(text: str) -> str:
    return " ".join(text.lower().split())


class ProjectIndex:
    """The register's projects by acronym, in any case and spacing."""

    def __init__(self) -> None:
        fields = ("pk", "acronym", "name", "participants_coverage")
        self.by_key = {_key(p.acronym): p for p in Project.objects.only(*fields)}

    def get(self, text: str) -> Project:
        if not text:
            raise RowError("The project is missing: give its acronym.")
        project = self.by_key.get(_key(text))
        if project is None:
            close = difflib.get_close_matches(_key(text), list(self.by_key), n=1, cutoff=0.75)
            hint = f" Did you mean '{self.by_key[close[0]].acronym}'?" if close else ""
            raise RowError(f"No project has the acronym '{text}' in the register.{hint}")
        return project

    def ids(self, rows: list[dict]) -> list[int]:
        keys = {_key(r["cells"]["project"]) for r in rows}
        return [self.by_key[k].pk for k in keys if k in self.by_key]


def _date(text: str, what: str) -> date:
    if not text:
        raise RowError(f"The {what} is missing.")
    for pattern in DATE_FORMATS:
        try:
            value = datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date only)
        except ValueError:
            continue
        if value < PESCO_START:
            raise RowError(
                f"The {what} {long_date(value)} is before PESCO began (11 December 2017)."
            )
        if value.year > 2100:
            raise RowError(f"The {what} {long_date(value)} is too far ahead.")
        return value
    raise RowError(
        f"The {what} '{text}' is not a date: write it as 2027-03-31 (year-month-day) or 31/03/2027."
    )


class MilestonePlanner:
    def __init__(self, rows: list[dict]):
        self.projects = ProjectIndex()
        self.milestones = {
            (m.project_id, m.position): m
            for m in Milestone.objects.filter(project_id__in=self.projects.ids(rows))
        }
        self.seen: dict[tuple[int, int], int] = {}

    def label(self, cells: dict) -> str:
        return f"{cells['project'] or '?'} M{cells['position'] or '?'} {cells['title']}".strip()

    def plan_row(self, number: int, cells: dict) -> Planned:
        project = self.projects.get(cells["project"])
        position = _position(cells["position"])
        title = cells["title"]
        if not title:
            raise RowError("The title is missing.")
        if len(title) > TITLE_MAX:
            raise RowError(f"The title has {len(title)} characters; at most {TITLE_MAX}.")
        baseline = _date(cells["baseline_due"], "baseline due date")
        key = (project.pk, position)
        if key in self.seen:
            raise RowError(
                f"Row {self.seen[key]} gives {project.acronym} position {position} already."
            )
        self.seen[key] = number
        values = {"title": title, "description": cells["description"], "baseline_due": baseline}
        label = f"{project.acronym} M{position}: {title}"
        milestone = self.milestones.get(key)
        if milestone is None:
            details = [f"New milestone, due {long_date(baseline)}."]
            return Planned(
                number,
                RowOutcome.NEW,
                label,
                details,
                values | {"project": project, "position": position},
            )
        details = _milestone_changes(milestone, values)
        outcome = RowOutcome.CHANGED if details else RowOutcome.UNCHANGED
        return Planned(number, outcome, label, details, values, existing=milestone)


def _position(text: str) -> int:
    if not text:
        raise RowError("The position is missing.")
    if not text.isdigit() or int(text) < 1 or int(text) > 999:
        raise RowError(f"The position '{text}' is not a whole number from 1 to 999.")
    return int(text)


def _milestone_changes(milestone: Milestone, values: dict) -> list[str]:
    changes = []
    if milestone.title != values["title"]:
        changes.append(f"Title: '{milestone.title}' → '{values['title']}'.")
    if milestone.description != values["description"]:
        changes.append("Description: " + ("replaced." if values["description"] else "removed."))
    if milestone.baseline_due != values["baseline_due"]:
        follows = (
            " (the current due date follows)"
            if milestone.current_due == milestone.baseline_due
            else ""
        )
        changes.append(
            f"Baseline due date: {long_date(milestone.baseline_due)} → "
            f"{long_date(values['baseline_due'])}{follows}."
        )
    if milestone.is_demo:
        changes.append(
            "Replaces a demonstration milestone: no longer marked demo, and its invented "
            "progress goes (due on the baseline, not achieved)."
        )
    return changes


ROLES = {"coordinator": ProjectRoleKind.COORDINATOR, "member": ProjectRoleKind.MEMBER}


class PeoplePlanner:
    """One row: one person's role in one project. A person is known by their e-mail address;
    a new person's user name is that address."""

    def __init__(self, rows: list[dict]):
        self.projects = ProjectIndex()
        self.states = {}
        for state in MemberState.objects.only("pk", "code", "eu_code", "name", "kind"):
            for text in (state.code, state.eu_code, state.name):
                if text:
                    self.states[_key(text)] = state
        emails = {_key(r["cells"]["email"]) for r in rows} - {""}
        self.users: dict[str, list[User]] = {}
        self.usernames: dict[str, User] = {}
        for user in User.objects.filter(_any_email(emails) | Q(username__in=emails)):
            self.users.setdefault(_key(user.email), []).append(user)
            self.usernames[user.username.lower()] = user
        ids = self.projects.ids(rows)
        self.roles = {
            (r.user_id, r.project_id): r
            for r in ProjectRole.objects.filter(
                project_id__in=ids, user__in=self.usernames.values()
            )
        }
        self.taking_part: dict[int, dict[int, tuple[str, str]]] = {}
        current = Participation.objects.filter(project_id__in=ids, until__isnull=True)
        for p in current.select_related("state").only("project_id", "role", "state__name"):
            self.taking_part.setdefault(p.project_id, {})[p.state_id] = (p.role, p.state.name)
        self.people: dict[str, tuple[int, tuple]] = {}
        self.pairs: dict[tuple[str, int], int] = {}

    def label(self, cells: dict) -> str:
        name = f"{cells['first_name']} {cells['last_name']}".strip() or cells["email"] or "?"
        return f"{name} — {cells['role'] or '?'} of {cells['project'] or '?'}"

    def plan_row(self, number: int, cells: dict) -> Planned:
        person = self._person(cells)
        email, first, last, state = person
        project = self.projects.get(cells["project"])
        role = ROLES.get(_key(cells["role"]))
        if role is None:
            raise RowError(f"The role '{cells['role']}' is neither 'coordinator' nor 'member'.")
        if (email, project.pk) in self.pairs:
            raise RowError(
                f"Row {self.pairs[email, project.pk]} gives {email} a role in "
                f"{project.acronym} already."
            )
        earlier = self.people.setdefault(email, (number, person))
        if earlier[1] != person:
            raise RowError(f"Row {earlier[0]} gives {email} another name or member state.")
        self.pairs[email, project.pk] = number
        self._check_takes_part(state, project, role)
        values = {
            "email": email,
            "first_name": first,
            "last_name": last,
            "state": state,
            "project": project,
            "role": role,
        }
        label = (
            f"{first} {last} <{email}> — {ProjectRoleKind(role).label.lower()} of {project.acronym}"
        )
        user = self._existing(email)
        if user is None:
            details = (
                [f"New account, invited by e-mail; {state.name}."] if earlier[0] == number else []
            )
            details.append(f"New role: {ProjectRoleKind(role).label.lower()} of {project.acronym}.")
            return Planned(number, RowOutcome.NEW, label, details, values)
        details = _person_changes(user, values) if earlier[0] == number else []
        current = self.roles.get((user.pk, project.pk))
        if current is None:
            details.append(f"New role: {ProjectRoleKind(role).label.lower()} of {project.acronym}.")
        elif current.role != role:
            details.append(
                f"Role in {project.acronym}: {current.get_role_display().lower()} → "
                f"{ProjectRoleKind(role).label.lower()}."
            )
        outcome = (
            RowOutcome.NEW
            if current is None
            else RowOutcome.CHANGED
            if details
            else RowOutcome.UNCHANGED
        )
        return Planned(number, outcome, label, details, values, existing=user, role=current)

    def _person(self, cells: dict) -> tuple:
        first, last, email = cells["first_name"], cells["last_name"], cells["email"].lower()
        for text, what in ((first, "first name"), (last, "last name")):
            if not text:
                raise RowError(f"The {what} is missing.")
            if len(text) > NAME_MAX:
                raise RowError(f"The {what} has {len(text)} characters; at most {NAME_MAX}.")
        if not email:
            raise RowError("The e-mail address is missing.")
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(f"'{cells['email']}' is not an e-mail address.") from None
        state = self.states.get(_key(cells["member_state"]))
        if state is None:
            raise RowError(
                f"No member state is '{cells['member_state']}': give its code (DE, EL) or its name."
                if cells["member_state"]
                else "The member state is missing."
            )
        return email, first, last, state

    def _existing(self, email: str) -> User | None:
        found = self.users.get(email, [])
        if len(found) > 1:
            raise RowError(
                f"{len(found)} accounts have the address {email}: merge them in the "
                "administration first."
            )
        if not found:
            other = self.usernames.get(email)
            if other is not None:
                raise RowError(
                    f"The user name {email} belongs to another account "
                    f"({other.email or 'no e-mail'})."
                )
            return None
        user = found[0]
        if not user.is_national_contact:
            raise RowError(
                f"{email} is a secretariat, leadership or staff account: project roles are for "
                "national points of contact."
            )
        if not user.is_active:
            raise RowError(
                f"The account of {email} is deactivated: reactivate it in the administration first."
            )
        return user

    def _check_takes_part(self, state: MemberState, project: Project, role: str) -> None:
        current = self.taking_part.get(project.pk, {})
        if state.pk not in current and (
            state.kind == StateKind.THIRD_STATE or project.membership_complete
        ):
            third = " is a third state and" if state.kind == StateKind.THIRD_STATE else ""
            raise RowError(
                f"{state.name}{third} does not take part in {project.acronym}, according to "
                "the register."
            )
        if role != ProjectRoleKind.COORDINATOR:
            return
        if state.kind == StateKind.THIRD_STATE:
            raise RowError(
                f"{state.name} is a third state: a project's report is filed by a "
                "participating Member State."
            )
        coordinators = sorted(
            name for r, name in current.values() if r == ParticipationRole.COORDINATOR
        )
        if coordinators and state.pk not in {
            pk for pk, (r, _) in current.items() if r == ParticipationRole.COORDINATOR
        }:
            raise RowError(
                f"{state.name} does not coordinate {project.acronym}: the register names "
                f"{', '.join(coordinators)}."
            )


def _any_email(emails: set[str]) -> Q:
    query = Q(pk__in=[])
    for email in emails:
        query |= Q(email__iexact=email)
    return query


def _person_changes(user: User, values: dict) -> list[str]:
    changes = [
        f"{label}: '{getattr(user, name)}' → '{values[name]}'."
        for name, label in (("first_name", "First name"), ("last_name", "Last name"))
        if getattr(user, name) != values[name]
    ]
    if user.member_state_id is None:
        changes.append(f"Member state: set to {values['state'].name}.")
    elif user.member_state_id != values["state"].pk:
        raise RowError(
            f"{values['email']} represents another member state in the register; the file says "
            f"{values['state'].name}. Change the person's state in the administration if it is so."
        )
    return changes
