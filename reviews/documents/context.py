"""Everything the consolidated review shows, read in a fixed number of queries into plain
dataclasses. The builders (pdf.py, docx.py, exports.py) take this and never touch the ORM."""

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from projects.enums import ParticipationRole, PhaseSlug
from projects.models import MemberState, Participation, Project
from reviews.enums import Assessment, CommentVisibility, MilestoneStatus, ReportState
from reviews.models import Comment, MilestoneUpdate, ReviewCycle, StatusReport

NO_DOMAIN = "Domain not recorded"
DELAYED = {Assessment.MINOR_DELAYS, Assessment.MAJOR_DELAYS, Assessment.CRITICAL}
ROLE_LETTER: dict[str, str] = {
    ParticipationRole.COORDINATOR: "C",
    ParticipationRole.PARTICIPANT: "P",
    ParticipationRole.OBSERVER: "O",
}


@dataclass
class MilestoneRow:
    position: int
    title: str
    status: str
    percent: int | None
    baseline: str
    forecast: str
    achieved: str
    slippage_days: int | None
    narrative: str


@dataclass
class ProjectPage:
    acronym: str
    name: str
    domain: str
    phase: str
    assessment: str
    assessment_key: str
    revision: int
    coordinators: list[str]
    summary: str
    achievements: str
    risks: str
    next_year_plan: str
    resources: str
    eu_cooperation: str
    milestones: list[MilestoneRow]
    secretariat_comments: list[dict]
    approvals: list[str]


@dataclass
class DomainSection:
    name: str
    projects: list[ProjectPage]


@dataclass
class Count:
    label: str
    value: int


@dataclass
class Figures:
    projects_in_review: int
    reports_approved: int
    by_domain: list[Count]
    by_phase: list[Count]
    by_assessment: list[Count]
    milestones: list[Count]
    moved_phase: list[str]
    reached_execution_or_foc: list[str]
    at_foc: list[str]
    facing_delays: list[str]
    critical: list[str]
    year_on_year: list[dict] = field(default_factory=list)


@dataclass
class ReviewContext:
    year: int
    version: int
    marking: str
    generated_at: str
    generated_by: str
    previous_year: int | None
    figures: Figures
    domains: list[DomainSection]
    missing: list[dict]
    participation_states: list[str]
    participation_matrix: list[dict]
    participation_changes: list[dict]
    built_from: list[dict]

    def as_json(self) -> dict:
        return asdict(self)


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _counts(values, order) -> list[Count]:
    counter = Counter(values)
    return [Count(label, counter.get(key, 0)) for key, label in order]


def _approved_reports(cycle: ReviewCycle):
    shared = Comment.objects.filter(visibility=CommentVisibility.SHARED).select_related("author")
    return list(
        cycle.reports.filter(state=ReportState.APPROVED)
        .select_related("project__domain", "phase_reported")
        .prefetch_related(
            Prefetch(
                "updates",
                MilestoneUpdate.objects.select_related("milestone").order_by("milestone__position"),
            ),
            Prefetch("comments", shared.order_by("created_at"), to_attr="shared_comments"),
            "approvals__reviewer",
        )
        .order_by("project__domain__position", "project__name")
    )


def _milestone_rows(report: StatusReport) -> list[MilestoneRow]:
    return [
        MilestoneRow(
            position=u.milestone.position,
            title=u.milestone.title,
            status=u.get_status_display() if u.status else "not given",
            percent=u.percent_complete,
            baseline=_d(u.milestone.baseline_due),
            forecast=_d(u.forecast_date),
            achieved=_d(u.achieved_on),
            slippage_days=u.slippage_days,
            narrative=u.narrative,
        )
        for u in report.updates.all()
    ]


def _is_secretariat(user) -> bool:
    return bool(user.secretariat_body) or user.is_secretariat_lead


