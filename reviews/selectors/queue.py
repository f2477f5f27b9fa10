"""The review queue: the submitted reports of the current cycle, filtered."""

from dataclasses import dataclass

from pesco_review.accounts.models import User
from projects.models import Domain
from reviews.enums import ReportState
from reviews.models import ReviewCycle
from reviews.selectors.cycles import ReportRow, current_cycle, report_row
from reviews.selectors.reports import reports_visible_to


@dataclass(frozen=True)
class QueueFilters:
    state: str = ""
    domain: str = ""
    undecided: bool = False
    overdue: bool = False

    @classmethod
    def from_query(cls, get) -> "QueueFilters":
        state = get.get("state", "")
        return cls(
            state=state if state in ReportState.values else "",
            domain=get.get("domain", "")[:60],
            undecided=get.get("undecided") == "1",
            overdue=get.get("overdue") == "1",
        )


def review_queue(*, user: User, cycle: ReviewCycle, filters: QueueFilters) -> list[ReportRow]:
    """Submitted reports in order of submission; "overdue" means what it means everywhere: sent
    back and not resubmitted by its answer-by date."""
    reports = (
        reports_visible_to(user=user, cycle=cycle)
        .filter(submitted_at__isnull=False)
        .select_related("project__domain", "cycle")
        .prefetch_related("approvals")
        .order_by("submitted_at")
    )
    if filters.state:
        reports = reports.filter(state=filters.state)
    if filters.domain:
        reports = reports.filter(project__domain__slug=filters.domain)
    rows = [report_row(r, overdue=r.is_overdue) for r in reports]
    body = user.secretariat_body
    if filters.undecided and body:
        rows = [r for r in rows if r.report.is_in_review and body not in r.approved_by]
    if filters.overdue:
        rows = [r for r in rows if r.is_overdue]
    return rows


@dataclass(frozen=True)
class QueuePage:
    cycle: ReviewCycle | None
    filters: QueueFilters
    rows: list[ReportRow]
    states: list[tuple[str, str]]
    domains: list[Domain]


def queue_page(*, user: User, filters: QueueFilters) -> QueuePage:
    cycle = current_cycle()
    return QueuePage(
        cycle=cycle,
        filters=filters,
        rows=review_queue(user=user, cycle=cycle, filters=filters) if cycle else [],
        states=[(s, ReportState(s).label) for s in ReportState.QUEUE_FILTERS],
        domains=list(Domain.objects.all()),
    )
