"""A long consolidated review rendered in parts and joined (reviews/documents/parts.py,
join.py): one tagged PDF/UA-1 document whose contents, bookmarks, tags and pages are those of a
review rendered in one piece. The parts are made small here (REVIEW_PDF_BATCH_PROJECTS = 2) so
that a few projects give several parts and a domain continued from one part to the next."""

import io
import re

import pikepdf
import pytest
from pypdf import PdfReader

from reviews.documents.build import render_documents
from reviews.documents.context import build_context
from reviews.documents.parts import contents, sections
from tests import factories
from tests.reviews.pdf_structure import pages_without_content, structure_problems, tagged
from tests.reviews.test_documents import approved

pytestmark = pytest.mark.django_db

DOMAINS = {"Maritime": ["HARBOUR", "CORVETTE", "MINES"], "Space": ["ORBIT", "LAUNCH"]}


@pytest.fixture
def cycle(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, handling_marking="LIMITE")
    for name, acronyms in DOMAINS.items():
        domain = factories.DomainFactory(name=name, slug=name.lower())
        for acronym in acronyms:
            approved(cycle, f"{acronym.title()} project", acronym, domain=domain)
    return cycle


def render(cycle, settings, batch: int) -> bytes:
    settings.REVIEW_PDF_BATCH_PROJECTS = batch
    context = build_context(cycle=cycle, version=1, generated_by="Lead")
    return render_documents(context, lambda step, percent: None).pdf


@pytest.fixture
def joined(cycle, settings) -> bytes:
    return render(cycle, settings, batch=2)


@pytest.fixture
def whole(cycle, settings) -> bytes:
    return render(cycle, settings, batch=100)


def page_texts(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


def outline(data: bytes) -> list[tuple[str, int]]:
    """Every bookmark in reading order: its title and the page (1-based) it opens."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        with pdf.open_outline() as tree:
            found, stack = [], list(reversed(tree.root))
            while stack:
                item = stack.pop()
                found.append((item.title, pages[item.destination[0].objgen]))
                stack.extend(reversed(item.children))
            return found


def test_parts_of_two_projects_a_domain_continued_into_the_next():
    domains = [
        {"name": "Maritime", "projects": [{"acronym": a, "title": a} for a in "ABC"]},
        {"name": "Space", "projects": [{"acronym": a, "title": a} for a in "DE"]},
    ]

    parts = sections(domains, 2)

    assert [[(s["name"], s["start"], [p["acronym"] for p in s["projects"]]) for s in part]
            for part in parts] == [
        [("Maritime", 0, ["A", "B"])],
        [("Maritime", 2, ["C"]), ("Space", 0, ["D"])],
        [("Space", 1, ["E"])],
    ]  # fmt: skip
    assert [s["number"] for part in parts for s in part] == [2, 2, 3, 3]
    assert [(e["number"], e["title"]) for e in contents(parts)] == [
        ("2", "Maritime"), ("2.1", "A"), ("2.2", "B"), ("2.3", "C"),
        ("3", "Space"), ("3.1", "D"), ("3.2", "E"),
    ]  # fmt: skip


def test_joined_review_is_tagged_pdf_ua_with_every_table_and_chart_as_in_one_piece(joined, whole):
    pdf = tagged(joined)

    assert pdf.pdfua_part == "1"
    assert pdf.xmp_title == "PESCO annual progress review 2026"
    assert pdf.catalog["/Lang"] == "en"
    assert pdf.displays_title
    assert len(pdf.elements("Table")) == len(tagged(whole).elements("Table"))
    assert [t for t in pdf.elements("Table") if t.count("TH") == 0] == []
    assert [f.alt for f in pdf.elements("Figure")] == [
        f.alt for f in tagged(whole).elements("Figure")
    ]
    assert structure_problems(joined) == []
    with pikepdf.open(io.BytesIO(joined)) as written:
        assert written.check_pdf_syntax() == []  # qpdf's own check of the file written


def test_joined_review_has_the_bookmarks_and_text_of_the_review_in_one_piece(joined, whole):
    titles = [title for title, _ in outline(joined)]

    assert titles == [title for title, _ in outline(whole)]
    assert "2.3 Mines project (MINES)" in titles
    assert "3.2 Orbit project (ORBIT)" in titles
    assert pages_without_content(joined) == []
    texts = page_texts(joined)
    assert all("LIMITE" in text for text in texts)
    for acronym in ("HARBOUR", "CORVETTE", "MINES", "ORBIT", "LAUNCH"):
        assert sum(f"({acronym})" in text for text in texts) >= 2  # its page, its contents line
    assert any("Maritime (continued)" in text for text in texts)  # a part began mid-domain


def test_joined_review_contents_link_each_heading_to_its_page(joined):
    texts = page_texts(joined)
    bookmarks = dict(outline(joined))
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        links = [a for a in pdf.pages[1].get("/Annots", []) if a.get("/Subtype") == "/Link"]
        targets = [(str(a.Contents), pages[a.Dest[0].objgen]) for a in links if "/Dest" in a]
        uris = [a for a in links if "/A" in a]

    assert uris == []  # every link the front could not draw points into the document now
    assert len(targets) == len(bookmarks)
    for description, page in targets:
        title = re.match(r"(.*?) page (\d+)$", description)
        assert int(title.group(2)) == page, description
        heading = title.group(1).replace("“", "").replace("”", "")
        assert bookmarks[heading] == page, description
        assert f"{heading.split(' ', 1)[-1][:20]}" in texts[page - 1], description
    assert re.search(r"2\.3 Mines project \(MINES\)[ .]*(\d+)", texts[1]).group(1) == str(
        bookmarks["2.3 Mines project (MINES)"]
    )  # the printed page number, too


def test_joined_review_pages_are_numbered_through_and_counted_on_the_cover(joined):
    texts = page_texts(joined)
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()

    assert f"<xmpTPg:NPages>{len(texts)}</xmpTPg:NPages>" in xmp
    assert f"{len(texts)} pages" in texts[0]
    for number, text in enumerate(texts[1:], start=2):
        assert re.search(rf"\b{number}$", text), (number, text[-80:])