def build_context(*, cycle: ReviewCycle, version: int = 0, generated_by: str = "") -> ReviewContext:
    """Read the cycle once: 10 queries, whatever the number of projects and reports."""
    reports = _approved_reports(cycle)  # 5 queries
    previous = ReviewCycle.objects.filter(year__lt=cycle.year).order_by("-year").first()  # 1 query
    previous_reports = (
        {
            r.project_id: r
            for r in previous.reports.filter(state=ReportState.APPROVED).select_related(
                "phase_reported"
            )
        }
        if previous
        else {}
    )  # 1 query
    in_review = list(Project.objects.in_review().select_related("domain").order_by("name"))
    all_reports = {
        r.project_id: r for r in cycle.reports.only("id", "project_id", "state", "revision")
    }  # 1 query
    participations = list(
        Participation.objects.filter(until__isnull=True, project__in=[p.pk for p in in_review])
        .select_related("state")
        .order_by("state__name")
    )  # 1 query
    states = list(MemberState.objects.order_by("kind", "name"))  # 1 query

    coordinators: dict[int, list[str]] = {}
    roles: dict[int, dict[str, str]] = {}
    for p in participations:
        roles.setdefault(p.project_id, {})[p.state.code] = ROLE_LETTER[p.role]
        if p.role == ParticipationRole.COORDINATOR:
            coordinators.setdefault(p.project_id, []).append(p.state.name)

    sections: dict[str, list[ProjectPage]] = {}
    moved, reached, at_foc = [], [], []
    for report in reports:
        project = report.project
        phase = report.phase_reported
        before = previous_reports.get(project.pk)
        before_phase = before.phase_reported if before else None
        if phase and before_phase and phase.position > before_phase.position:
            moved.append(project.acronym)
            if phase.slug in PhaseSlug.EXECUTION_OR_LATER:
                reached.append(project.acronym)
        if phase and phase.slug == PhaseSlug.FULL_OPERATING_CAPABILITY:
            at_foc.append(project.acronym)
        page = ProjectPage(
            acronym=project.acronym,
            name=project.name,
            domain=project.domain.name if project.domain else NO_DOMAIN,
            phase=str(phase) if phase else "not given",
            assessment=report.get_assessment_display(),
            assessment_key=report.assessment,
            revision=report.revision,
            coordinators=coordinators.get(project.pk, []),
            summary=report.summary,
            achievements=report.achievements,
            risks=report.risks,
            next_year_plan=report.next_year_plan,
            resources=report.resources,
            eu_cooperation=report.eu_cooperation,
            milestones=_milestone_rows(report),
            secretariat_comments=[
                {
                    "author": str(c.author),
                    "body": c.body,
                    "date": _d(timezone.localdate(c.created_at)),
                }
                for c in report.shared_comments
                if _is_secretariat(c.author)
            ],
            approvals=[
                f"{a.body} ({a.reviewer}, {timezone.localdate(a.decided_at):%d %b %Y})"
                for a in sorted(report.approvals.all(), key=lambda a: a.body)
                if a.revision == report.revision
            ],
        )
        sections.setdefault(page.domain, []).append(page)

    statuses = [u.status for r in reports for u in r.updates.all()]
    figures = Figures(
        projects_in_review=len(in_review),
        reports_approved=len(reports),
        by_domain=[
            Count(name, len(pages))
            for name, pages in sorted(sections.items(), key=lambda item: item[0] == NO_DOMAIN)
        ],
        by_phase=_counts(
            [str(r.phase_reported) if r.phase_reported else "not given" for r in reports],
            [(label, label) for label in _phase_labels(reports)],
        ),
        by_assessment=_counts([r.assessment for r in reports], Assessment.choices),
        milestones=_counts(statuses, MilestoneStatus.choices),
        moved_phase=moved,
        reached_execution_or_foc=reached,
        at_foc=at_foc,
        facing_delays=[
            r.project.acronym
            for r in reports
            if r.assessment in DELAYED
            or any(
                u.status in {MilestoneStatus.DELAYED, MilestoneStatus.AT_RISK}
                for u in r.updates.all()
            )
        ],
        critical=[r.project.acronym for r in reports if r.assessment == Assessment.CRITICAL],
    )
    if previous_reports:
        prev = list(previous_reports.values())
        figures.year_on_year = [
            {"label": "Reports approved", "previous": len(prev), "current": len(reports)},
            *(
                {
                    "label": label,
                    "previous": sum(1 for r in prev if r.assessment == key),
                    "current": sum(1 for r in reports if r.assessment == key),
                }
                for key, label in Assessment.choices
            ),
        ]

    since = _since(previous)
    changes = _participation_changes(since, [p.pk for p in in_review]) if since else []  # 1 query
    missing = []
    for project in in_review:
        report = all_reports.get(project.pk)
        if report is None:
            missing.append({"acronym": project.acronym, "name": project.name, "state": "no report"})
        elif report.state != ReportState.APPROVED:
            missing.append(
                {
                    "acronym": project.acronym,
                    "name": project.name,
                    "state": ReportState(report.state).label.lower(),
                }
            )
    codes = [s.code for s in states]
    return ReviewContext(
        year=cycle.year,
        version=version,
        marking=cycle.handling_marking,
        generated_at=timezone.localtime().strftime("%d %B %Y, %H:%M"),
        generated_by=generated_by,
        previous_year=previous.year if previous else None,
        figures=figures,
        domains=[
            DomainSection(name, pages)
            for name, pages in sorted(
                sections.items(), key=lambda item: item[0] == NO_DOMAIN
            )  # stable: the domains' own order, "not recorded" last
        ],
        missing=missing,
        participation_states=codes,
        participation_matrix=[
            {
                "acronym": project.acronym,
                "cells": [roles.get(project.pk, {}).get(code, "") for code in codes],
            }
            for project in in_review
        ],
        participation_changes=changes,
        built_from=[
            {"report": r.pk, "project": r.project.acronym, "revision": r.revision} for r in reports
        ],
    )


def _phase_labels(reports) -> list[str]:
    phases = {r.phase_reported for r in reports if r.phase_reported}
    labels = [str(p) for p in sorted(phases, key=lambda p: p.position)]
    if any(r.phase_reported is None for r in reports):
        labels.append("not given")
    return labels


def _since(previous: ReviewCycle | None) -> datetime | None:
    if previous is None:
        return None
    if previous.opened_at:
        return previous.opened_at
    return timezone.make_aware(datetime.combine(previous.opens, datetime.min.time()))


def _participation_changes(since: datetime, project_ids: list[int]) -> list[dict]:
    """Joins, new observers, role changes and departures since `since`, from history."""
    records = (
        Participation.history.filter(history_date__gte=since, project_id__in=project_ids)
        .filter(Q(history_type="+") | Q(until__gte=since.date()))
        .select_related("state", "project")
        .order_by("state__name", "history_date")
    )
    changes, seen = [], set()
    for record in records:
        if record.until is not None:
            if record.until < since.date():
                continue  # recorded lately, but ended before the previous cycle
            what = f"left ({record.get_role_display().lower()} until {record.until:%d %b %Y})"
        elif record.role == ParticipationRole.OBSERVER:
            what = "new observer"
        else:
            what = f"joined as {record.get_role_display().lower()}"
        key = (record.state.code, record.project.acronym, what)
        if key in seen:
            continue
        seen.add(key)
        changes.append(
            {"state": record.state.name, "project": record.project.acronym, "change": what}
        )
    return changes
