"""The whole build of the consolidated review, step by step, from a context to file bytes.

Used by the Celery task (through reviews.services) and by `manage.py build_review`; both report
progress through `on_step(label, percent)`.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reviews.documents.charts import render_charts
from reviews.documents.context import ReviewContext
from reviews.documents.docx import render_docx
from reviews.documents.isolated import run_forked
from reviews.documents.pdf import render_pdf

Step = Callable[[str, int], None]


@dataclass
class Built:
    pdf: bytes
    docx: bytes
    seconds: dict[str, float] = field(default_factory=dict)


def _typst_work(context: ReviewContext) -> tuple[dict[str, bytes], bytes, dict[str, float]]:
    seconds = {}
    started = time.perf_counter()
    charts = render_charts(context)
    seconds["charts"] = time.perf_counter() - started
    started = time.perf_counter()
    pdf = render_pdf(context)
    seconds["pdf"] = time.perf_counter() - started
    return charts, pdf, seconds


def render_documents(context: ReviewContext, on_step: Step) -> Built:
    """Charts and PDF by typst in a child process (see isolated.py), then the DOCX here."""
    on_step("Drawing the charts and rendering the PDF", 30)
    charts, pdf, seconds = run_forked(_typst_work, context)

    started = time.perf_counter()
    on_step("Writing the DOCX", 70)
    docx = render_docx(context, charts)
    seconds["docx"] = time.perf_counter() - started
    return Built(pdf=pdf, docx=docx, seconds=seconds)
