"""The cycle's figures and milestone table as CSV and XLSX, as a built version printed them
(stored with the version when it is built: export_rows), every cell through `safe_cell`: a
text a spreadsheet would read as a formula (a milestone title typed as `=HYPERLINK(...)`) is
given as text, as OWASP's CSV-injection guidance says; numbers stay numbers."""

import csv
import io

from openpyxl import Workbook

from reviews.documents.context import ReviewContext

# What makes a spreadsheet read a cell as a formula or a command (OWASP: =, +, -, @, tab, CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet should show it: a text starting like a formula gets a leading
    apostrophe (shown as text, never evaluated); numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe(rows: list[list]) -> list[list]:
    return [[safe_cell(value) for value in row] for row in rows]


MILESTONE_COLUMNS = [
    "Project",
    "Domain",
    "Milestone",
    "Title",
    "Status",
    "Percent complete",
    "Baseline",
    "Forecast",
    "Achieved",
    "Slippage (days)",
]


def figure_rows(context: ReviewContext) -> list[list]:
    f = context.figures

    def compared(label: str, names: list[str]) -> list:
        """A count only where there is something to compare with; else no number, and why."""
        return [label, len(names)] if f.comparable else [f"{label}: {context.no_comparison}", None]

    rows = [
        ["Projects under review", f.projects_in_review],
        ["Reports approved", f.reports_approved],
        compared("Moved to a next lifecycle phase", f.moved_phase),
        compared("Went back to an earlier lifecycle phase", f.moved_back),
        compared("Reached execution or full operating capability", f.reached_execution_or_foc),
        ["At full operating capability", len(f.at_foc)],
        ["Facing delays", len(f.facing_delays)],
        ["Assessed critical", len(f.critical)],
        ["Third states taking part (not counted among the Member States)", f.third_states],
    ]
    for title, counts in (
        ("Domain", f.by_domain),
        ("Lifecycle phase", f.by_phase),
        ("Assessment", f.by_assessment),
        ("Milestones", f.milestones),
    ):
        rows += [[f"{title}: {c.label}", c.value] for c in counts]
    return rows


def milestone_rows(context: ReviewContext) -> list[list]:
    return [
        [
            page.acronym,
            section.name,
            m.position,
            m.title,
            m.status,
            m.percent,
            m.baseline,
            m.forecast,
            m.achieved,
            m.slippage_days,
        ]
        for section in context.domains
        for page in section.projects
        for m in page.milestones
    ]


def export_rows(context: ReviewContext) -> dict[str, list]:
    """What the export gives of a built version, stored with it when it is built (JSON): the
    heading, the figures and the milestone table, as the document printed them."""
    title = f"PESCO annual progress review {context.year}, version {context.version}"
    return {
        "heading": [title + (", provisional" if context.provisional else ""), context.marking],
        "figures": figure_rows(context),
        "milestones": milestone_rows(context),
    }


def no_version_rows(*, year: int, marking: str, since_closed: bool) -> dict[str, list]:
    """The export of a cycle with no built version to take its figures from: it says so."""
    when = "since the cycle closed" if since_closed else "yet"
    return {
        "heading": [f"PESCO annual progress review {year}", marking],
        "figures": [
            [
                f"No version of the {year} review has been built {when}: the figures are those "
                "of a built version. Build one, then export again."
            ]
        ],
        "milestones": [],
    }


def _sheet_rows(rows: dict[str, list], sheet: str) -> list[list]:
    """The rows of one sheet, every cell made safe."""
    if sheet == "Figures":
        return _safe([rows["heading"], ["Figure", "Projects"], *rows["figures"]])
    return _safe([MILESTONE_COLUMNS, *rows["milestones"]])


def to_csv(rows: dict[str, list]) -> bytes:
    """The export (export_rows or no_version_rows) as one CSV: the figures, then the milestones."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _sheet_rows(rows, "Figures") + [[]] + _sheet_rows(rows, "Milestones"):
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM correctly


def to_xlsx(rows: dict[str, list]) -> bytes:
    """The export as a workbook: a Figures sheet and a Milestones sheet."""
    book = Workbook()
    book.remove(book.active)
    for title in ("Figures", "Milestones"):
        sheet = book.create_sheet(title)
        for row in _sheet_rows(rows, title):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
