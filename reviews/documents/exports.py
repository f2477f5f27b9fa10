"""The cycle's figures and milestone table as CSV and XLSX, every cell through `safe_cell`: a
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


def _sheet_rows(context: ReviewContext, sheet: str) -> list[list]:
    """The rows of one sheet, every cell made safe."""
    if sheet == "Figures":
        heading = [f"PESCO annual progress review {context.year}", context.marking]
        return _safe([heading, ["Figure", "Projects"], *figure_rows(context)])
    return _safe([MILESTONE_COLUMNS, *milestone_rows(context)])


def to_csv(context: ReviewContext) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _sheet_rows(context, "Figures") + [[]] + _sheet_rows(context, "Milestones"):
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM correctly


def to_xlsx(context: ReviewContext) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title in ("Figures", "Milestones"):
        sheet = book.create_sheet(title)
        for row in _sheet_rows(context, title):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
