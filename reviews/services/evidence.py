"""Evidence: files attached to a report by its coordinator, or to a comment by its secretariat
author. The type is checked by content, the size against EVIDENCE_MAX_BYTES, the SHA-256
recorded; the file goes through the storage API under a random name."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from pesco_review.accounts.models import User
from pesco_review.security import security_event
from pesco_review.storage import (
    STORAGE_UNREACHABLE,
    UNREACHABLE_MESSAGE,
    server_errors_as_unreachable,
)
from reviews import evidence
from reviews.enums import EvidenceKind
from reviews.models import Attachment, Comment, StatusReport
from reviews.services._common import require

log = logging.getLogger(__name__)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def evidence_check(upload: UploadedFile) -> tuple[str, str]:
    """(its clean name, its kind), or ValidationError naming the file and what is wrong."""
    name = evidence.clean_name(upload.name or "")
    limit = settings.EVIDENCE_MAX_BYTES
    if not upload.size:
        raise ValidationError(f"'{name}' is empty: attach the file itself.")
    if upload.size > limit:
        raise ValidationError(
            f"'{name}' is {_megabytes(upload.size)} MB: a file may be at most "
            f"{_megabytes(limit)} MB."
        )
    claimed = evidence.claimed_kind(name)
    if claimed is None:
        raise ValidationError(
            f"'{name}' is not a file type evidence may be: attach {evidence.ALLOWED} files."
        )
    actual = evidence.content_kind(upload)
    if actual != claimed:
        label = EvidenceKind(claimed).label
        article = "an" if label[0] in "AEIOU" else "a"
        raise ValidationError(
            f"'{name}' is not what its name says: its content is not {article} {label}. "
            f"Attach {evidence.ALLOWED} files."
        )
    return name, actual


def _permitted(actor: User, report: StatusReport, comment: Comment | None) -> None:
    if comment is None:
        require(actor, "reviews.attach_to_report", report, "Only the coordinator attaches files.")
        if not report.is_editable:
            raise ValidationError(
                "The report is with the secretariat: files are attached while it is a draft or "
                "sent back for changes."
            )
        return
    require(
        actor,
        "reviews.attach_to_comment",
        report,
        "Only the secretariat attaches files to comments.",
    )
    if comment.report_id != report.pk or comment.author_id != actor.pk:
        raise PermissionDenied("Files are attached to a comment of your own.")


def _store(
    actor: User,
    report: StatusReport,
    upload: UploadedFile,
    comment: Comment | None,
    checked: tuple[str, str],
) -> Attachment:
    """Write one checked file under a random name, then its row (or no file at all)."""
    name, kind = checked
    attachment = Attachment(
        report=report,
        comment=comment,
        name=name,
        kind=kind,
        size=upload.size or 0,
        sha256=evidence.sha256_of(upload),
        revision=report.revision,
        uploaded_by=actor,
    )
    try:
        with server_errors_as_unreachable():
            attachment.file.save(name, upload, save=False)
    except STORAGE_UNREACHABLE as error:
        log.warning("evidence %r not stored, the storage is unreachable: %s", name, error)
        raise ValidationError(f"'{name}' was not attached. {UNREACHABLE_MESSAGE}") from error
    stored = attachment.file.name or ""
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.storage.delete(stored)  # leave no stray file
        raise
    return attachment


@transaction.atomic
def attachment_add(
    *, actor: User, report: StatusReport, upload: UploadedFile, comment: Comment | None = None
) -> Attachment:
    """Attach one file to the report (the coordinator) or to the actor's own comment."""
    _permitted(actor, report, comment)
    return _store(actor, report, upload, comment, evidence_check(upload))


@transaction.atomic
def attachments_add(
    *,
    actor: User,
    report: StatusReport,
    uploads: list[UploadedFile],
    comment: Comment | None = None,
) -> list[Attachment]:
    """Attach several files, all or none: every refused file is named in the error."""
    if not uploads:
        return []
    _permitted(actor, report, comment)
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(evidence_check(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    added: list[Attachment] = []
    try:
        for upload, result in zip(uploads, checked, strict=True):
            added.append(_store(actor, report, upload, comment, result))
    except Exception:
        _forget(added)  # the rows roll back with the transaction; their files go too
        raise
    return added


def _forget(attachments: list[Attachment]) -> None:
    for attachment in attachments:
        _delete_file(attachment, attachment.file.name or "")


@transaction.atomic
def comment_add_with_files(
    *, actor: User, report: StatusReport, uploads: list[UploadedFile], **comment: object
) -> Comment:
    """A comment and its files, all or nothing (only the secretariat attaches files to one)."""
    from reviews.services.discussion import comment_add  # noqa: PLC0415 - one area each

    posted = comment_add(actor=actor, report=report, **comment)  # type: ignore[arg-type]
    attachments_add(actor=actor, report=report, uploads=uploads, comment=posted)
    return posted


@transaction.atomic
def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    """The coordinator removes a file attached by mistake, while no submission has carried it:
    the row and the stored file go; the security log keeps its name and SHA-256."""
    attachment = (
        Attachment.objects.select_for_update().select_related("report").get(pk=attachment.pk)
    )
    report = attachment.report
    _permitted(actor, report, None)
    if not evidence.is_work_in_progress(report, attachment):
        raise ValidationError(
            f"'{attachment.name}' went to the secretariat with a submission: it stays with the "
            "report. Attach a corrected file beside it."
        )
    name = attachment.file.name or ""
    security_event(
        "evidence_removed",
        None,
        attachment=attachment.pk,
        file=attachment.name,
        sha256=attachment.sha256,
        report=report.pk,
    )
    attachment.delete()
    transaction.on_commit(lambda: _delete_file(attachment, name))


def _delete_file(attachment: Attachment, name: str) -> None:
    try:
        attachment.file.storage.delete(name)
    except Exception as error:  # noqa: BLE001 - an unreferenced file is no harm; say so
        log.warning("removed evidence file %s left in storage: %s", name, error)
