"""The cycle's figures and milestone table as CSV and XLSX."""

import csv
import io

from openpyxl import Workbook

from reviews.documents.context import ReviewContext

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
    rows = [
        ["Projects under review", f.projects_in_review],
        ["Reports approved", f.reports_approved],
        ["Moved to a next lifecycle phase", len(f.moved_phase)],
        ["Reached execution or full operating capability", len(f.reached_execution_or_foc)],
        ["At full operating capability", len(f.at_foc)],
        ["Facing delays", len(f.facing_delays)],
        ["Assessed critical", len(f.critical)],
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


def to_csv(context: ReviewContext) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"PESCO annual progress review {context.year}", context.marking])
    writer.writerow(["Figure", "Projects"])
    writer.writerows(figure_rows(context))
    writer.writerow([])
    writer.writerow(MILESTONE_COLUMNS)
    writer.writerows(milestone_rows(context))
    return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM correctly


def to_xlsx(context: ReviewContext) -> bytes:
    book = Workbook()
    figures = book.active
    figures.title = "Figures"
    figures.append([f"PESCO annual progress review {context.year}", context.marking])
    figures.append(["Figure", "Projects"])
    for row in figure_rows(context):
        figures.append(row)
    milestones = book.create_sheet("Milestones")
    milestones.append(MILESTONE_COLUMNS)
    for row in milestone_rows(context):
        milestones.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
