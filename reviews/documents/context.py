"""Everything the consolidated review shows, read in a fixed number of queries into plain
dataclasses. The builders (pdf.py, docx.py, exports.py) take this and never touch the ORM."""

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from projects.enums import PhaseSlug
from projects.models import Project
from reviews.documents.conventions import (
    DEMO,
    UNCONFIRMED,
    eu_code,
    long_date,
    long_datetime,
    marked,
    project_title,
)
from reviews.documents.participation import (
    Membership,
    Participants,
    changes_since,
    matrix,
    memberships,
    participants,
    third_state_section,
)
from reviews.enums import Assessment, CycleState, MilestoneStatus, Narrative, ReportState
from reviews.models import (
    Attachment,
    MilestoneUpdate,
    ReviewCycle,
    SecretariatAssessment,
    StatusReport,
)

NO_DOMAIN = "Domain not recorded"
DELAYED = {Assessment.MINOR_DELAYS, Assessment.MAJOR_DELAYS, Assessment.CRITICAL}
# "On track" with a milestone this much later than its baseline contradicts itself.
LARGE_SLIPPAGE_DAYS = 180
NO_COMPARISON = "no previous cycle to compare with"


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
    narratives: list[dict]  # {"label", "text"}, in the report's order
    milestones: list[MilestoneRow]
    secretariat_assessment: str  # the lead's consolidated text; "" if none was written
    approvals: list[str]
    title: str = ""  # the name with its acronym, the acronym not repeated
    demo: bool = False  # a demonstration report: its values are invented
    membership: str = ""  # complete, partial, not recorded
    member_states: int | None = None  # participating Member States; None: not recorded
    third_states: list[str] = field(default_factory=list)
    domain_unconfirmed: bool = False  # the register's domain was inferred


@dataclass
class DomainSection:
    name: str
    projects: list[ProjectPage]


@dataclass
class Count:
    label: str
    value: int
    key: str = ""  # the status counted (an enum value), for the chart's colours; "" for none


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
    comparable: bool = True  # a previous cycle with approved reports to compare with
    moved_back: list[str] = field(default_factory=list)  # went back to an earlier phase
    third_states: int = 0
    projects_with_third_states: int = 0


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
    warnings: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)  # {"project", "name", "size", "sha256"}
    provisional: bool = False  # built while the cycle is open
    demo: bool = False  # built from demonstration data
    third_states: list[dict] = field(default_factory=list)  # {"code", "name", "projects"}
    member_states: list[dict] = field(default_factory=list)  # the matrix's columns
    no_comparison: str = NO_COMPARISON

    def as_json(self) -> dict:
        return asdict(self)


def _counts(values, order) -> list[Count]:
    counter = Counter(values)
    return [Count(label, counter.get(key, 0), key) for key, label in order]


def _consolidated_assessments():
    """The lead's consolidated texts, each with the history record of its current version (the
    provenance a version records). Comments and the bodies' own texts are never read."""
    current = SecretariatAssessment.history.filter(id=OuterRef("pk")).order_by(
        "-history_date", "-history_id"
    )
    return SecretariatAssessment.objects.filter(body="").annotate(
        history_id=Subquery(current.values("history_id")[:1])
    )


def _consolidated(report: StatusReport) -> SecretariatAssessment | None:
    """The report's consolidated assessment, if one with a text was written (prefetched)."""
    return next((a for a in report.secretariat_assessments.all() if a.text), None)


def _approved_reports(cycle: ReviewCycle):
    return list(
        _with_page_data(cycle.reports.filter(state=ReportState.APPROVED)).order_by(
            "project__domain__position", "project__name"
        )
    )


def _with_page_data(reports: QuerySet[StatusReport]) -> QuerySet[StatusReport]:
    """Reports with everything a project page shows: 6 queries, whatever their number."""
    return reports.select_related("project__domain", "phase_reported").prefetch_related(
        Prefetch(
            "updates",
            MilestoneUpdate.objects.select_related("milestone").order_by("milestone__position"),
        ),
        Prefetch("secretariat_assessments", _consolidated_assessments()),
        Prefetch(  # the report's own files (a comment's are the conversation's)
            "attachments", Attachment.objects.filter(comment__isnull=True).order_by("pk")
        ),
        "approvals__reviewer",
    )


def _milestone_rows(report: StatusReport) -> list[MilestoneRow]:
    return [
        MilestoneRow(
            position=u.milestone.position,
            title=marked(u.milestone.title, DEMO, u.milestone.is_demo or report.is_demo),
            status=marked(
                u.get_status_display() if u.status else "not given", DEMO, report.is_demo
            ),
            percent=u.percent_complete,
            baseline=long_date(u.milestone.baseline_due),
            forecast=long_date(u.forecast_date),
            achieved=long_date(u.achieved_on),
            slippage_days=u.slippage_days,
            narrative=u.narrative,
        )
        for u in report.updates.all()
    ]


