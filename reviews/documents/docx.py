"""The DOCX, for the secretariat to edit: templates/review.docx filled by docxtpl, then the parts
a template cannot know written in: the contents, the charts' alternative text, the dates."""

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

if TYPE_CHECKING:  # the template's generator imports this module without Django set up
    from reviews.documents.context import Count, ReviewContext

TEMPLATE = Path(__file__).resolve().parent / "templates" / "review.docx"
ANNEX_STYLE = "Annex heading"  # Heading 1's look and outline level, without a number
CHART_TITLES = {  # the executive summary's charts, in order: their headings and alt text
    "by_domain": "Approved reports by domain",
    "by_phase": "Approved reports by lifecycle phase reached",
    "by_assessment": "Overall assessment",
    "milestones": "Milestones",
}
LEVELS = {"Heading 1": 1, "Heading 2": 2, ANNEX_STYLE: 1}  # the contents' levels, by style


def _slippage(days: int | None) -> str:
    if days is None:
        return "—"
    return f"+{days} d" if days > 0 else f"{days} d"


def _names(values: list[str]) -> str:
    return ", ".join(values) if values else "no project"


MARKS = {"provisional": "Provisional — cycle still open", "demo": "Demonstration data"}


def _marks(data: dict) -> str:
    """The handling marking and what the document says of itself, for every page."""
    return " · ".join([data["marking"], *(m for k, m in MARKS.items() if data[k])]).strip(" ·")


def _summary(figures: dict, no_comparison: str) -> tuple[list[dict], dict[str, str]]:
    """The executive summary's figures and lists; a comparison without a previous cycle to
    make it with is "—" and says why."""
    compared = ("moved_phase", "moved_back", "reached_execution_or_foc")

    def count(key: str):
        return len(figures[key]) if figures["comparable"] or key not in compared else "—"

    rows = [
        ("Projects under review", figures["projects_in_review"]),
        ("Reports approved", figures["reports_approved"]),
        ("Moved to a next lifecycle phase", count("moved_phase")),
        ("Went back to an earlier lifecycle phase", count("moved_back")),
        ("Reached execution or full operating capability", count("reached_execution_or_foc")),
        ("At full operating capability", count("at_foc")),
        ("Facing delays", count("facing_delays")),
        ("Assessed critical", count("critical")),
        ("Third states taking part (not counted among the Member States)", figures["third_states"]),
    ]
    lists = {
        key: no_comparison
        if key in compared and not figures["comparable"]
        else _names(figures[key])
        for key in (*compared, "at_foc", "facing_delays")
    }
    return [{"label": label, "value": value} for label, value in rows], lists


def chart_description(title: str, rows: "list[Count]") -> str:
    """A chart's values in words, for a reader who cannot see it; semicolons between the bars,
    as labels have commas of their own ("Training, Facilities")."""
    return f"{title}: " + "; ".join(f"{row.label} {row.value}" for row in rows) + "."


