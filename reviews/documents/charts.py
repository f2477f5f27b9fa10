"""Charts as PNG images (for the DOCX), drawn by typst with the same code as the PDF's
(templates/charts.typ: each chart's colours, its total, the chart in words)."""

import json
from dataclasses import asdict

import typst

from reviews.documents.context import Count, ReviewContext
from reviews.documents.pdf import TEMPLATES

# The executive summary's charts: fields of Figures, keys of `charts` in charts.typ.
CHARTS = ("by_domain", "by_phase", "by_assessment", "milestones")


def chart_png(rows: list[Count], name: str) -> bytes:
    return typst.compile(
        str(TEMPLATES / "chart.typ"),
        root=str(TEMPLATES),
        ignore_system_fonts=True,
        format="png",
        ppi=200,
        sys_inputs={"rows": json.dumps([asdict(r) for r in rows]), "name": name},
    )


def render_charts(context: ReviewContext) -> dict[str, bytes]:
    """{figure name: PNG} for each chart of the executive summary."""
    return {name: chart_png(getattr(context.figures, name), name) for name in CHARTS}