@dataclass
class _Register:
    """What the document reads besides the approved reports: 5 queries."""

    previous: ReviewCycle | None
    previous_reports: dict[int, StatusReport]
    in_review: list[Project]
    all_reports: dict[int, StatusReport]
    participants: Participants


def _register(cycle: ReviewCycle) -> _Register:
    previous = ReviewCycle.objects.filter(year__lt=cycle.year).order_by("-year").first()
    previous_reports = (
        {
            r.project_id: r
            for r in previous.reports.filter(state=ReportState.APPROVED).select_related(
                "phase_reported"
            )
        }
        if previous
        else {}
    )
    in_review = list(Project.objects.in_review().select_related("domain").order_by("name"))
    all_reports = {
        r.project_id: r for r in cycle.reports.only("id", "project_id", "state", "revision")
    }
    return _Register(previous, previous_reports, in_review, all_reports, participants(in_review))


def _project_page(
    report: StatusReport, membership: Membership, names_reviewers: bool
) -> ProjectPage:
    project, phase, demo = report.project, report.phase_reported, report.is_demo
    coordinators = [
        marked(name, UNCONFIRMED, not membership.coordinators_verified)
        for name in membership.coordinators
    ]
    return ProjectPage(
        acronym=project.acronym,
        name=marked(project.name, "title unconfirmed", not project.name_verified),
        domain=project.domain.name if project.domain else NO_DOMAIN,
        phase=marked(str(phase) if phase else "not given", DEMO, demo),
        assessment=marked(report.get_assessment_display(), DEMO, demo),
        assessment_key=report.assessment,
        revision=report.revision,
        coordinators=coordinators,
        narratives=[{"label": n.label, "text": getattr(report, n.value)} for n in Narrative],
        milestones=_milestone_rows(report),
        secretariat_assessment=assessment.text if (assessment := _consolidated(report)) else "",
        approvals=[
            f"{a.body} ({f'{a.reviewer}, ' if names_reviewers else ''}{long_date(a.decided_at)})"
            for a in sorted(report.approvals.all(), key=lambda a: a.body)
            if a.revision == report.revision
        ],
        title=marked(
            project_title(project.name, project.acronym),
            "title unconfirmed",
            not project.name_verified,
        ),
        demo=demo,
        membership=membership.coverage,
        member_states=membership.member_states if membership.recorded else None,
        third_states=membership.third_states,
        domain_unconfirmed=project.domain is not None and not project.domain_verified,
    )


def _phase_moves(reports, previous_reports) -> tuple[list[str], list[str], list[str], list[str]]:
    """Projects that moved to a later phase, those that reached execution or FOC by it, those
    at FOC, and those that went back to an earlier phase."""
    moved, reached, at_foc, back = [], [], [], []
    for report in reports:
        phase, acronym = report.phase_reported, report.project.acronym
        before = previous_reports.get(report.project_id)
        before_phase = before.phase_reported if before else None
        if phase and before_phase and phase.position > before_phase.position:
            moved.append(acronym)
            if phase.slug in PhaseSlug.EXECUTION_OR_LATER:
                reached.append(acronym)
        if phase and before_phase and phase.position < before_phase.position:
            back.append(acronym)
        if phase and phase.slug == PhaseSlug.FULL_OPERATING_CAPABILITY:
            at_foc.append(acronym)
    return moved, reached, at_foc, back


def _year_on_year(reports, previous_reports) -> list[dict]:
    if not previous_reports:
        return []
    prev = list(previous_reports.values())
    return [
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


def _figures(reports, register: _Register, sections: dict[str, list]) -> Figures:
    moved, reached, at_foc, back = _phase_moves(reports, register.previous_reports)
    in_review = register.participants.by_project.values()
    statuses = [u.status for r in reports for u in r.updates.all()]
    return Figures(
        projects_in_review=len(register.in_review),
        reports_approved=len(reports),
        by_domain=[Count(name, len(pages)) for name, pages in _domain_order(sections)],
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
            or any(u.status in MilestoneStatus.NEEDS_EXPLANATION for u in r.updates.all())
        ],
        critical=[r.project.acronym for r in reports if r.assessment == Assessment.CRITICAL],
        year_on_year=_year_on_year(reports, register.previous_reports),
        comparable=bool(register.previous_reports),
        moved_back=back,
        third_states=len(register.participants.third_states),
        projects_with_third_states=sum(1 for m in in_review if m.third_states),
    )


def _domain_order(sections: dict[str, list]) -> list[tuple[str, list]]:
    """Stable: the domains' own order, "not recorded" last."""
    return sorted(sections.items(), key=lambda item: item[0] == NO_DOMAIN)


def _missing(register: _Register) -> list[dict]:
    """Every project in review whose report is missing or not approved, named."""
    missing = []
    for project in register.in_review:
        report = register.all_reports.get(project.pk)
        if report is not None and report.is_decided:
            continue
        state = "no report" if report is None else ReportState(report.state).label.lower()
        missing.append({"acronym": project.acronym, "name": project.name, "state": state})
    return missing


