"""Reads of cycles and reports, already joined so that a page never issues a query per row."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from projects.enums import ProjectRoleKind
from projects.rules import project_roles_of, sees_every_project
from projects.selectors import history_changes
from reviews.enums import CommentVisibility, ReportAction, ReportState
from reviews.models import (
    Approval,
    Comment,
    ConsolidatedReview,
    MilestoneProposal,
    MilestoneUpdate,
    ReportTransition,
    ReportView,
    ReviewCycle,
    StatusReport,
)
from reviews.services import DRAFT_SAVE_REASON
from reviews.workflow import missing_items, snapshot

SUBMISSIONS = (ReportAction.SUBMIT, ReportAction.RESUBMIT)


def current_cycle() -> ReviewCycle | None:
    """The cycle people work in now: the latest open one, else the latest of any state."""
    return (
        ReviewCycle.objects.filter(state="open").order_by("-year").first()
        or ReviewCycle.objects.order_by("-year").first()
    )


def reports_visible_to(*, user, cycle: ReviewCycle | None = None) -> QuerySet[StatusReport]:
    """Reports a user may open: their projects' reports, or every submitted one for the
    secretariat and leadership (a draft that was never submitted stays with its coordinator)."""
    reports = StatusReport.objects.all()
    if cycle is not None:
        reports = reports.filter(cycle=cycle)
    own = Q(project_id__in=list(project_roles_of(user)))
    if sees_every_project(user):
        return reports.filter(own | Q(submitted_at__isnull=False))
    return reports.filter(own)


def report_list(*, user, cycle: ReviewCycle) -> QuerySet[StatusReport]:
    """Every report of a cycle for the overview (state only: content needs view_report)."""
    return (
        cycle.reports.select_related("project__domain", "cycle")
        .prefetch_related(Prefetch("approvals", Approval.objects.order_by("decided_at")))
        .order_by("project__domain__position", "project__name")
    )


def review_queue(
    *,
    user,
    cycle: ReviewCycle,
    state: str = "",
    domain: str = "",
    undecided: bool = False,
    overdue: bool = False,
) -> list[StatusReport]:
    reports = (
        reports_visible_to(user=user, cycle=cycle)
        .filter(submitted_at__isnull=False)
        .select_related("project__domain", "cycle")
        .prefetch_related("approvals")
        .order_by("submitted_at")
    )
    if state:
        reports = reports.filter(state=state)
    if domain:
        reports = reports.filter(project__domain__slug=domain)
    rows = list(reports)
    today = timezone.localdate()
    for report in rows:
        decide(report)
        report.is_overdue = report.state == ReportState.SUBMITTED and today > cycle.review_deadline
    if undecided and user.secretariat_body:
        rows = [
            r
            for r in rows
            if r.state == ReportState.SUBMITTED and user.secretariat_body not in r.decided_bodies
        ]
    if overdue:
        rows = [r for r in rows if r.is_overdue]
    return rows


def decide(report: StatusReport) -> StatusReport:
    """Attach which required bodies approved the current revision (from prefetched approvals)."""
    report.decided_bodies = {
        a.body for a in report.approvals.all() if a.revision == report.revision
    }
    report.body_decisions = [
        (body, body in report.decided_bodies) for body in report.cycle.required_bodies
    ]
    return report


def report_detail(*, user, pk: int) -> StatusReport:
    """A report the user may see, with everything the page shows; Http404 otherwise."""
    try:
        report = (
            StatusReport.objects.select_related("cycle", "project__domain", "phase_reported")
            .prefetch_related(
                Prefetch(
                    "updates",
                    MilestoneUpdate.objects.select_related("milestone").order_by(
                        "milestone__position"
                    ),
                ),
                Prefetch("approvals", Approval.objects.select_related("reviewer")),
                Prefetch(
                    "proposals",
                    MilestoneProposal.objects.select_related("proposed_by", "decided_by"),
                ),
            )
            .get(pk=pk)
        )
    except StatusReport.DoesNotExist as error:
        raise Http404("No such report.") from error
    if not user.has_perm("reviews.view_report", report):
        raise Http404("No such report.")
    return decide(report)


def comments_for(*, user, report: StatusReport) -> list[Comment]:
    """The comments this user may read: internal ones only for the secretariat."""
    comments = report.comments.select_related(
        "author__member_state", "resolved_by", "update__milestone"
    )
    if not user.has_perm("reviews.view_internal_comments"):
        comments = comments.filter(visibility=CommentVisibility.SHARED)
    return list(comments.order_by("created_at", "pk"))


def transitions_for(report: StatusReport) -> list[ReportTransition]:
    return list(report.transitions.select_related("actor").order_by("at", "pk"))


@dataclass
class FieldChange:
    label: str
    old: object
    new: object


@dataclass
class Diff:
    against: str
    fields: list[FieldChange] = field(default_factory=list)
    milestones: list[tuple[str, list[FieldChange]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.fields and not self.milestones


LABELS = {
    "assessment": "Overall assessment",
    "phase_reported": "Lifecycle phase reached",
    "summary": "Summary",
    "achievements": "Achievements of the year",
    "risks": "Risks and mitigation",
    "next_year_plan": "Next year's plan",
    "resources": "Resources",
    "eu_cooperation": "Cooperation with EU bodies",
    "status": "Status",
    "percent_complete": "Percent complete",
    "forecast_date": "Forecast date",
    "achieved_on": "Achieved on",
    "narrative": "Narrative",
}


def diff(old: dict, new: dict, *, against: str) -> Diff:
    """Field by field and milestone by milestone, what differs between two snapshots."""
    result = Diff(against=against)
    for name, label in LABELS.items():
        if name in new and name != "milestones" and old.get(name) != new.get(name):
            result.fields.append(FieldChange(label, old.get(name), new.get(name)))
    old_m, new_m = old.get("milestones", {}), new.get("milestones", {})
    for key in sorted(
        set(old_m) | set(new_m), key=lambda k: (new_m.get(k) or old_m.get(k))["position"]
    ):
        before, after = old_m.get(key), new_m.get(key)
        title = f"Milestone {(after or before)['position']} “{(after or before)['title']}”"
        if before is None:
            result.milestones.append((title, [FieldChange("Milestone", "—", "added")]))
            continue
        if after is None:
            result.milestones.append(
                (
                    title,
                    [
                        FieldChange(
                            "Milestone", "reported", "not in this report (achieved or withdrawn)"
                        )
                    ],
                )
            )
            continue
        changes = [
            FieldChange(LABELS[name], before.get(name), after.get(name))
            for name in ("status", "percent_complete", "forecast_date", "achieved_on", "narrative")
            if before.get(name) != after.get(name)
        ]
        if changes:
            result.milestones.append((title, changes))
    return result


def submitted_snapshot(report: StatusReport, revision: int) -> dict | None:
    transition = (
        report.transitions.filter(action__in=SUBMISSIONS, revision=revision)
        .filter(snapshot__isnull=False)
        .order_by("-at")
        .first()
    )
    return transition.snapshot if transition else None


def sees_work_in_progress(*, user, report: StatusReport) -> bool:
    """Whether the user may see text the coordinator has not (re)submitted: only the project's
    own people. Everybody else sees a report sent back for changes as it was last submitted."""
    own = project_roles_of(user).get(report.project_id) is not None
    return own or report.state != ReportState.CHANGES_REQUESTED


def show_as_submitted(report: StatusReport, updates: list[MilestoneUpdate]) -> list:
    """Put the last submitted content into the (unsaved) report and updates, for display."""
    data = submitted_snapshot(report, report.revision) or {}
    report.assessment = data.get("assessment_key", "")
    report.phase_reported_id = data.get("phase_id")
    for name in StatusReport.NARRATIVE_FIELDS:
        setattr(report, name, data.get(name, ""))
    shown = []
    for update in updates:
        values = data.get("milestones", {}).get(str(update.milestone_id))
        if values is None:
            continue  # added since the submission
        update.status = values.get("status_key", "")
        update.percent_complete = values.get("percent_complete")
        update.forecast_date = _iso(values.get("forecast_date"))
        update.achieved_on = _iso(values.get("achieved_on"))
        update.narrative = values.get("narrative", "")
        shown.append(update)
    return shown


def _iso(value: str | None):
    return date.fromisoformat(value) if value else None


def report_diffs(*, user, report: StatusReport) -> list[Diff]:
    """What changed since the revision this user last saw, and since last year's approved report."""
    if sees_work_in_progress(user=user, report=report):
        current = snapshot(report)
    else:
        current = submitted_snapshot(report, report.revision) or {}
    diffs = []
    seen = ReportView.objects.filter(report=report, user=user).first()
    if seen is not None and seen.revision < report.revision:
        old = submitted_snapshot(report, seen.revision)
        if old is not None:
            diffs.append(
                diff(old, current, against=f"revision {seen.revision}, which you last saw")
            )
    last_year = (
        StatusReport.objects.filter(
            project_id=report.project_id,
            cycle__year__lt=report.cycle.year,
            state=ReportState.APPROVED,
        )
        .order_by("-cycle__year")
        .first()
    )
    if last_year is not None:
        old = submitted_snapshot(last_year, last_year.revision)
        if old is not None:
            diffs.append(diff(old, current, against=f"the approved {last_year.cycle.year} report"))
    return diffs


