"""Writes templates/review.docx, the Word template docx.py fills with docxtpl.

The template is committed; run this again after changing it:
    .venv/bin/python -m reviews.documents.make_docx_template
The secretariat may also edit templates/review.docx in Word, keeping the {{ }} and {% %} tags.
"""

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor, Twips

from reviews.documents.docx import ANNEX_STYLE, CHART_TITLES

OUT = Path(__file__).resolve().parent / "templates" / "review.docx"
BLUE = RGBColor(0x00, 0x33, 0x99)
RED = RGBColor(0xA6, 0x1B, 0x1B)
LANGUAGE = "en-GB"
TABLE_TEXT = Pt(9.5)
HEADINGS_NUM_ID = "100"  # the list that numbers Heading 1 (1, 2 …) and Heading 2 (1.1, 1.2 …)


def field(paragraph, instruction: str, cached: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC), computed by Word when the document opens; `cached`
    is what shows until then (docx.py writes the contents' entries there)."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate):
        run._r.append(element)
    paragraph.add_run(cached)._r.append(end)


def text_width(section) -> int:
    """The width between the margins, in twips (what w:tblW and w:gridCol count in)."""
    return section.page_width.twips - section.left_margin.twips - section.right_margin.twips


def table(document, width: int, loop: str, columns: list[tuple[str, str, float]]):
    """A data table over `loop` (a Jinja for), `columns` as (header, cell, relative width):
    fixed layout, as wide as the text (`width` twips), the header row repeated on each page and
    no row split over two pages."""
    t = document.add_table(rows=3, cols=len(columns))
    t.style = "Light Grid Accent 1"
    t.autofit = False  # w:tblLayout fixed: Word keeps the widths below
    total = sum(weight for *_, weight in columns)
    twips = [int(width * weight / total) for *_, weight in columns]
    twips[-1] = width - sum(twips[:-1])
    tbl_w = t._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(width))
    for column, value in zip(t.columns, twips, strict=True):
        column.width = Twips(value)
    for (header, cell, _), head_cell, data_cell in zip(
        columns, t.rows[0].cells, t.rows[2].cells, strict=True
    ):
        head_cell.text = header
        head_cell.paragraphs[0].paragraph_format.keep_with_next = True
        data_cell.text = cell
        for run in (*head_cell.paragraphs[0].runs, *data_cell.paragraphs[0].runs):
            run.font.size = TABLE_TEXT
    # docxtpl's {%tr %} tags sit in rows of their own, removed when rendered.
    t.rows[1].cells[0].text = "{%tr " + loop + " %}"
    t.add_row().cells[0].text = "{%tr endfor %}"
    for index, row in enumerate(t.rows):
        for cell, value in zip(row.cells, twips, strict=True):
            cell.width = Twips(value)
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if index == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
    return t


def table_or_sentence(
    document,
    width: int,
    loop: str,
    columns: list[tuple[str, str, float]],
    *,
    empty: str = "",
    intro: str = "",
) -> None:
    """The table over `loop` ("m in p.milestones") only when it has rows, introduced by `intro`;
    else the sentence `empty`: never a table of only its header row."""
    tag(document, "{%p if " + loop.split(" in ", 1)[1] + " %}")
    if intro:
        document.add_paragraph(intro).paragraph_format.keep_with_next = True
    table(document, width, f"for {loop}", columns)
    if empty:
        tag(document, "{%p else %}")
        document.add_paragraph(empty)
    tag(document, "{%p endif %}")


def tag(document, text: str) -> None:
    """A paragraph holding only a docxtpl {%p %} tag: removed when rendered."""
    document.add_paragraph(text)


def number_headings(document) -> None:
    """One multilevel list, bound to Heading 1 (1, 2 …) and Heading 2 (1.1, 1.2 …) both ways: the
    list's levels name the styles (w:pStyle), the styles name the list (w:numPr)."""
    levels = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        + (f'<w:pStyle w:val="Heading{level + 1}"/>' if level < 2 else "")
        + '<w:lvlText w:val="{}"/><w:lvlJc w:val="left"/>'.format(
            ".".join(f"%{n}" for n in range(1, level + 2))
        )
        + '<w:pPr><w:ind w:left="851" w:hanging="851"/></w:pPr></w:lvl>'
        for level in range(9)
    )
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{HEADINGS_NUM_ID}">'
        '<w:multiLevelType w:val="multilevel"/>'
        f"{levels}</w:abstractNum>"
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)  # every abstractNum comes before the first num
    else:
        numbering.append(abstract)
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{HEADINGS_NUM_ID}">'
            f'<w:abstractNumId w:val="{HEADINGS_NUM_ID}"/></w:num>'
        )
    )
    for level, name in enumerate(("Heading 1", "Heading 2")):
        num_pr = document.styles[name].element.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = level
        num_pr.get_or_add_numId().val = int(HEADINGS_NUM_ID)