def _run(text: str) -> BaseOxmlElement:
    run = OxmlElement("w:r")
    element = OxmlElement("w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    run.append(element)
    return run


def _tab() -> BaseOxmlElement:
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:tab"))
    return run


def _bookmark(paragraph, name: str, bookmark_id: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    p_pr = paragraph._p.pPr
    if p_pr is not None:
        p_pr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _styled(document):
    """(paragraph, its style's name) for each paragraph of the body. python-docx's
    `paragraph.style` looks the default style up again for every paragraph without one, a scan
    of every style each time: seven seconds for a 70-project review; here the names are read
    once."""
    names = {style.style_id: style.name for style in document.styles}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_name = default.name if default is not None else None
    for paragraph in document.paragraphs:
        yield paragraph, names.get(paragraph._p.style, default_name)


def _headings(document) -> list[tuple[int, str, str, str]]:
    """(level, number, title, bookmark) of each heading the contents lists, numbered as Word's
    list numbers them (Heading 1: 1, 2 …; Heading 2: 1.1 …; annexes: none); each heading gets
    the bookmark its entry links to."""
    found: list[tuple[int, str, str, str]] = []
    chapter = section = 0
    for paragraph, style in _styled(document):
        level = LEVELS.get(style)
        if level is None or not paragraph.text.strip():
            continue
        if style == ANNEX_STYLE:
            number = ""
        elif level == 1:
            chapter, section = chapter + 1, 0
            number = str(chapter)
        else:
            section += 1
            number = f"{chapter}.{section}"
        bookmark = f"_Toc{len(found) + 1:06d}"
        _bookmark(paragraph, bookmark, len(found) + 1)
        found.append((level, number, paragraph.text, bookmark))
    return found


def _fill_contents(document) -> None:
    """The TOC field's result: one entry per heading, linked to it, so that the contents read
    right as the file opens; Word adds the page numbers when it updates the field."""
    field = next(
        p for p in document.paragraphs if any(_instruction(r) for r in p._p.iter(qn("w:r")))
    )
    runs = list(field._p.iter(qn("w:r")))
    opening = [r for r in runs if _char(r) in ("begin", "separate") or _instruction(r)]
    closing = next(r for r in runs if _char(r) == "end")
    entries = _headings(document)
    previous = field._p
    for index, (level, number, title, bookmark) in enumerate(entries):
        paragraph = OxmlElement("w:p")
        p_pr = OxmlElement("w:pPr")
        style = OxmlElement("w:pStyle")
        style.set(qn("w:val"), f"TOC{level}")
        p_pr.append(style)
        paragraph.append(p_pr)
        if index == 0:
            paragraph.extend(opening)
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), bookmark)
        link.set(qn("w:history"), "1")
        link.extend([_run(number), _tab(), _run(title)] if number else [_run(title)])
        paragraph.append(link)
        if index == len(entries) - 1:
            paragraph.append(closing)
        previous.addnext(paragraph)
        previous = paragraph
    field._p.getparent().remove(field._p)


def _instruction(run) -> bool:
    """Whether the run holds the TOC field's instruction."""
    return any((t.text or "").strip().startswith("TOC") for t in run.iter(qn("w:instrText")))


def _char(run) -> str | None:
    char = run.find(qn("w:fldChar"))
    return None if char is None else char.get(qn("w:fldCharType"))


def _describe_charts(document, descriptions: dict[str, tuple[str, str]]) -> None:
    """Each chart's title and its values in words on the picture (wp:docPr, Word's alt text);
    a picture is known by its image's bytes."""
    for inline in document.element.body.iter(qn("wp:inline")):
        blip = next(inline.iter(qn("a:blip")))
        blob = document.part.related_parts[blip.get(qn("r:embed"))].blob
        title, description = descriptions[hashlib.sha256(blob).hexdigest()]
        for element in (inline.find(qn("wp:docPr")), next(inline.iter(qn("pic:cNvPr")))):
            element.set("title", title)
            element.set("descr", description)


def render_docx(context: "ReviewContext", charts: dict[str, bytes]) -> bytes:
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
    summary_rows, lists = _summary(figures, data["no_comparison"])
    template.render(
        {
            **data,
            "marks": _marks(data),
            "summary_rows": summary_rows,
            "lists": lists,
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
    rendered = io.BytesIO()
    template.save(rendered)
    return _finish(rendered.getvalue(), context, charts)


def _finish(rendered: bytes, context: "ReviewContext", charts: dict[str, bytes]) -> bytes:
    """What the template cannot hold: the contents' entries, the charts' alt text, the dates."""
    document = Document(io.BytesIO(rendered))
    _fill_contents(document)
    _describe_charts(
        document,
        {
            hashlib.sha256(png).hexdigest(): (
                CHART_TITLES[name],
                chart_description(CHART_TITLES[name], getattr(context.figures, name)),
            )
            for name, png in charts.items()
        },
    )
    document.core_properties.created = document.core_properties.modified = timezone.now()
    document.core_properties.revision = 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
