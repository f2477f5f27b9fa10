"""What an evidence file is, from its content and never from its name: PDF, DOCX, XLSX, PNG or
JPEG. A ZIP-based Office file is recognised by its parts' names only (nothing is extracted), and
one that carries macros is refused. Pure functions, no ORM."""

import hashlib
import re
import unicodedata
import zipfile
from typing import Any

from reviews.enums import EvidenceKind

EXTENSIONS = {
    ".pdf": EvidenceKind.PDF,
    ".docx": EvidenceKind.DOCX,
    ".xlsx": EvidenceKind.XLSX,
    ".png": EvidenceKind.PNG,
    ".jpg": EvidenceKind.JPEG,
    ".jpeg": EvidenceKind.JPEG,
}
CONTENT_TYPES = {
    EvidenceKind.PDF: "application/pdf",
    EvidenceKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    EvidenceKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    EvidenceKind.PNG: "image/png",
    EvidenceKind.JPEG: "image/jpeg",
}
ALLOWED = "PDF, DOCX, XLSX, PNG or JPEG"
_OFFICE_MAIN_PART = {EvidenceKind.DOCX: "word/document.xml", EvidenceKind.XLSX: "xl/workbook.xml"}
NAME_MAX_LENGTH = 150


def _office_kind(file: Any) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        return None
    found = [kind for kind, part in _OFFICE_MAIN_PART.items() if part in names]
    return found[0] if len(found) == 1 else None


def content_kind(file: Any) -> str | None:
    """The kind the file's content is, or None if it is none of the allowed ones."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return EvidenceKind.PDF
    if head == b"\x89PNG\r\n\x1a\n":
        return EvidenceKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return EvidenceKind.JPEG
    if head.startswith(b"PK\x03\x04"):
        kind = _office_kind(file)
        file.seek(0)
        return kind
    return None


def claimed_kind(name: str) -> str | None:
    """The kind the file's name claims, by its extension."""
    match = re.search(r"\.[A-Za-z0-9]+$", name)
    return EXTENSIONS.get(match[0].lower()) if match else None


def clean_name(name: str) -> str:
    """The file's own name for display and download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[: NAME_MAX_LENGTH - len(extension) - 1]}.{extension}" if dot else name
    return name[:NAME_MAX_LENGTH] or "evidence"


def sha256_of(file: Any) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def is_work_in_progress(report, attachment) -> bool:
    """A file on the report itself that no submission has carried yet (nobody outside the
    project has seen it)."""
    return attachment.comment_id is None and (
        report.submitted_at is None or attachment.uploaded_at > report.submitted_at
    )
