"""The columns of each import: what the template's first row names and what the reader
accepts (the name or the key, in any case)."""

from dataclasses import dataclass

from onboarding.enums import ImportKind


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    help: str
    required: bool = True
    example: str = ""


MILESTONE_COLUMNS = (
    Column("project", "Project", "The project's acronym as the register gives it.", example="EMC"),
    Column("position", "Position", "The milestone's place in the project: 1, 2, 3 …", example="1"),
    Column("title", "Title", "At most 200 characters.", example="Initial operating capability"),
    Column("description", "Description", "Optional.", required=False),
    Column(
        "baseline_due",
        "Baseline due date",
        "The date agreed for the milestone: 2027-03-31 or 31/03/2027.",
        example="2027-03-31",
    ),
)

PEOPLE_COLUMNS = (
    Column("first_name", "First name", "", example="Anna"),
    Column("last_name", "Last name", "", example="Example"),
    Column(
        "email",
        "E-mail",
        "Their work address: the invitation goes there, and it is how a second import knows them.",
        example="anna.example@example.org",
    ),
    Column(
        "member_state",
        "Member state",
        "The state they represent: its code (DE, EL) or its name.",
        example="DE",
    ),
    Column("project", "Project", "The project's acronym as the register gives it.", example="EMC"),
    Column(
        "role",
        "Role",
        "coordinator (files the project's report) or member (reads and comments).",
        example="member",
    ),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.MILESTONES: MILESTONE_COLUMNS,
    ImportKind.PEOPLE: PEOPLE_COLUMNS,
}
SHEET_TITLES: dict[str, str] = {ImportKind.MILESTONES: "Milestones", ImportKind.PEOPLE: "People"}