def unnumbered(style) -> None:
    """A style based on Heading 1 that keeps its look and outline level but not its number."""
    style.element.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = 0


def set_styles(document) -> None:
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)
    for name, size in (("Heading 1", 18), ("Heading 2", 13)):
        styles[name].font.color.rgb = BLUE
        styles[name].font.size = Pt(size)
        styles[name].paragraph_format.keep_with_next = True
    # A domain starts a page; its first project follows its heading, later projects break
    # (paragraph by paragraph, in the template below).
    styles["Heading 1"].paragraph_format.page_break_before = True
    styles["Heading 2"].paragraph_format.page_break_before = False
    number_headings(document)
    annex = styles.add_style(ANNEX_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    annex.base_style = styles["Heading 1"]
    annex.next_paragraph_style = styles["Normal"]
    annex.paragraph_format.keep_with_next = True
    annex.quick_style = True
    unnumbered(annex)
    unnumbered(styles["TOC Heading"])  # "Contents": on a page of its own, without a number
    for level in (1, 2):
        toc = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        toc.element.styleId = f"TOC{level}"
        toc.base_style = styles["Normal"]
        toc.paragraph_format.space_after = Pt(3)
        toc.paragraph_format.left_indent = Cm(0.75 * (level - 1))
        toc.paragraph_format.tab_stops.add_tab_stop(Cm(0.75 * (level - 1) + 1.5))
        toc.font.bold = level == 1
    set_language(document)


def set_language(document) -> None:
    """British English for the spelling checker and for hyphenation, in every run by default."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    for rpr in (
        defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}"),
        document.styles["Normal"].element.get_or_add_rPr(),
    ):
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
    settings = document.settings.element
    settings.find(qn("w:themeFontLang")).set(qn("w:val"), LANGUAGE)


def set_properties(document) -> None:
    """Rendered by docxtpl like the body; docx.py sets the dates."""
    properties = document.core_properties
    properties.title = "PESCO annual progress review {{ year }}"
    properties.subject = (
        "Permanent Structured Cooperation (PESCO) — consolidated review of the status reports"
    )
    properties.author = properties.last_modified_by = "PESCO secretariat"
    properties.language = LANGUAGE
    properties.comments = "Version {{ version }}, {{ generated_at }}. {{ marking }}"


def set_page(section, *, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long = Cm(21.0), Cm(29.7)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))


def main() -> None:
    document = Document()
    set_styles(document)
    set_properties(document)

    section = document.sections[0]
    set_page(section, landscape=False)
    width = text_width(section)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run("{{ marks }}")
    run.bold, run.font.color.rgb = True, RED
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = footer.add_run("{{ marks }}    ")
    run.bold, run.font.color.rgb = True, RED
    footer.add_run("PESCO annual progress review {{ year }}, version {{ version }} — page ")
    field(footer, "PAGE", "1")
    footer.add_run(" of ")
    field(footer, "NUMPAGES", "1")

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("Annual progress review {{ year }}")
    run.bold, run.font.size, run.font.color.rgb = True, Pt(26), BLUE
    for text in (
        "Permanent Structured Cooperation (PESCO) — consolidated review of the status reports",
        "Version {{ version }} · {{ generated_at }} · prepared by the PESCO secretariat",
        "{{ marking }}",
    ):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for flag, mark, sentence in (
        (
            "provisional",
            "Provisional — cycle still open",
            "Built while the {{ year }} cycle is open: reports may still be submitted, changed "
            "and approved. The figures are not final.",
        ),
        (
            "demo",
            "Demonstration data",
            "Built from demonstration data: values marked “demo” are invented and state nothing "
            "about the real projects.",
        ),
    ):
        tag(document, "{%p if " + flag + " %}")
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(mark)
        run.bold, run.font.color.rgb = True, RED
        document.add_paragraph(sentence).alignment = WD_ALIGN_PARAGRAPH.CENTER
        tag(document, "{%p endif %}")
    document.add_paragraph("Contents").style = "TOC Heading"
    # The entries are written by docx.py, from the rendered headings; Word adds page numbers
    # when it updates the field (w:updateFields, below).
    field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u')

    document.add_heading("Executive summary", level=1)
    document.add_paragraph(
        "In the {{ year }} cycle, {{ figures.reports_approved }} of the "
        "{{ figures.projects_in_review }} projects under review submitted a status report that "
        "every required secretariat body approved. Projects whose report is missing or not "
        "approved are named in Annex B."
    ).paragraph_format.keep_with_next = True
    table(
        document,
        width,
        "for row in summary_rows",
        [("Figure", "{{ row.label }}", 13.5), ("Projects", "{{ row.value }}", 3.5)],
    )
    document.add_paragraph("Moved to a next phase: {{ lists.moved_phase }}")
    document.add_paragraph("Went back to an earlier phase: {{ lists.moved_back }}")
    document.add_paragraph(
        "Reached execution or full operating capability: {{ lists.reached_execution_or_foc }}"
    )
    document.add_paragraph("At full operating capability: {{ lists.at_foc }}")
    document.add_paragraph("Facing delays: {{ lists.facing_delays }}")
    for key, label in CHART_TITLES.items():
        document.add_heading(label, level=2)
        document.add_paragraph("{{ charts.%s }}" % key)  # noqa: UP031 - a Jinja tag, not Python
    tag(document, "{%p if year_on_year %}")
    document.add_heading("Compared with {{ previous_year }}", level=2)
    table(
        document,
        width,
        "for row in year_on_year",
        [
            ("Figure", "{{ row.label }}", 11),
            ("{{ previous_year }}", "{{ row.previous }}", 3),
            ("{{ year }}{{ ' (open)' if provisional else '' }}", "{{ row.current }}", 3),
        ],
    )
    tag(document, "{%p else %}")
    document.add_heading("Compared with the previous cycle", level=2)
    document.add_paragraph(
        "There is {{ no_comparison }}{{ (': the %s cycle has no approved report' % previous_year) "
        "if previous_year else '' }}. The figures above are this cycle's only."
    )
    tag(document, "{%p endif %}")
    document.add_heading("Participation changes since the previous cycle", level=2)
    tag(document, "{%p if previous_year %}")
    table_or_sentence(
        document,
        width,
        "c in participation_changes",
        [
            ("State", "{{ c.state }}", 4.5),
            ("Project", "{{ c.project }}", 3),
            ("Change", "{{ c.change }}", 9.5),
        ],
        empty="No change of participation was recorded since the previous cycle.",
    )
    tag(document, "{%p else %}")
    document.add_paragraph("There is {{ no_comparison }}.")
    tag(document, "{%p endif %}")
    document.add_heading("Third states", level=2)
    table_or_sentence(
        document,
        width,
        "t in third_states",
        [
            ("Third state", "{{ t.name }} ({{ t.code }})", 6),
            ("Projects", "{{ t.projects|join(', ') }}", 11),
        ],
        intro="{{ third_states|length }} third state(s) take part in "
        "{{ figures.projects_with_third_states }} project(s) under review, admitted by the "
        "Council project by project. They are not counted among the participating Member "
        "States in this review.",
        empty="No third state takes part in a project under review, as far as the register "
        "records.",
    )

    tag(document, "{%p for section in domains %}")
    document.add_heading("{{ section.name }}", level=1)
    tag(document, "{%p for p in section.projects %}")
    # The first project follows its domain's heading; each other one starts a page, as in the PDF.
    tag(document, "{%p if loop.first %}")
    document.add_heading("{{ p.title }}", level=2)
    tag(document, "{%p else %}")
    document.add_heading("{{ p.title }}", level=2).paragraph_format.page_break_before = True
    tag(document, "{%p endif %}")
    tag(document, "{%p if p.demo %}")
    paragraph = document.add_paragraph()
    run = paragraph.add_run(
        "Demonstration report: its assessment, phase, milestone progress and texts are invented "
        "(marked “demo”)."
    )
    run.bold, run.font.color.rgb = True, RED
    tag(document, "{%p endif %}")
    for label, value in (
        ("Assessment", "{{ p.assessment }}"),
        ("Lifecycle phase", "{{ p.phase }}"),
        ("Coordinator", "{{ p.coordinators|join(', ') or 'not recorded' }}"),
        (
            "Participating Member States",
            "{{ 'membership not recorded' if p.member_states is none else p.member_states }}"
            "{{ ' (as far as recorded)' if p.membership == 'partial' else '' }}",
        ),
        ("Third states (not counted among them)", "{{ p.third_states|join(', ') or '—' }}"),
        ("Domain", "{{ p.domain }}{{ ' (unconfirmed)' if p.domain_unconfirmed else '' }}"),
        ("Report", "revision {{ p.revision }}, approved by {{ p.approvals|join('; ') }}"),
    ):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.keep_with_next = True  # with the milestone table
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    table_or_sentence(
        document,
        width,
        "m in p.milestones",
        [
            ("#", "{{ m.position }}", 0.7),
            ("Milestone", "{{ m.title }}", 6.0),
            ("Status", "{{ m.status }}", 2.2),
            ("Baseline", "{{ m.baseline }}", 2.7),
            ("Forecast / achieved", "{{ m.achieved or m.forecast or '—' }}", 3.0),
            ("Slippage", "{{ m.slippage }}", 2.4),
        ],
        empty="No milestone is recorded for this project.",
    )
    tag(document, "{%p for m in p.milestones if m.narrative %}")  # each milestone's own text
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(4)  # clear of the table above
    paragraph.add_run("Milestone {{ m.position }}, {{ m.title }}: ").italic = True
    paragraph.add_run("{{ m.narrative }}")
    tag(document, "{%p endfor %}")
    tag(document, "{%p for n in p.narratives if n.text %}")
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(6)  # clear of the table above
    paragraph.add_run("{{ n.label }}. ").bold = True
    paragraph.add_run("{{ n.text }}")
    tag(document, "{%p endfor %}")
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    paragraph.add_run("The secretariat's assessment").bold = True
    document.add_paragraph(
        "{{ p.secretariat_assessment or 'The secretariat wrote no consolidated assessment of "
        "this report.' }}"
    )
    tag(document, "{%p endfor %}")
    tag(document, "{%p endfor %}")

    # Annex A on landscape pages, as in the PDF; the other annexes portrait again.
    annex = document.add_section(WD_SECTION.NEW_PAGE)
    set_page(annex, landscape=True)
    document.add_paragraph("Annex A — Participation", style=ANNEX_STYLE)
    document.add_paragraph(
        "Current participations as recorded (C coordinator, P participant, O observer)."
    ).paragraph_format.keep_with_next = True
    table_or_sentence(
        document,
        text_width(annex),
        "r in participation_matrix",
        [
            ("Project", "{{ r.acronym }}", 4),
            ("Coordinators", "{{ r.C }}", 5.5),
            ("Participants", "{{ r.P }}", 10.7),
            ("Observers", "{{ r.O }}", 5.5),
        ],
    )
    set_page(document.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    document.add_paragraph("Annex B — Reports missing or not approved", style=ANNEX_STYLE)
    table_or_sentence(
        document,
        width,
        "m in missing",
        [
            ("Project", "{{ m.acronym }}", 3.5),
            ("Name", "{{ m.name }}", 9.5),
            ("State", "{{ m.state }}", 4),
        ],
        empty="Every project under review has an approved report.",
    )
    document.add_paragraph("Annex C — Evidence", style=ANNEX_STYLE)
    table_or_sentence(
        document,
        width,
        "e in evidence",
        [
            ("Project", "{{ e.project }}", 3),
            ("File", "{{ e.name }}", 4.2),
            ("Size", "{{ e.size }}", 1.8),
            ("SHA-256", "{{ e.sha256 }}", 8),
        ],
        intro="The files the coordinators attached to their approved reports, named here and not "
        "included; the SHA-256 identifies each file.",
        empty="No evidence is attached to the approved reports.",
    )
    document.add_paragraph("Annex D — Provenance", style=ANNEX_STYLE)
    document.add_paragraph("Built from these report revisions: {{ provenance }}.")

    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)
    document.save(str(OUT))
    print(f"wrote {OUT}")  # noqa: T201 - a developer's script


if __name__ == "__main__":
    main()
