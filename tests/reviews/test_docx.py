"""The DOCX as a reader opens it in Word: its structure, read back with python-docx."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from tests import factories
from tests.reviews.test_documents import approved, built

pytestmark = pytest.mark.django_db

ANNEXES = [
    "Annex A — Participation",
    "Annex B — Reports missing or not approved",
    "Annex C — Evidence",
    "Annex D — Provenance",
]


@pytest.fixture
def review(settings, tmp_path):
    """2026, open: two approved projects in Maritime, one in Medical, a draft; no previous
    cycle (so no participation changes and no year-on-year), no evidence."""
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, handling_marking="LIMITE")
    maritime = factories.DomainFactory(name="Maritime", slug="maritime", position=1)
    medical = factories.DomainFactory(name="Medical", slug="medical", position=2)
    for name, acronym, domain in (
        ("Harbour Protection Network", "HPN", maritime),
        ("Coastal Surveillance Drone", "CSD", maritime),
        ("Mountain Rescue Medical Unit", "MRMU", medical),
    ):
        report = approved(cycle, name, acronym)
        report.project.domain = domain
        report.project.save()
    factories.StatusReportFactory(
        cycle=cycle,
        project=factories.ProjectFactory(name="Unfinished Drone Hangar", acronym="UDH", slug="udh"),
    )
    context, files = built(cycle)
    return context, Document(io.BytesIO(files.docx))


def effective(document, paragraph, tag: str):
    """The paragraph property `tag` (w:numPr, w:keepNext ...) as Word resolves it: the
    paragraph's own, else its style's, else the style it is based on."""
    own = paragraph._p.pPr.find(qn(tag)) if paragraph._p.pPr is not None else None
    if own is not None:
        return own
    style = paragraph.style
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.find(qn(tag)) is not None:
            return ppr.find(qn(tag))
        style = style.base_style
    return None


def numbering_level(document, paragraph) -> int | None:
    """The level of the list that numbers the paragraph; None when it is not numbered."""
    num_pr = effective(document, paragraph, "w:numPr")
    if num_pr is None or num_pr.find(qn("w:numId")).get(qn("w:val")) == "0":
        return None
    ilvl = num_pr.find(qn("w:ilvl"))
    return 0 if ilvl is None else int(ilvl.get(qn("w:val")))


def headings(document):
    return [p for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]


def test_docx_headings_numbered_by_a_word_list_annexes_not(review):
    _, document = review

    numbered = headings(document)
    annexes = [p for p in document.paragraphs if p.text in ANNEXES and "toc" not in p.style.name]

    assert [numbering_level(document, p) for p in numbered] == [
        0 if p.style.name == "Heading 1" else 1 for p in numbered
    ]
    assert len(numbered) == 13
    assert [numbering_level(document, p) for p in annexes] == [None] * 4
    numbering = document.part.numbering_part.element
    num_id = effective(document, numbered[0], "w:numPr").find(qn("w:numId")).get(qn("w:val"))
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(
        a
        for a in numbering.findall(qn("w:abstractNum"))
        if a.get(qn("w:abstractNumId")) == abstract_id
    )
    levels = [
        (lvl.find(qn("w:pStyle")).get(qn("w:val")), lvl.find(qn("w:lvlText")).get(qn("w:val")))
        for lvl in abstract.findall(qn("w:lvl"))[:2]
    ]
    assert levels == [("Heading1", "%1"), ("Heading2", "%1.%2")]


def contents(document) -> list:
    body = document.paragraphs
    start = next(i for i, p in enumerate(body) if p.text == "Contents")
    end = next(i for i, p in enumerate(body) if p.style.name == "Heading 1")
    return body[start + 1 : end]


def test_docx_contents_lists_every_heading_with_its_number(review):
    _, document = review

    entries = contents(document)
    anchors = [h.get(qn("w:anchor")) for p in entries for h in p._p.iter(qn("w:hyperlink"))]
    bookmarks = [
        b.get(qn("w:name"))
        for p in document.paragraphs
        if p.style.name in ("Heading 1", "Heading 2", "Annex heading")
        for b in p._p.iter(qn("w:bookmarkStart"))
    ]
    every_part = "".join(
        "".join(part.element.itertext())
        for part in (document.part, *(r.target_part for r in document.part.rels.values()))
        if hasattr(part, "element")
    )

    assert [p.text for p in entries] == [
        "1\tExecutive summary",
        "1.1\tApproved reports by domain",
        "1.2\tApproved reports by lifecycle phase reached",
        "1.3\tOverall assessment",
        "1.4\tMilestones",
        "1.5\tCompared with the previous cycle",
        "1.6\tParticipation changes since the previous cycle",
        "1.7\tThird states",
        "2\tMaritime",
        "2.1\tCoastal Surveillance Drone (CSD)",
        "2.2\tHarbour Protection Network (HPN)",
        "3\tMedical",
        "3.1\tMountain Rescue Medical Unit (MRMU)",
        *ANNEXES,
    ]
    assert [p.style.name for p in entries[:2]] == ["toc 1", "toc 2"]
    assert [
        (i, c.get(qn("w:fldCharType")))
        for i, p in enumerate(entries)
        for c in p._p.iter(qn("w:fldChar"))
    ] == [(0, "begin"), (0, "separate"), (16, "end")]
    assert [t.text.strip() for t in entries[0]._p.iter(qn("w:instrText"))] == [
        'TOC \\o "1-2" \\h \\z \\u'
    ]
    assert anchors == bookmarks
    assert len(set(anchors)) == 17
    assert "Update field" not in every_part


def text_width(section) -> int:
    return section.page_width - section.left_margin - section.right_margin


def tables_with_their_section(document):
    """(table, the section it is set in): a section ends at the paragraph carrying its sectPr."""
    sections, index, found = list(document.sections), 0, []
    tables = iter(document.tables)
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            found.append((next(tables), sections[index]))
        elif child.tag == qn("w:p") and child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            index += 1
    return found


def widths(table) -> list[int]:
    return [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_docx_tables_proportioned_within_the_margins_with_a_repeated_header(review):
    _, document = review

    placed = tables_with_their_section(document)
    milestones = [t for t, _ in placed if t.rows[0].cells[1].text == "Milestone"]

    assert len(milestones) == 3
    number, title, *others = widths(milestones[0])
    assert number < min(others)
    assert title > max(others)
    for table, section in placed:
        tbl_pr = table._tbl.tblPr
        assert tbl_pr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        assert int(tbl_pr.find(qn("w:tblW")).get(qn("w:w"))) == sum(widths(table))
        assert sum(widths(table)) * 635 <= text_width(section)  # twips to EMU
        assert sum(widths(table)) * 635 > text_width(section) - 635 * 20
        header, *rows = table.rows
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)
        for row in table.rows:
            assert [int(c._tc.tcPr.tcW.get(qn("w:w"))) for c in row.cells] == widths(table)


def test_docx_without_changes_or_evidence_has_no_table_of_only_a_header(review):
    _, document = review
    text = [p.text for p in document.paragraphs]

    assert [len(t.rows) for t in document.tables if len(t.rows) < 2] == []
    assert "There is no previous cycle to compare with." in text  # a first cycle
    assert (
        "No third state takes part in a project under review, as far as the register records."
        in text
    )
    assert "No evidence is attached to the approved reports." in text
    assert [t.rows[0].cells[0].text for t in document.tables] == [
        "Figure",
        "#",
        "#",
        "#",
        "Project",
        "Project",
    ]


def breaks_before(document, paragraph) -> bool:
    value = effective(document, paragraph, "w:pageBreakBefore")
    return value is not None and value.get(qn("w:val")) not in ("0", "false")


def test_docx_domain_heading_keeps_with_its_first_project(review):
    _, document = review
    body = document.paragraphs
    styles = document.styles

    domains = [i for i, p in enumerate(body) if p.text in ("Maritime", "Medical")]
    projects = [p for p in body if p.style.name == "Heading 2" and p.text.endswith(")")]

    for i in domains:
        between = body[i + 1 : next(j for j in range(i + 1, len(body)) if body[j] in projects)]
        first = body[i + 1 + len(between)]
        assert breaks_before(document, first) is False
        assert [p for p in between if 'w:type="page"' in p._p.xml] == []
    assert [breaks_before(document, p) for p in projects] == [False, True, False]
    assert [breaks_before(document, body[i]) for i in domains] == [True, True]
    assert all(
        p.paragraph_format.keep_with_next for p in body if p.text.startswith("Report: revision")
    )
    for name in ("Heading 1", "Heading 2", "Annex heading"):
        assert styles[name].paragraph_format.keep_with_next is True
    assert styles["Heading 2"].paragraph_format.page_break_before is not True


def test_docx_core_properties_and_language_set(review):
    _, document = review
    properties = document.core_properties
    lang = document.styles["Normal"].element.rPr.find(qn("w:lang"))

    assert (properties.title, properties.author, properties.language) == (
        "PESCO annual progress review 2026",
        "PESCO secretariat",
        "en-GB",
    )
    assert properties.subject == (
        "Permanent Structured Cooperation (PESCO) — consolidated review of the status reports"
    )
    assert properties.last_modified_by == "PESCO secretariat"
    assert abs(properties.created - timezone.now()) < timedelta(minutes=5)
    assert lang.get(qn("w:val")) == "en-GB"


def test_docx_charts_carry_their_values_as_alternative_text(review):
    _, document = review

    pictures = [
        (d.get("title"), d.get("descr")) for d in document.element.body.iter(qn("wp:docPr"))
    ]

    assert pictures == [
        (
            "Approved reports by domain",
            "Approved reports by domain: Maritime 2; Medical 1.",
        ),
        (
            "Approved reports by lifecycle phase reached",
            "Approved reports by lifecycle phase reached: Execution 3.",
        ),
        (
            "Overall assessment",
            "Overall assessment: On track 3; Minor delays 0; Major delays 0; Critical 0.",
        ),
        (
            "Milestones",
            "Milestones: Not started 0; On track 0; Delayed 3; At risk 0; Achieved 0; Cancelled 0.",
        ),
    ]
