"""Reads of review cycles: the current one, the list, and a cycle's overview."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from pesco_review.accounts.models import User
from pesco_review.listing import Listing, listing, url_of_each
from pesco_review.permissions import may
from projects.models import Domain
from reviews.enums import CycleState, ReportState
from reviews.filters import CycleReportFilters
from reviews.models import Approval, ConsolidatedReview, ReviewCycle, StatusReport
from reviews.selectors import conditions
from reviews.selectors.consolidated import consolidated_versions
from reviews.selectors.content import body_decisions


def current_cycle() -> ReviewCycle | None:
    """The cycle people work in now: the latest open one, else the latest of any state."""
    return (
        ReviewCycle.objects.filter(state=CycleState.OPEN).order_by("-year").first()
        or ReviewCycle.objects.order_by("-year").first()
    )


def cycle_list() -> QuerySet[ReviewCycle]:
    return ReviewCycle.objects.annotate(report_count=Count("reports")).order_by("-year")


@dataclass(frozen=True)
class ReportRow:
    """One report in a list: its page's URL, its state, each required body's decision, whether
    it is late."""

    report: StatusReport
    url: str
    decisions: list[tuple[str, bool]]
    is_overdue: bool


def report_rows() -> Callable[[StatusReport], ReportRow]:
    """What makes each report of a list its row; the URLs of its pages reversed once."""
    url = url_of_each("reviews:report")

    def row(report: StatusReport) -> ReportRow:
        return ReportRow(
            report=report,
            url=url(report.pk),
            decisions=body_decisions(report),
            is_overdue=report.is_overdue,
        )

    return row


# What a list of reports shows: never the narratives (only the report page reads them).
REPORT_LIST_FIELDS = (
    "project",
    "cycle",
    "state",
    "revision",
    "submitted_at",
    "extended_deadline",
    "answer_by",
    "last_saved_at",
    "project__name",
    "project__acronym",
    "project__domain",
    "project__domain__name",
    "cycle__year",
    "cycle__submission_deadline",
    "cycle__required_bodies",
)


def report_list(reports: QuerySet[StatusReport]) -> QuerySet[StatusReport]:
    """Reports as a list shows them: their project, domain and cycle joined, the approvals
    (each body's decision) prefetched, no narrative loaded."""
    return (
        reports.select_related("project__domain", "cycle")
        .only(*REPORT_LIST_FIELDS)
        .prefetch_related(
            Prefetch("approvals", Approval.objects.only("report", "revision", "body"))
        )
    )


@dataclass(frozen=True)
class ReportCounts:
    """A cycle's figures, from two grouped queries."""

    by_state: list[tuple[str, str, int]]  # (label, state, number of reports)
    by_body: list[tuple[str, int]]  # (body, reports whose current revision it approved)
    overdue: int
    not_approved: int


def report_counts(cycle: ReviewCycle) -> ReportCounts:
    """Counted in the database, whatever the number of reports: the reports by state, with how
    many of each are overdue, and the approvals of their current revisions by body. (Grouped
    queries: the one aggregate of a conditional COUNT per state and body cost twice the time,
    most of it Django building its SQL.)"""
    states = {
        state: (number, late)
        for state, number, late in cycle.reports.order_by()
        .values_list("state")
        .annotate(number=Count("pk"), late=Count("pk", filter=conditions.overdue()))
    }
    approved = dict(
        Approval.objects.filter(
            report__cycle=cycle, revision=F("report__revision"), body__in=cycle.required_bodies
        )
        .order_by()
        .values_list("body")
        .annotate(number=Count("report", distinct=True))
    )
    return ReportCounts(
        by_state=[(label, s, states.get(s, (0, 0))[0]) for s, label in ReportState.choices],
        by_body=[(b, approved.get(b, 0)) for b in cycle.required_bodies],
        overdue=sum(late for _, late in states.values()),
        not_approved=sum(n for s, (n, _) in states.items() if s not in ReportState.DECIDED),
    )


@dataclass(frozen=True)
class CyclePage:
    cycle: ReviewCycle
    listing: Listing  # its rows are ReportRows
    counts: ReportCounts
    versions: list[ConsolidatedReview]
    missing: int  # once the cycle is no longer open: the reports not approved
    may_export: bool  # the figures (CSV, XLSX)
    may_extend: bool  # the deadline of a report (asked once for the page, not for each row)


def cycle_page(*, user: User, year: int, params, page: str | None = None) -> CyclePage:
    """One page of the cycle's reports (state only: content needs view_report), each body's
    decision and what is late, searched, filtered and sorted as the URL says; the cycle's
    figures counted in the database."""
    cycle = get_object_or_404(ReviewCycle, year=year)
    filters = CycleReportFilters(
        params, report_list(cycle.reports.all()), domains=list(Domain.objects.all())
    )
    counts = report_counts(cycle)
    return CyclePage(
        cycle=cycle,
        listing=listing(filters, page, row=report_rows()),
        counts=counts,
        versions=consolidated_versions(user=user, cycle=cycle),
        missing=0 if cycle.is_open else counts.not_approved,
        may_export=may(user, "reviews.export_figures", cycle),
        may_extend=may(user, "reviews.grant_extension"),
    )
