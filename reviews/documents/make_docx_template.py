"""Writes templates/review.docx, the Word template docx.py fills with docxtpl.

The template is committed; run this again after changing it:
    .venv/bin/python -m reviews.documents.make_docx_template
The secretariat may also edit templates/review.docx in Word, keeping the {{ }} and {% %} tags.
"""

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

OUT = Path(__file__).resolve().parent / "templates" / "review.docx"
BLUE = RGBColor(0x00, 0x33, 0x99)
RED = RGBColor(0xA6, 0x1B, 0x1B)


def field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES, TOC), computed by Word when the document opens."""
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
    placeholder = paragraph.add_run("(right-click, Update field)" if "TOC" in instruction else "1")
    placeholder._r.append(end)


def table(document, headers: list[str], row_tag: str, cells: list[str], end_tag: str):
    t = document.add_table(rows=3, cols=len(headers))
    t.style = "Light Grid Accent 1"
    for cell, header in zip(t.rows[0].cells, headers, strict=True):
        cell.text = header
    t.rows[1].cells[0].text = row_tag
    for cell, value in zip(t.rows[2].cells, cells, strict=True):
        cell.text = value
    # docxtpl's {%tr %} tags sit in rows of their own, removed when rendered.
    t.add_row().cells[0].text = end_tag
    return t


def main() -> None:
    document = Document()
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)
    for name, size in (("Heading 1", 18), ("Heading 2", 13)):
        styles[name].font.color.rgb = BLUE
        styles[name].font.size = Pt(size)
    styles["Heading 1"].paragraph_format.page_break_before = True
    styles["Heading 2"].paragraph_format.page_break_before = True

    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run("{{ marking }}")
    run.bold, run.font.color.rgb = True, RED
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = footer.add_run("{{ marking }}    ")
    run.bold, run.font.color.rgb = True, RED
    footer.add_run("PESCO annual progress review {{ year }}, version {{ version }} — page ")
    field(footer, "PAGE")
    footer.add_run(" of ")
    field(footer, "NUMPAGES")

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
    document.add_paragraph("Contents").style = "Heading 3"
    field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u')

    document.add_heading("Executive summary", level=1)
    document.add_paragraph(
        "In the {{ year }} cycle, {{ figures.reports_approved }} of the "
        "{{ figures.projects_in_review }} projects under review submitted a status report that "
        "every required secretariat body approved. Projects whose report is missing or not "
        "approved are named in Annex B."
    )
    table(
        document,
        ["Figure", "Projects"],
        "{%tr for row in summary_rows %}",
        ["{{ row.label }}", "{{ row.value }}"],
        "{%tr endfor %}",
    )
    document.add_paragraph("Moved to a next phase: {{ lists.moved_phase }}")
    document.add_paragraph(
        "Reached execution or full operating capability: {{ lists.reached_execution_or_foc }}"
    )
    document.add_paragraph("At full operating capability: {{ lists.at_foc }}")
    document.add_paragraph("Facing delays: {{ lists.facing_delays }}")
    for label, key in (
        ("Approved reports by domain", "by_domain"),
        ("Approved reports by lifecycle phase reached", "by_phase"),
        ("Overall assessment", "by_assessment"),
        ("Milestones", "milestones"),
    ):
        document.add_paragraph(label).style = "Heading 3"
        document.add_paragraph("{{ charts.%s }}" % key)  # noqa: UP031 - a Jinja tag, not Python
    document.add_paragraph("{%p if year_on_year %}")
    document.add_paragraph("Compared with {{ previous_year }}").style = "Heading 3"
    table(
        document,
        ["Figure", "{{ previous_year }}", "{{ year }}"],
        "{%tr for row in year_on_year %}",
        ["{{ row.label }}", "{{ row.previous }}", "{{ row.current }}"],
        "{%tr endfor %}",
    )
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("Participation changes since the previous cycle").style = "Heading 3"
    document.add_paragraph(
        "{% if not participation_changes %}No change of participation was recorded.{% endif %}"
    )
    table(
        document,
        ["State", "Project", "Change"],
        "{%tr for c in participation_changes %}",
        ["{{ c.state }}", "{{ c.project }}", "{{ c.change }}"],
        "{%tr endfor %}",
    )

    document.add_paragraph("{%p for section in domains %}")
    document.add_heading("{{ section.name }}", level=1)
    document.add_paragraph("{%p for p in section.projects %}")
    document.add_heading("{{ p.name }} ({{ p.acronym }})", level=2)
    for label, value in (
        ("Assessment", "{{ p.assessment }}"),
        ("Lifecycle phase", "{{ p.phase }}"),
        ("Coordinator", "{{ p.coordinators|join(', ') or 'not recorded' }}"),
        ("Report", "revision {{ p.revision }}, approved by {{ p.approvals|join('; ') }}"),
    ):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    table(
        document,
        ["#", "Milestone", "Status", "Baseline", "Forecast / achieved", "Slippage"],
        "{%tr for m in p.milestones %}",
        [
            "{{ m.position }}",
            "{{ m.title }}",
            "{{ m.status }}",
            "{{ m.baseline }}",
            "{{ m.achieved or m.forecast or '—' }}",
            "{{ m.slippage }}",
        ],
        "{%tr endfor %}",
    )
    document.add_paragraph("{%p for n in p.narratives if n.text %}")
    paragraph = document.add_paragraph()
    paragraph.add_run("{{ n.label }}. ").bold = True
    paragraph.add_run("{{ n.text }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph().add_run("The secretariat's assessment").bold = True
    document.add_paragraph(
        "{{ p.secretariat_assessment or 'The secretariat wrote no consolidated assessment of "
        "this report.' }}"
    )
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endfor %}")

    annex = document.add_section()
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Cm(29.7), Cm(21.0)
    document.add_heading("Annex A — Participation", level=1)
    document.add_paragraph(
        "Current participations as recorded (C coordinator, P participant, O observer)."
    )
    table(
        document,
        ["Project", "Coordinators", "Participants", "Observers"],
        "{%tr for r in participation_matrix %}",
        ["{{ r.acronym }}", "{{ r.C }}", "{{ r.P }}", "{{ r.O }}"],
        "{%tr endfor %}",
    )
    document.add_heading("Annex B — Reports missing or not approved", level=1)
    document.add_paragraph(
        "{% if not missing %}Every project under review has an approved report.{% endif %}"
    )
    table(
        document,
        ["Project", "Name", "State"],
        "{%tr for m in missing %}",
        ["{{ m.acronym }}", "{{ m.name }}", "{{ m.state }}"],
        "{%tr endfor %}",
    )
    document.add_heading("Annex C — Evidence", level=1)
    document.add_paragraph(
        "{% if not evidence %}No evidence is attached to the approved reports.{% else %}The files "
        "the coordinators attached to their approved reports, named here and not included; the "
        "SHA-256 identifies each file.{% endif %}"
    )
    table(
        document,
        ["Project", "File", "Size", "SHA-256"],
        "{%tr for e in evidence %}",
        ["{{ e.project }}", "{{ e.name }}", "{{ e.size }}", "{{ e.sha256 }}"],
        "{%tr endfor %}",
    )
    document.add_heading("Annex D — Provenance", level=1)
    document.add_paragraph("Built from these report revisions: {{ provenance }}.")

    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)
    document.save(str(OUT))
    print(f"wrote {OUT}")  # noqa: T201 - a developer's script


if __name__ == "__main__":
    main()
