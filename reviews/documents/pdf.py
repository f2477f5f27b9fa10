"""The PDFs, rendered by typst from a context. Fonts: typst's own embedded fonts only, so the
output is the same on every machine. Tagged and PDF/UA-1: typst refuses to build a file that
breaks the standard's rules it checks (a title, a language, alternative text); header cells in
every data table are the templates' own rule (tests/reviews/test_documents.py)."""

import json
from pathlib import Path

import typst

from reviews.documents.context import ReportDocument

TEMPLATES = Path(__file__).resolve().parent / "templates"


def compile_template(template: str, data: dict) -> bytes:
    return typst.compile(
        str(TEMPLATES / template),
        root=str(TEMPLATES),
        ignore_system_fonts=True,
        pdf_standards="ua-1",
        sys_inputs={"data": json.dumps(data)},
    )


def render_whole_pdf(data: dict) -> bytes:
    """The consolidated annual review in one piece, from its context's JSON (a long one is
    rendered in parts instead: parts.py)."""
    return compile_template("review.typ", data)


def render_report_pdf(document: ReportDocument) -> bytes:
    """One status report, with the project page the annual review prints."""
    return compile_template("report.typ", document.as_json())