def mark_seen(*, user, report: StatusReport) -> None:
    """Remember the revision a secretariat member has now seen."""
    if report.submitted_at is None or not user.has_perm("reviews.view_review_queue"):
        return
    ReportView.objects.update_or_create(
        report=report, user=user, defaults={"revision": report.revision}
    )


@dataclass(frozen=True)
class HistoryLine:
    when: datetime
    who: str
    what: str
    changes: list[str]


def report_history(
    report: StatusReport, *, drafts: bool = True, limit: int = 200
) -> list[HistoryLine]:
    """Every saved version of the report and its milestone updates, newest first (2 queries).

    With drafts=False (for the secretariat), the coordinator's draft saves are left out: each
    workflow step then shows what changed since the step before it.
    """
    lines = []
    records = [("report", report.history.select_related("history_user"))]
    if drafts:
        records.append(
            (
                "milestone",
                MilestoneUpdate.history.filter(report_id=report.pk).select_related(
                    "history_user", "milestone"
                ),
            )
        )
    else:
        records = [("report", records[0][1].exclude(history_change_reason=DRAFT_SAVE_REASON))]
    for kind, history in records:
        previous: dict[int, object] = {}
        for record in reversed(list(history.order_by("-history_date", "-history_id")[:limit])):
            if kind == "report":
                what = record.history_change_reason or "Saved"
            else:
                what = f"Milestone {record.milestone.position} “{record.milestone.title}” updated"
            changes = history_changes(previous.get(record.id), record)
            previous[record.id] = record
            if record.history_type == "~" and not changes and kind == "milestone":
                continue
            lines.append(
                HistoryLine(
                    when=record.history_date,
                    who=str(record.history_user) if record.history_user else "system",
                    what=what,
                    changes=[c for c in changes if not c.startswith("version:")],
                )
            )
    lines.sort(key=lambda line: line.when, reverse=True)
    return lines[:limit]


