"""Which evidence a user may see and download: an attachment is as visible as what it is
attached to. A file the coordinator added since the report's last submission is, like the rest
of their work in progress, for the project's own people only; one on an internal comment is for
the secretariat only."""

from django.http import Http404

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from reviews.evidence import is_work_in_progress
from reviews.models import Attachment, StatusReport
from reviews.selectors.reports import is_own_report, report_detail


def _visible(user: User, report: StatusReport, attachment: Attachment, own: bool) -> bool:
    if attachment.comment is not None:
        return not attachment.comment.is_internal or may(user, "reviews.view_internal_comments")
    return own or not is_work_in_progress(report, attachment)


def report_evidence(
    *, user: User, report: StatusReport, files: list[Attachment]
) -> list[Attachment]:
    """Of the report's files (reports.report_files), those attached to the report itself that
    the user may see. (A comment's files come with the comment: reports.comments_for.)"""
    own = is_own_report(user=user, report=report)
    return [a for a in files if a.comment_id is None and _visible(user, report, a, own)]


def attachment_for_download(*, user: User, pk: int) -> Attachment:
    """An attachment the user may download; Http404 otherwise (with the report's 404 rules)."""
    attachment = Attachment.objects.select_related("comment").filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such file.")
    report = report_detail(user=user, pk=attachment.report_id)
    if not _visible(user, report, attachment, is_own_report(user=user, report=report)):
        raise Http404("No such file.")
    return attachment


def removable_evidence(*, user: User, report: StatusReport, evidence: list[Attachment]) -> set:
    """The ids of the files the user may remove: the coordinator's own work in progress, while
    the report is editable."""
    if not (report.is_editable and may(user, "reviews.attach_to_report", report)):
        return set()
    return {a.pk for a in evidence if is_work_in_progress(report, a)}
