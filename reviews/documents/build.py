"""The whole build of the consolidated review, step by step, from a context to file bytes.

Used by the Celery task (through reviews.services) and by `manage.py build_review`; both report
progress through `on_step(label, percent)`.

typst runs in a child process (see isolated.py): it draws the charts first and sends them, then
renders the PDF (a long one in parts, each in a process of its own: parts.py); the DOCX, which
needs only the charts, is written here meanwhile, so the build takes about as long as typst
alone.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from reviews.documents import parts
from reviews.documents.charts import render_charts
from reviews.documents.context import ReviewContext
from reviews.documents.docx import render_docx
from reviews.documents.isolated import Forked, run_forked
from reviews.documents.pdf import render_whole_pdf

Step = Callable[[str, int], None]


@dataclass
class Built:
    pdf: bytes
    docx: bytes
    seconds: dict[str, float] = field(default_factory=dict)
    # When each stage started and ended (time.monotonic(), the same clock in every process):
    # {"charts": (start, end), "pdf": ..., "docx": ...}.
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)
    child_peak_mb: float = 0.0  # the largest resident memory of the typst child


def _typst_work(context: ReviewContext) -> Iterator[tuple[str, object, tuple[float, float]]]:
    """The child's work: the charts, sent as soon as drawn, then the PDF. A long review's PDF is
    rendered in parts, each in a process forked from this one, which must not have started
    typst's threads (parts.py): its charts are drawn in a process of their own. A short one's
    are drawn here, and typst renders the PDF with the fonts it has already read."""
    started = time.monotonic()
    data = context.as_json()
    in_parts = parts.needs_parts(data)
    charts = run_forked(render_charts, context) if in_parts else render_charts(context)
    yield "charts", charts, (started, time.monotonic())
    started = time.monotonic()
    pdf = parts.render_in_parts(data) if in_parts else render_whole_pdf(data)
    yield "pdf", pdf, (started, time.monotonic())


def _whole_work(context: ReviewContext) -> Iterator[None]:
    render_charts(context)
    yield
    render_whole_pdf(context.as_json())
    yield


def typst_alone(context: ReviewContext) -> float:
    """typst alone on the same document in one piece, however long, nothing else running: the
    renderer's floor that the build's time is compared with (bench/build_review.py). The
    child's peak resident memory, in MB."""
    with Forked(_whole_work, context) as child:
        child.receive()
        child.receive()
    return child.peak_rss_mb


def render_documents(context: ReviewContext, on_step: Step) -> Built:
    """Charts and PDF by typst in a child process, the DOCX here while the PDF renders."""
    on_step("Drawing the charts and rendering the PDF", 30)
    spans = {}
    with Forked(_typst_work, context) as child:
        _, charts, spans["charts"] = child.receive()
        on_step("Writing the DOCX while the PDF renders", 50)
        started = time.monotonic()
        docx = render_docx(context, charts)
        spans["docx"] = (started, time.monotonic())
        on_step("Rendering the PDF", 70)
        _, pdf, spans["pdf"] = child.receive()
    seconds = {name: end - start for name, (start, end) in spans.items()}
    return Built(pdf=pdf, docx=docx, seconds=seconds, spans=spans, child_peak_mb=child.peak_rss_mb)