def build_context(
    *, cycle: ReviewCycle, version: int = 0, generated_by: str = "", names_reviewers: bool = False
) -> ReviewContext:
    """Read the cycle once: 11 queries, whatever the number of projects and reports.
    `names_reviewers`: the approvals name the reviewer beside the body (by default the body
    only, as EU documents name institutions, not officials)."""
    reports = _approved_reports(cycle)  # 6 queries
    register = _register(cycle)  # 5 queries
    found = register.participants
    sections: dict[str, list[ProjectPage]] = {}
    for report in reports:
        page = _project_page(report, found.by_project[report.project_id], names_reviewers)
        sections.setdefault(page.domain, []).append(page)
    since = _since(register.previous)
    return ReviewContext(
        year=cycle.year,
        version=version,
        marking=cycle.handling_marking,
        generated_at=long_datetime(timezone.now()),
        generated_by=generated_by,
        previous_year=register.previous.year if register.previous else None,
        figures=_figures(reports, register, sections),
        domains=[DomainSection(name, pages) for name, pages in _domain_order(sections)],
        missing=_missing(register),
        participation_states=[eu_code(s) for s in found.member_states],
        participation_matrix=matrix(register.in_review, found),
        participation_changes=(
            changes_since(since, [p.pk for p in register.in_review]) if since else []
        ),
        built_from=[_provenance(r) for r in reports],
        warnings=_warnings(reports),
        evidence=_evidence(reports),
        provisional=cycle.state not in CycleState.FINAL,
        demo=any(r.is_demo or any(u.milestone.is_demo for u in r.updates.all()) for r in reports),
        third_states=third_state_section(register.in_review, found),
        member_states=[{"code": eu_code(s), "name": s.name} for s in found.member_states],
    )


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"


def _evidence(reports: list[StatusReport]) -> list[dict]:
    """Each project's evidence as approved: the files attached up to its last submission."""
    return [
        {"project": r.project.acronym, "name": a.name, "size": _size(a.size), "sha256": a.sha256}
        for r in reports
        for a in r.attachments.all()
        if r.submitted_at is not None and a.uploaded_at <= r.submitted_at
    ]


def _provenance(report: StatusReport) -> dict:
    """What a version was built from, for one report: its revision, and the version of the
    consolidated assessment printed (a history record id; None: none was written)."""
    return {
        "report": report.pk,
        "project": report.project.acronym,
        "revision": report.revision,
        # history_id: annotated by _consolidated_assessments
        "assessment": getattr(_consolidated(report), "history_id", None),
    }


def _warnings(reports: list[StatusReport]) -> list[str]:
    """What the lead should know before publishing the version: approved reports without the
    secretariat's consolidated text, and figures of a report that contradict each other."""
    warnings = []
    for r in reports:
        title = project_title(r.project.name, r.project.acronym)
        if _consolidated(r) is None:
            warnings.append(
                f"{title} is approved without a consolidated assessment: its page says the "
                "secretariat wrote none."
            )
        warnings += [f"{title}: {c}" for c in _contradictions(r)]
    return warnings


def _contradictions(report: StatusReport) -> list[str]:
    found = []
    phase = report.phase_reported
    if phase is not None and phase.slug == PhaseSlug.FULL_OPERATING_CAPABILITY:
        found += [
            f"at full operating capability, but its milestone {u.milestone.position} "
            f"'{u.milestone.title}' is {u.get_status_display().lower()}."
            for u in report.updates.all()
            if "full operating capability" in u.milestone.title.casefold()
            and u.status in MilestoneStatus.NEEDS_EXPLANATION
        ]
    if report.assessment == Assessment.ON_TRACK:
        found += [
            f"assessed on track, but milestone {u.milestone.position} '{u.milestone.title}' is "
            f"{u.slippage_days} days later than its baseline."
            for u in report.updates.all()
            if (u.slippage_days or 0) > LARGE_SLIPPAGE_DAYS
        ]
    return found


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


@dataclass
class ReportDocument:
    """One status report as its own PDF (templates/report.typ), for the secretariat to send to
    its project: the project page the annual review prints, and what the cover says."""

    year: int
    marking: str
    state: str  # the report's state, in words ("Submitted", "Approved")
    approved: bool  # every required body approved the current revision
    generated_at: str
    generated_by: str
    project: ProjectPage

    def as_json(self) -> dict:
        return asdict(self)


def build_report_context(*, report_id: int, generated_by: str = "") -> ReportDocument:
    """One report's page without reading its cycle's other reports: 7 queries, whatever its
    number of milestones, approvals and coordinators. The caller checks that the user may
    export it and that it is not being revised (its saved rows are then what was submitted)."""
    report = (
        _with_page_data(StatusReport.objects.filter(pk=report_id)).select_related("cycle").get()
    )
    membership = memberships([report.project])[report.project_id]
    return ReportDocument(
        year=report.cycle.year,
        marking=report.cycle.handling_marking,
        state=report.get_state_display(),
        approved=report.is_decided,
        generated_at=long_datetime(timezone.now()),
        generated_by=generated_by,
        project=_project_page(report, membership, names_reviewers=False),
    )
