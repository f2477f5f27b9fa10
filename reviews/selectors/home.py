"""A user's home page: what their roles do in the current cycle, their own projects, and counts
with links to the full lists (never the whole register)."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from projects import selectors as project_selectors
from projects.enums import ProjectRoleKind, ProjectStatus
from projects.models import Project
from projects.rules import project_roles_of
from reviews.models import ConsolidatedReview, MilestoneUpdate, ReviewCycle, StatusReport
from reviews.selectors.consolidated import latest_published
from reviews.selectors.content import missing_items
from reviews.selectors.cycles import (
    ReportCounts,
    ReportRow,
    current_cycle,
    report_counts,
    report_rows,
)
from reviews.selectors.queue import waiting_for_body

# A person's own projects and reports are listed up to this many (more: the project list).
OWN_LIMIT = 50
# The reports waiting longest that a reviewer's or the lead's home page names.
NEXT_COUNT = 5


@dataclass(frozen=True)
class MyReport:
    """A coordinator's report: what is still missing before it can be submitted."""

    report: StatusReport
    missing: list[str]


@dataclass
class HomePage:
    cycle: ReviewCycle | None
    project_count: int  # the projects the user may see
    in_review_count: int  # of which take part in review cycles
    coordinated: list[Project] = field(default_factory=list)
    membered: list[Project] = field(default_factory=list)
    own_count: int = 0  # the user's own projects (some may not be listed: OWN_LIMIT)
    published_review: ConsolidatedReview | None = None
    my_reports: list[MyReport] = field(default_factory=list)
    member_reports: list[StatusReport] = field(default_factory=list)
    queue_count: int | None = None  # waiting for the user's body (the lead: for anyone)
    next_reports: list[ReportRow] = field(default_factory=list)  # the longest waiting
    counts: ReportCounts | None = None

    @property
    def own_listed(self) -> int:
        return len(self.coordinated) + len(self.membered)


def _ids(user: User, role: str) -> list[int]:
    return [pk for pk, kind in project_roles_of(user).items() if kind == role]


def _my_reports(cycle: ReviewCycle, project_ids: list[int]) -> list[MyReport]:
    """The coordinator's own reports, whole: what is missing needs their text (they are few)."""
    reports = (
        cycle.reports.filter(project_id__in=project_ids)
        .select_related("project", "cycle")
        .prefetch_related(Prefetch("updates", MilestoneUpdate.objects.select_related("milestone")))
        .order_by("project__name")
    )
    return [MyReport(r, missing_items(r) if r.is_editable else []) for r in reports[:OWN_LIMIT]]


def _own_projects(page: HomePage, user: User) -> None:
    roles = project_roles_of(user)
    page.own_count = len(roles)
    if not roles:
        return
    projects = project_selectors.project_list(user=user).filter(pk__in=list(roles))
    for project in projects.order_by("name")[:OWN_LIMIT]:
        if roles[project.pk] == ProjectRoleKind.COORDINATOR:
            page.coordinated.append(project)
        else:
            page.membered.append(project)


def _project_counts(user: User) -> dict[str, int]:
    closed = Q(status__in=[ProjectStatus.CLOSED, ProjectStatus.COMPLETED])
    return project_selectors.projects_visible_to(user=user).aggregate(
        total=Count("pk"), in_review=Count("pk", filter=~closed)
    )


def _cycle_work(page: HomePage, user: User, cycle: ReviewCycle) -> None:
    """What the user's roles do in the cycle: own reports, the queue, the cycle's figures."""
    if coordinated := _ids(user, ProjectRoleKind.COORDINATOR):
        page.my_reports = _my_reports(cycle, coordinated)
    if membered := _ids(user, ProjectRoleKind.MEMBER):
        page.member_reports = list(
            cycle.reports.filter(project_id__in=membered)
            .select_related("project", "cycle")
            .only(
                "project",
                "cycle",
                "state",
                "extended_deadline",
                "answer_by",
                "project__name",
                "project__acronym",
                "cycle__submission_deadline",
            )
            .order_by("project__name")[:OWN_LIMIT]
        )
    if may(user, "reviews.view_review_queue"):
        waiting = waiting_for_body(user=user, cycle=cycle)
        page.queue_count = waiting.count()
        row = report_rows()
        page.next_reports = [row(r) for r in waiting[:NEXT_COUNT]]
    if may(user, "reviews.view_cycle_overview"):
        page.counts = report_counts(cycle)


def home_page(*, user: User) -> HomePage:
    """The user's own projects, grouped by their part in them, how many projects they may see,
    and what each of their roles does in the current cycle."""
    counts = _project_counts(user)
    page = HomePage(
        cycle=current_cycle(),
        project_count=counts["total"],
        in_review_count=counts["in_review"],
    )
    _own_projects(page, user)
    if may(user, "reviews.view_consolidated"):
        page.published_review = latest_published()
    if page.cycle is not None:
        _cycle_work(page, user, page.cycle)
    return page
