"""A spreadsheet's rows as text, read by tablib: XLSX or CSV (UTF-8, comma, semicolon or tab),
the kind told by the content and not by the name. No ORM: what the rows mean is planning.py's.

Rows are numbered as the spreadsheet shows them (the column names are row 1), blank rows
included, so that "row 7" in a message is row 7 in Excel."""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import tablib

from onboarding.columns import Column
from reviews.documents.exports import FORMULA_STARTS

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# A workbook is a ZIP: what it would unpack to is bounded too (a "ZIP bomb" is small on disk).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
FORMAT_HINT = "Save it as an Excel workbook (.xlsx) or as CSV UTF-8, from the template."


@dataclass
class Sheet:
    rows: list[dict] = field(default_factory=list)  # {"row": number, "cells": {key: text}}
    errors: list[str] = field(default_factory=list)  # what is wrong with the file itself
    notes: list[str] = field(default_factory=list)


def read_rows(content: bytes, *, name: str, columns: tuple[Column, ...], sheet: str) -> Sheet:
    """The file's rows under `columns`, or the errors that keep it from being read."""
    if not content:
        return Sheet(errors=[f"'{name}' is empty."])
    if len(content) > MAX_IMPORT_BYTES:
        return Sheet(errors=[f"'{name}' is larger than {MAX_IMPORT_BYTES // 2**20} MB."])
    try:
        if content.startswith(b"PK\x03\x04"):
            data = _xlsx(content, sheet)
        elif content.startswith(b"\xd0\xcf\x11\xe0"):
            return Sheet(errors=[f"'{name}' is an Excel 97–2003 workbook (.xls). {FORMAT_HINT}"])
        else:
            data = _csv(content)
    except UnreadableFileError as error:
        return Sheet(errors=[str(error).format(name=name)])
    return _under_columns(data, columns)


class UnreadableFileError(Exception):
    """The message names the file as {name}."""


def _xlsx(content: bytes, sheet: str) -> tablib.Dataset:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise UnreadableFileError("'{name}' unpacks to more than 100 MB: it is not read.")
        book = tablib.Databook().load(content, "xlsx")
    except UnreadableFileError:
        raise
    except Exception as error:  # openpyxl and zipfile raise many kinds for a damaged file
        raise UnreadableFileError(
            f"'{{name}}' could not be read as an Excel workbook ({type(error).__name__}). "
            f"{FORMAT_HINT}"
        ) from error
    sheets = book.sheets()
    chosen = next((s for s in sheets if (s.title or "").strip().lower() == sheet.lower()), None)
    return chosen or sheets[0]


class _Lines:
    """The text's lines for the CSV reader, a blank line outside a quoted cell given as a row
    of empty cells (the reader would drop it, and the row numbers after it would be one off);
    counts the rows read, for a message about the row that broke the reader."""

    def __init__(self, text: str, delimiter: str):
        self.lines, self.delimiter, self.rows, self.quoted = (
            text.splitlines(True),
            delimiter,
            0,
            False,
        )

    def __iter__(self):
        for line in self.lines:
            if not self.quoted and not line.strip("\r\n"):
                line = self.delimiter + line
            if line.count('"') % 2:
                self.quoted = not self.quoted
            if not self.quoted:
                self.rows += 1
            yield line


def _csv(content: bytes) -> tablib.Dataset:
    if b"\x00" in content:
        raise UnreadableFileError(
            f"'{{name}}' is neither an Excel workbook nor CSV text. {FORMAT_HINT}"
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            "'{name}' is not UTF-8 text (names with accents would be garbled). In Excel, "
            "save it as 'CSV UTF-8 (comma delimited)', or as .xlsx."
        ) from error
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    lines = _Lines(text, delimiter)
    try:
        data = tablib.Dataset().load(lines, "csv", delimiter=delimiter)
    except (tablib.InvalidDimensions, csv.Error) as error:
        raise UnreadableFileError(
            f"'{{name}}' row {lines.rows} has more cells than the first row has column names."
        ) from error
    return data


def _under_columns(data: tablib.Dataset, columns) -> Sheet:
    headers = [_text(h) for h in (data.headers or [])]
    wanted = {_label(c.name): c for c in columns} | {_label(c.key): c for c in columns}
    found: dict[str, int] = {}
    sheet = Sheet()
    for index, header in enumerate(headers):
        column = wanted.get(_label(header))
        if column is not None and column.key not in found:
            found[column.key] = index
        elif header:
            sheet.notes.append(f"The column '{header}' is not read.")
    missing = [c.name for c in columns if c.required and c.key not in found]
    if missing:
        names = ", ".join(f"'{c.name}'" for c in columns)
        sheet.errors.append(
            f"The file has no column {', '.join(repr(m) for m in missing)}. Its first row must "
            f"name the columns: {names} (as in the template)."
        )
        return sheet
    if len(data) > MAX_ROWS:
        sheet.errors.append(f"The file has {len(data)} rows; at most {MAX_ROWS} are read at once.")
        return sheet
    for position, values in enumerate(data):
        cells = {c.key: _text(values[found[c.key]]) if c.key in found else "" for c in columns}
        if any(cells.values()):
            sheet.rows.append({"row": position + 2, "cells": cells})
    if not sheet.rows:
        sheet.errors.append("The file has no rows below the column names.")
    return sheet


def _label(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


def _text(value) -> str:
    """A cell as text: a date as 2027-03-31, a whole number without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text[:1] == "'" and text[1:].startswith(FORMULA_STARTS):  # as safe_cell wrote it
        return text[1:]
    return text
