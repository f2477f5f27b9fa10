"""A user's home page: the current cycle as their roles see it, and the projects they may see."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from projects import selectors as project_selectors
from projects.enums import ProjectRoleKind
from projects.models import Project
from projects.rules import project_roles_of
from reviews.enums import ReportState
from reviews.models import ConsolidatedReview, MilestoneUpdate, ReviewCycle, StatusReport
from reviews.selectors.consolidated import latest_published
from reviews.selectors.content import missing_items
from reviews.selectors.cycles import current_cycle
from reviews.selectors.queue import QueueFilters, review_queue


@dataclass(frozen=True)
class MyReport:
    """A coordinator's report: what is still missing before it can be submitted."""

    report: StatusReport
    missing: list[str]


@dataclass
class HomePage:
    cycle: ReviewCycle | None
    coordinated: list[Project]
    membered: list[Project]
    others: list[Project]
    in_review_count: int
    published_review: ConsolidatedReview | None = None
    my_reports: list[MyReport] = field(default_factory=list)
    member_reports: list[StatusReport] = field(default_factory=list)
    queue_count: int | None = None
    state_counts: list[tuple[str, str, int]] | None = None


def _ids(user: User, role: str) -> list[int]:
    return [pk for pk, kind in project_roles_of(user).items() if kind == role]


def _my_reports(cycle: ReviewCycle, project_ids: list[int]) -> list[MyReport]:
    reports = (
        cycle.reports.filter(project_id__in=project_ids)
        .select_related("project", "cycle")
        .prefetch_related(Prefetch("updates", MilestoneUpdate.objects.select_related("milestone")))
        .order_by("project__name")
    )
    return [MyReport(r, missing_items(r) if r.is_editable else []) for r in reports]


def _state_counts(cycle: ReviewCycle) -> list[tuple[str, str, int]]:
    counts = dict(
        cycle.reports.order_by().values("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    return [(label, value, counts.get(value, 0)) for value, label in ReportState.choices]


def home_page(*, user: User) -> HomePage:
    """The projects a user may see, grouped by the user's part in them, and what each of their
    roles does in the current cycle."""
    projects = list(project_selectors.project_list(user=user))
    roles = project_roles_of(user)
    page = HomePage(
        cycle=current_cycle(),
        coordinated=[p for p in projects if roles.get(p.pk) == ProjectRoleKind.COORDINATOR],
        membered=[p for p in projects if roles.get(p.pk) == ProjectRoleKind.MEMBER],
        others=[p for p in projects if p.pk not in roles],
        in_review_count=sum(1 for p in projects if p.takes_part_in_reviews),
    )
    if may(user, "reviews.view_consolidated"):
        page.published_review = latest_published()
    cycle = page.cycle
    if cycle is None:
        return page
    if coordinated := _ids(user, ProjectRoleKind.COORDINATOR):
        page.my_reports = _my_reports(cycle, coordinated)
    if membered := _ids(user, ProjectRoleKind.MEMBER):
        page.member_reports = list(
            cycle.reports.filter(project_id__in=membered)
            .select_related("project", "cycle")
            .order_by("project__name")
        )
    if user.secretariat_body:
        waiting = QueueFilters(state=ReportState.SUBMITTED, undecided=True)
        page.queue_count = len(review_queue(user=user, cycle=cycle, filters=waiting))
    if may(user, "reviews.view_cycle_overview"):
        page.state_counts = _state_counts(cycle)
    return page