def home_summary(*, user) -> dict:
    """What a user's home page shows of the current cycle, whatever their roles (≤ 3 queries)."""
    cycle = current_cycle()
    summary: dict = {
        "cycle": cycle,
        "my_reports": [],
        "queue_count": None,
        "state_counts": None,
        "published_review": None,
    }
    if user.has_perm("reviews.view_consolidated"):
        summary["published_review"] = (
            ConsolidatedReview.objects.filter(published_at__isnull=False)
            .select_related("cycle")
            .order_by("-cycle__year", "-version")
            .first()
        )
    if cycle is None:
        return summary
    coordinated = [
        pk for pk, role in project_roles_of(user).items() if role == ProjectRoleKind.COORDINATOR
    ]
    if coordinated:
        reports = list(
            cycle.reports.filter(project_id__in=coordinated)
            .select_related("project", "cycle")
            .prefetch_related(
                Prefetch("updates", MilestoneUpdate.objects.select_related("milestone"))
            )
            .order_by("project__name")
        )
        today = timezone.localdate()
        for report in reports:
            report.days_left = (report.deadline - today).days
            report.missing = (
                missing_items(report)
                if report.state in {ReportState.DRAFT, ReportState.CHANGES_REQUESTED}
                else []
            )
        summary["my_reports"] = reports
    membered = [pk for pk, role in project_roles_of(user).items() if role == ProjectRoleKind.MEMBER]
    summary["member_reports"] = (
        list(
            cycle.reports.filter(project_id__in=membered)
            .select_related("project")
            .order_by("project__name")
        )
        if membered
        else []
    )
    if user.secretariat_body:
        summary["queue_count"] = len(
            review_queue(user=user, cycle=cycle, state=ReportState.SUBMITTED, undecided=True)
        )
    if user.has_perm("reviews.view_cycle_overview"):
        counts = dict(
            cycle.reports.order_by()
            .values("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        summary["state_counts"] = [
            (label, value, counts.get(value, 0)) for value, label in ReportState.choices
        ]
    return summary


def consolidated_versions(*, user, cycle: ReviewCycle) -> list:
    """The versions of a cycle's review this user may see: all for the lead, the published
    ones for leadership."""
    if not user.has_perm("reviews.view_consolidated"):
        return []
    versions = cycle.consolidated.select_related("requested_by", "published_by").order_by(
        "-version"
    )
    if not user.has_perm("reviews.build_review"):
        versions = versions.filter(published_at__isnull=False)
    return list(versions)


def consolidated_for_download(*, user, pk: int):
    """A succeeded version this user may download; Http404 otherwise (whether it exists or not)."""
    review = (
        ConsolidatedReview.objects.select_related("cycle").filter(pk=pk, state="succeeded").first()
    )
    if review is None or not user.has_perm("reviews.download_review", review):
        raise Http404("No such document.")
    return review
