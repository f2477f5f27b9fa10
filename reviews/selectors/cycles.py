"""Reads of review cycles: the current one, the list, and a cycle's overview."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from reviews.enums import CycleState, ReportState
from reviews.models import Approval, ConsolidatedReview, ReviewCycle, StatusReport
from reviews.selectors.consolidated import consolidated_versions
from reviews.selectors.content import approved_bodies, body_decisions


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
    """One report in a list: its state, each required body's decision, whether it is late."""

    report: StatusReport
    decisions: list[tuple[str, bool]]
    is_overdue: bool

    @property
    def approved_by(self) -> set[str]:
        return {body for body, approved in self.decisions if approved}


def report_row(report: StatusReport, *, overdue: bool) -> ReportRow:
    return ReportRow(report=report, decisions=body_decisions(report), is_overdue=overdue)


@dataclass(frozen=True)
class CyclePage:
    cycle: ReviewCycle
    rows: list[ReportRow]
    counts: list[tuple[str, str, int]]  # (label, state, number of reports)
    body_counts: list[tuple[str, int]]  # (body, reports approved by it)
    overdue: list[ReportRow]
    versions: list[ConsolidatedReview]
    missing: list[StatusReport]  # once the cycle is no longer open: not approved
    may_export: bool  # the figures (CSV, XLSX)


def cycle_page(*, user: User, year: int) -> CyclePage:
    """Every project's report in the cycle (state only: content needs view_report), with each
    body's decision and what is late."""
    cycle = get_object_or_404(ReviewCycle, year=year)
    reports = list(
        cycle.reports.select_related("project__domain", "cycle")
        .prefetch_related(Prefetch("approvals", Approval.objects.order_by("decided_at")))
        .order_by("project__domain__position", "project__name")
    )
    rows = [report_row(r, overdue=r.is_overdue) for r in reports]
    counts = dict.fromkeys(ReportState.values, 0)
    for report in reports:
        counts[report.state] += 1
    return CyclePage(
        cycle=cycle,
        rows=rows,
        counts=[(ReportState(s).label, s, n) for s, n in counts.items()],
        body_counts=[
            (body, sum(1 for r in reports if body in approved_bodies(r)))
            for body in cycle.required_bodies
        ],
        overdue=[row for row in rows if row.is_overdue],
        versions=consolidated_versions(user=user, cycle=cycle),
        missing=[] if cycle.is_open else [r for r in reports if not r.is_decided],
        may_export=may(user, "reviews.export_figures", cycle),
    )
