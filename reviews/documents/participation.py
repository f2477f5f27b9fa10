"""Who takes part in the projects under review, as the document prints it: the participation
matrix of the participating Member States (protocol order; a row says so where the register
does not record a project's membership), the third states as an item of their own (never
counted among the Member States), and the changes since the previous cycle, from history."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from projects.enums import ListCoverage, ParticipationRole, StateKind
from projects.models import MemberState, Participation, Project
from reviews.documents.conventions import eu_code, long_date, project_title, protocol_key

ROLE_LETTER: dict[str, str] = {
    ParticipationRole.COORDINATOR: "C",
    ParticipationRole.PARTICIPANT: "P",
    ParticipationRole.OBSERVER: "O",
}


@dataclass
class Membership:
    """One project's current membership, as the register records it."""

    coverage: str  # ListCoverage
    letters: dict[str, str] = field(default_factory=dict)  # {EU code: C / P / O, "?" unconfirmed}
    coordinators: list[str] = field(default_factory=list)  # Member States' names
    coordinators_verified: bool = True
    member_states: int = 0  # participating Member States, coordinators included
    observers: int = 0
    third_states: list[str] = field(default_factory=list)  # names

    @property
    def recorded(self) -> bool:
        return self.coverage != ListCoverage.NOT_RECORDED


@dataclass
class Participants:
    member_states: list[MemberState]  # the matrix's columns, in protocol order
    third_states: list[MemberState]
    by_project: dict[int, Membership]


def participants(projects: list[Project]) -> Participants:
    """2 queries."""
    third_used: dict[int, MemberState] = {}
    by_project = memberships(projects, third_used)
    states = sorted(MemberState.objects.filter(kind=StateKind.PARTICIPATING), key=protocol_key)
    return Participants(states, sorted(third_used.values(), key=lambda s: s.name), by_project)


def memberships(
    projects: list[Project], third_used: dict[int, MemberState] | None = None
) -> dict[int, Membership]:
    """{project id: its current membership}: 1 query. `third_used` collects the third states
    met."""
    found = {
        p.pk: Membership(p.participants_coverage, coordinators_verified=p.coordinators_verified)
        for p in projects
    }
    rows = (
        Participation.objects.filter(until__isnull=True, project__in=list(found))
        .select_related("state")
        .order_by("state__name")
    )
    for row in rows:
        _add(found[row.project_id], row, {} if third_used is None else third_used)
    return found


def _add(membership: Membership, row: Participation, third_used: dict[int, MemberState]) -> None:
    state = row.state
    if state.kind == StateKind.THIRD_STATE:
        membership.third_states.append(state.name)
        third_used[state.pk] = state
        return
    membership.letters[eu_code(state)] = ROLE_LETTER[row.role] + ("" if row.verified else "?")
    if row.role == ParticipationRole.OBSERVER:
        membership.observers += 1
    else:
        membership.member_states += 1
    if row.role == ParticipationRole.COORDINATOR:
        membership.coordinators.append(state.name)


def matrix(projects: list[Project], found: Participants) -> list[dict]:
    """One labelled row per project, by acronym; the cells in the columns' order, or a note
    where the register does not record the membership."""
    codes = [eu_code(s) for s in found.member_states]
    rows = []
    for project in sorted(projects, key=lambda p: p.acronym.casefold()):
        membership = found.by_project[project.pk]
        note = "" if membership.recorded else "membership not recorded"
        if membership.coverage == ListCoverage.PARTIAL:
            note = "partly recorded"
        rows.append(
            {
                "acronym": project.acronym,
                "label": project_title(project.name, project.acronym),
                "cells": [membership.letters.get(code, "") for code in codes],
                "recorded": membership.recorded,
                "note": note,
            }
        )
    return rows


def third_state_section(projects: list[Project], found: Participants) -> list[dict]:
    """Each third state with the projects under review it takes part in."""
    names = {p.pk: p.acronym for p in projects}
    return [
        {
            "code": eu_code(state),
            "name": state.name,
            "projects": sorted(
                names[pk] for pk, m in found.by_project.items() if state.name in m.third_states
            ),
        }
        for state in found.third_states
    ]


def changes_since(since: datetime, project_ids: list[int]) -> list[dict]:
    """Joins, new observers, role changes and departures since `since`, from history; Member
    States first in protocol order, then third states."""
    records = (
        Participation.history.filter(history_date__gte=since, project_id__in=project_ids)
        .filter(Q(history_type="+") | Q(until__gte=since.date()))
        .select_related("state", "project")
        .order_by("history_date")
    )
    changes, seen = [], set()
    for record in sorted(
        records, key=lambda r: (r.state.kind != StateKind.PARTICIPATING, protocol_key(r.state))
    ):
        if record.until is not None:
            if record.until < since.date():
                continue  # recorded lately, but ended before the previous cycle
            what = f"left ({record.get_role_display().lower()} until {long_date(record.until)})"
        elif record.role == ParticipationRole.OBSERVER:
            what = "new observer"
        else:
            what = f"joined as {record.get_role_display().lower()}"
        key = (record.state.code, record.project.acronym, what)
        if key in seen:
            continue
        seen.add(key)
        changes.append(
            {"state": record.state.name, "project": record.project.acronym, "change": what}
        )
    return changes
