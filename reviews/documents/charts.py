"""Charts as PNG images (for the DOCX), drawn by typst with the same code as the PDF's."""

import json
from dataclasses import asdict

import typst

from reviews.documents.context import Count, ReviewContext
from reviews.documents.pdf import TEMPLATES

COLORS = {
    "by_domain": "#003399",
    "by_phase": "#4066b3",
    "by_assessment": "#8a5a00",
    "milestones": "#1e7b34",
}


def chart_png(rows: list[Count], color: str) -> bytes:
    return typst.compile(
        str(TEMPLATES / "chart.typ"),
        root=str(TEMPLATES),
        ignore_system_fonts=True,
        format="png",
        ppi=200,
        sys_inputs={"rows": json.dumps([asdict(r) for r in rows]), "color": color},
    )


def render_charts(context: ReviewContext) -> dict[str, bytes]:
    """{figure name: PNG} for each chart of the executive summary."""
    return {
        name: chart_png(getattr(context.figures, name), color) for name, color in COLORS.items()
    }
