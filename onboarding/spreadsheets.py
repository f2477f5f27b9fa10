"""The templates to download: the register's current rows under the import's columns (so that
editing the file and importing it again changes only what was edited), with a sheet that says
what each column takes. Demonstration milestones and accounts are left out: a template holds
real rows only. Every cell through `safe_cell`, which reading.py undoes."""

from collections.abc import Callable

import tablib

from onboarding.columns import COLUMNS, SHEET_TITLES
from onboarding.enums import ImportKind
from projects.models import Milestone, ProjectRole
from reviews.documents.exports import safe_cell

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _milestone_rows() -> list[list]:
    milestones = (
        Milestone.objects.filter(is_demo=False)
        .select_related("project")
        .order_by("project__acronym", "position")
    )
    return [
        [m.project.acronym, m.position, m.title, m.description, m.baseline_due]
        for m in milestones.only(
            "project__acronym", "position", "title", "description", "baseline_due"
        )
    ]


def _people_rows() -> list[list]:
    roles = (
        ProjectRole.objects.filter(user__email__gt="", user__is_demo=False)
        .select_related("user__member_state", "project")
        .order_by("user__member_state__name", "user__last_name", "user__email", "project__acronym")
    )
    return [
        [
            r.user.first_name,
            r.user.last_name,
            r.user.email,
            (r.user.member_state.eu_code or r.user.member_state.code)
            if r.user.member_state
            else "",
            r.project.acronym,
            r.role,
        ]
        for r in roles
    ]


ROWS: dict[str, Callable[[], list[list]]] = {
    ImportKind.MILESTONES: _milestone_rows,
    ImportKind.PEOPLE: _people_rows,
}


def template_file(kind: str, file_format: str) -> bytes:
    columns = COLUMNS[kind]
    data = tablib.Dataset(headers=[c.name for c in columns], title=SHEET_TITLES[kind])
    for row in ROWS[kind]():
        data.append([_cell(value, file_format) for value in row])
    if file_format == "csv":
        return data.export("csv").encode("utf-8-sig")  # Excel reads UTF-8 with the mark
    help_sheet = tablib.Dataset(
        *[[c.name, "yes" if c.required else "no", c.help, c.example] for c in columns],
        headers=["Column", "Required", "What to write", "Example (format only)"],
        title="Instructions",
    )
    return tablib.Databook([data, help_sheet]).export("xlsx")


def _cell(value, file_format: str):
    if file_format == "csv" and not isinstance(value, str):
        return "" if value is None else str(value)
    return safe_cell(value)
