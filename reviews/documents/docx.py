"""The DOCX, for the secretariat to edit: templates/review.docx filled by docxtpl."""

import io
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from reviews.documents.context import ReviewContext

TEMPLATE = Path(__file__).resolve().parent / "templates" / "review.docx"


def _slippage(days: int | None) -> str:
    if days is None:
        return "—"
    return f"+{days} d" if days > 0 else f"{days} d"


def _names(values: list[str]) -> str:
    return ", ".join(values) if values else "none"


def render_docx(context: ReviewContext, charts: dict[str, bytes]) -> bytes:
    template = DocxTemplate(TEMPLATE)
    data = context.as_json()
    figures = data["figures"]
    for section in data["domains"]:
        for page in section["projects"]:
            for row in page["milestones"]:
                row["slippage"] = _slippage(row["slippage_days"])
    codes = data["participation_states"]
    matrix = []
    for row in data["participation_matrix"]:
        by_role: dict[str, list[str]] = {"C": [], "P": [], "O": []}
        for code, letter in zip(codes, row["cells"], strict=True):
            if letter:  # "P", or "P?" where the role is unconfirmed
                by_role[letter[0]].append(code + letter[1:])
        cells = {k: ", ".join(v) for k, v in by_role.items()}
        if not row["recorded"]:
            cells = {"C": "membership not recorded", "P": "", "O": ""}
        matrix.append({"acronym": row["acronym"], **cells})
    template.render(
        {
            **data,
            "summary_rows": [
                {"label": "Projects under review", "value": figures["projects_in_review"]},
                {"label": "Reports approved", "value": figures["reports_approved"]},
                {"label": "Moved to a next lifecycle phase", "value": len(figures["moved_phase"])},
                {
                    "label": "Reached execution or full operating capability",
                    "value": len(figures["reached_execution_or_foc"]),
                },
                {"label": "At full operating capability", "value": len(figures["at_foc"])},
                {"label": "Facing delays", "value": len(figures["facing_delays"])},
                {"label": "Assessed critical", "value": len(figures["critical"])},
            ],
            "lists": {
                key: _names(figures[key])
                for key in ("moved_phase", "reached_execution_or_foc", "at_foc", "facing_delays")
            },
            "year_on_year": figures["year_on_year"],
            "charts": {
                name: InlineImage(template, io.BytesIO(png), width=Mm(150))
                for name, png in charts.items()
            },
            "participation_matrix": matrix,
            "provenance": ", ".join(f"{b['project']} r{b['revision']}" for b in data["built_from"]),
        },
        autoescape=True,
    )
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
