"""The PDF, rendered by typst from the review's context. Fonts: typst's own embedded fonts only,
so the output is the same on every machine."""

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
        sys_inputs={"data": json.dumps(context.as_json())},
    )
