"""The review queue: the submitted reports of the current cycle, a page at a time."""

from dataclasses import dataclass

from django.db.models import QuerySet

from pesco_review.accounts.models import User
from pesco_review.listing import Listing, listing
from projects.models import Domain
from reviews.enums import ReportState
from reviews.filters import QueueFilters
from reviews.models import ReviewCycle, StatusReport
from reviews.selectors import conditions
from reviews.selectors.cycles import current_cycle, report_list, report_rows
from reviews.selectors.reports import reports_visible_to


def queue_reports(*, user: User, cycle: ReviewCycle) -> QuerySet[StatusReport]:
    """The reports of the queue: submitted at least once, and visible to the user."""
    return report_list(
        reports_visible_to(user=user, cycle=cycle).filter(submitted_at__isnull=False)
    )


def waiting_for_body(*, user: User, cycle: ReviewCycle) -> QuerySet[StatusReport]:
    """The user's body's part of the queue (all submitted reports for the lead, who has none):
    waiting for its decision, those submitted longest ago first."""
    reports = queue_reports(user=user, cycle=cycle)
    if user.secretariat_body:
        reports = reports.filter(conditions.undecided_by(user.secretariat_body))
    else:
        reports = reports.filter(state__in=ReportState.IN_REVIEW)
    return reports.order_by("submitted_at", "pk")


@dataclass(frozen=True)
class QueuePage:
    cycle: ReviewCycle | None
    listing: Listing | None  # its rows are ReportRows


def queue_page(*, user: User, params, page: str | None = None) -> QueuePage:
    """One page of the queue, searched, filtered and sorted as the URL says (`params`)."""
    cycle = current_cycle()
    if cycle is None:
        return QueuePage(cycle=None, listing=None)
    filters = QueueFilters(
        params,
        queue_reports(user=user, cycle=cycle),
        domains=list(Domain.objects.all()),
        body=user.secretariat_body,
    )
    return QueuePage(cycle=cycle, listing=listing(filters, page, row=report_rows()))
