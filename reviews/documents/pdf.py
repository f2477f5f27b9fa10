"""The PDF, rendered by typst from the review's context. Fonts: typst's own embedded fonts only,
so the output is the same on every machine. Tagged and PDF/UA-1: typst refuses to build a file
that breaks the standard's rules it checks (a title, a language, alternative text); header cells
in every data table are the templates' own rule (tests/reviews/test_documents.py)."""

import json
from pathlib import Path

import typst

from reviews.documents.context import ReviewContext

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_pdf(context: ReviewContext) -> bytes:
    return typst.compile(
        str(TEMPLATES / "review.typ"),
        root=str(TEMPLATES),
        ignore_system_fonts=True,
        pdf_standards="ua-1",
        sys_inputs={"data": json.dumps(context.as_json())},
    )
