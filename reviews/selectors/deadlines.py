"""A report's deadline, as the lead sees it to grant an extension: its state and dates, never its
content (a draft's text stays with its coordinator)."""

from dataclasses import dataclass

from django.http import Http404

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from reviews.models import StatusReport


@dataclass(frozen=True)
class DeadlinePage:
    report: StatusReport  # for its state, dates and project; the page shows no narrative
    may_open: bool  # whether the user may read the report itself


def deadline_page(*, user: User, pk: int) -> DeadlinePage:
    report = (
        StatusReport.objects.select_related("cycle", "project")
        .only(
            "pk",
            "state",
            "revision",
            "extended_deadline",
            "extension_reason",
            "answer_by",
            "last_saved_at",
            "submitted_at",
            "cycle",
            "project",
        )
        .filter(pk=pk)
        .first()
    )
    if report is None or not may(user, "reviews.grant_extension", report):
        raise Http404("No such report.")
    return DeadlinePage(report=report, may_open=may(user, "reviews.view_report", report))
