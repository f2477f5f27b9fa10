"""A project's reports across the review cycles, for the project page: only the reports the user
may open, each with its content as the report page shows it to them (the project's own people
read what is saved; everybody else what was last submitted, never a draft), newest first."""

from dataclasses import dataclass

from django.db.models import Case, Prefetch, QuerySet, Subquery, When

from pesco_review.accounts.models import User
from projects.models import Project
from reviews.enums import ReportState
from reviews.models import MilestoneUpdate, StatusReport
from reviews.selectors.content import Content, content_saved, content_submitted
from reviews.selectors.diffs import current_submissions
from reviews.selectors.reports import reports_visible_to, sees_work_in_progress


@dataclass(frozen=True)
class YearRow:
    year: int
    url: str
    state: str
    state_label: str
    is_demo: bool
    as_submitted: bool  # the content shown is the last submission, not the saved revision
    assessment: str  # "" when not given
    assessment_label: str
    dated: int  # milestones with a forecast or an achievement date
    late: int  # of which later than their baseline
    largest_slippage: int | None  # days; None when no milestone has a date

    @property
    def slippage_label(self) -> str:
        days = self.largest_slippage
        if days is None:
            return "no milestone dated"
        return f"{days:+d} days" if days else "on baseline"


@dataclass(frozen=True)
class ProjectYears:
    rows: list[YearRow]  # newest first


def _last_submitted(key: str) -> Case:
    """For a report sent back: one key of the snapshot taken when its current revision was
    (last) submitted. Other reports' saved rows are what was submitted."""
    return Case(When(state=ReportState.CHANGES_REQUESTED, then=_snapshot(key)), default=None)


def _snapshot(key: str) -> Subquery:
    return Subquery(current_submissions().values(f"snapshot__{key}")[:1])


def _reports(user: User, project: Project) -> QuerySet[StatusReport]:
    """The project's reports the user may open, with what the rows need: 2 queries in all."""
    updates = MilestoneUpdate.objects.select_related("milestone").order_by("milestone__position")
    return (
        reports_visible_to(user=user)
        .filter(project=project)
        .select_related("cycle", "phase_reported")
        .prefetch_related(Prefetch("updates", updates))
        .annotate(
            submitted_assessment=_last_submitted("assessment_key"),
            submitted_milestones=_last_submitted("milestones"),
        )
        .order_by("-cycle__year")
    )


def _content(user: User, report: StatusReport) -> tuple[Content, bool]:
    """(what the report says for this user, whether it is the last submission)."""
    if sees_work_in_progress(user=user, report=report):
        return content_saved(report), False
    data = {
        "assessment_key": getattr(report, "submitted_assessment", None) or "",
        "milestones": getattr(report, "submitted_milestones", None) or {},
    }
    return content_submitted(report, data), True


def _row(user: User, report: StatusReport) -> YearRow:
    content, as_submitted = _content(user, report)
    days = [m.slippage_days for m in content.milestones if m.slippage_days is not None]
    return YearRow(
        year=report.cycle.year,
        url=report.get_absolute_url(),
        state=report.state,
        state_label=report.get_state_display(),
        is_demo=report.is_demo,
        as_submitted=as_submitted,
        assessment=content.assessment,
        assessment_label=content.assessment_label,
        dated=len(days),
        late=sum(1 for d in days if d > 0),
        largest_slippage=max(days, default=None),
    )


def project_years(*, user: User, project: Project) -> ProjectYears:
    """The project's reports of every cycle that this user may open, newest first."""
    return ProjectYears([_row(user, report) for report in _reports(user, project)])
