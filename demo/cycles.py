"""Demonstration cycles for `seed_demo`: the previous year's cycle, closed, and a current cycle
with reports in every state. Every text says it is demonstration text: nothing here is a fact
about a real project.

Every step is taken by the person whose role it is, through the real services and workflow, so
the audit trail is real: the demo lead plans, opens and closes the cycles; a project's demo
coordinator fills in and submits its report; the demo reviewers comment, request changes and
approve for their body. A project whose coordinator the data set does not record has no demo
coordinator, so nobody submits its reports: they stay drafts, and the previous cycle closes with
them missing.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from pesco_review.accounts.models import User
from projects.enums import ProjectRoleKind
from projects.models import ProjectRole
from reviews import services
from reviews.enums import Assessment, CommentVisibility, MilestoneStatus, ReportAction
from reviews.models import ReviewCycle, StatusReport
from reviews.workflow import report_transition

DEMO = "(Demonstration text, not a statement about the real project.)"
BODIES = ("EDA", "EEAS", "EUMS")


@dataclass(frozen=True)
class Cast:
    """The demo accounts, by the role they act in."""

    lead: User
    reviewers: dict[str, User]  # body → its demo reviewer
    coordinators: dict[int, User]  # project id → its demo coordinator


def _cast() -> Cast:
    demo = User.objects.filter(is_demo=True, is_active=True).order_by("username")
    coordinators: dict[int, User] = {}
    people: dict[int, User] = {}  # one object per person: its roles are read once
    roles = ProjectRole.objects.filter(
        role=ProjectRoleKind.COORDINATOR, user__in=demo
    ).select_related("user")
    for role in roles.order_by("project_id", "user__username"):
        coordinators.setdefault(role.project_id, people.setdefault(role.user_id, role.user))
    return Cast(
        lead=demo.get(is_secretariat_lead=True),
        reviewers={user.secretariat_body: user for user in demo.exclude(secretariat_body="")},
        coordinators=coordinators,
    )


def _text(project, what: str) -> str:
    return f"{what} of {project.acronym} for the year. {DEMO}"


STATUSES = (
    MilestoneStatus.ON_TRACK,
    MilestoneStatus.ON_TRACK,
    MilestoneStatus.NOT_STARTED,
    MilestoneStatus.DELAYED,
    MilestoneStatus.AT_RISK,
)


def _update_values(due: date, rng: random.Random, *, year: int, today: date) -> dict:
    """What a coordinator reports on one milestone: achieved if it was due before the year
    (never later than today)."""
    if due.year < year:
        return {
            "status": MilestoneStatus.ACHIEVED,
            "percent_complete": 100,
            "achieved_on": min(today, due + timedelta(days=rng.randint(0, 90))),
        }
    status = rng.choice(STATUSES)
    late = status in MilestoneStatus.NEEDS_EXPLANATION
    return {
        "status": status,
        "percent_complete": 0 if status == MilestoneStatus.NOT_STARTED else rng.randint(10, 90),
        "forecast_date": due + timedelta(days=rng.choice([0, 0, 30, 90, 180])),
        "narrative": f"Why this milestone is {status.label.lower()}. {DEMO}" if late else "",
    }


def _fill(
    report: StatusReport, coordinator: User, rng: random.Random, *, year: int
) -> StatusReport:
    """The project's coordinator fills in the report, as on its page. The phase is the one the
    register records (from a source), or "not recorded": the demo never invents a phase."""
    project = report.project
    today = timezone.localdate()
    values = {
        "assessment": rng.choice(
            [Assessment.ON_TRACK] * 4 + [Assessment.MINOR_DELAYS] * 2 + [Assessment.MAJOR_DELAYS]
        ),
        "phase_reported": project.phase,
        "summary": _text(project, "Summary of the progress"),
        "achievements": _text(project, "Achievements"),
        "risks": _text(project, "Risks and their mitigation"),
        "next_year_plan": _text(project, "Plan for the next year"),
        "resources": _text(project, "Resources"),
        "eu_cooperation": _text(project, "Cooperation with EU bodies"),
    }
    updates = {
        update.pk: _update_values(update.milestone.baseline_due, rng, year=year, today=today)
        for update in report.updates.select_related("milestone").order_by("milestone__position")
    }
    return services.report_update(
        actor=coordinator,
        report=report,
        expected_version=report.version,
        values=values,
        updates=updates,
    )


def _submit_and_approve(
    report: StatusReport, coordinator: User, cast: Cast, bodies
) -> StatusReport:
    report = report_transition(report=report, action=ReportAction.SUBMIT, actor=coordinator)
    for body in bodies:
        report = report_transition(
            report=report,
            action=ReportAction.APPROVE,
            actor=cast.reviewers[body],
            expected_revision=report.revision,
        )
    return report


def _open(cycle: ReviewCycle, cast: Cast) -> None:
    """Open the cycle; its reports are marked demo: their text is invented, and approving them
    changes no real project's phase or status."""
    services.cycle_open(actor=cast.lead, cycle=cycle)
    cycle.reports.update(is_demo=True)


def _previous_cycle_seed(cast: Cast, rng: random.Random, *, today: date) -> None:
    """Last year: every report with a demo coordinator submitted and approved by the three
    bodies; the others never submitted. Dates are moved into the past once the reports went
    through the workflow (which refuses submissions after a deadline)."""
    lead = cast.lead
    previous = services.cycle_create(
        actor=lead,
        year=today.year - 1,
        opens=today - timedelta(days=1),
        submission_deadline=today + timedelta(days=1),
        review_deadline=today + timedelta(days=2),
        handling_marking="LIMITE",
    )
    _open(previous, cast)
    for report in previous.reports.select_related("project").order_by("project__name"):
        coordinator = cast.coordinators.get(report.project_id)
        if coordinator is None:
            continue  # nobody to submit it: it stays a draft and is named as missing
        report = _fill(report, coordinator, rng, year=previous.year)
        _submit_and_approve(report, coordinator, cast, BODIES)
    services.cycle_close(actor=lead, cycle=previous)
    services.cycle_update(
        actor=lead,
        cycle=previous,
        opens=date(previous.year, 1, 15),
        submission_deadline=date(previous.year, 10, 31),
        review_deadline=date(previous.year, 12, 15),
    )


def _sent_back(report: StatusReport, cast: Cast) -> None:
    """The EEAS leaves a secretariat-only note and the EDA asks for changes (CIDCC)."""
    services.comment_add(
        actor=cast.reviewers["EEAS"],
        report=report,
        visibility=CommentVisibility.INTERNAL,
        body=f"Secretariat-only note: compare with last year's risks before deciding. {DEMO}",
    )
    report_transition(
        report=report,
        action=ReportAction.REQUEST_CHANGES,
        actor=cast.reviewers["EDA"],
        reason=f"Please explain the delayed milestones and their new forecast. {DEMO}",
        expected_revision=report.revision,
    )


def _advance(report: StatusReport, kind: int, coordinator: User, cast: Cast) -> None:
    """Bring a filled-in report to one of the demo's states: submitted, approved by the EDA,
    by the EDA and the EEAS, by every body, or sent back by the EUMS."""
    if kind == 5:
        report = report_transition(report=report, action=ReportAction.SUBMIT, actor=coordinator)
        report_transition(
            report=report,
            action=ReportAction.REQUEST_CHANGES,
            actor=cast.reviewers["EUMS"],
            reason=f"The risks section needs the mitigation owner. {DEMO}",
            expected_revision=report.revision,
        )
        return
    _submit_and_approve(report, coordinator, cast, BODIES[: kind - 1])


def _current_cycle_seed(cast: Cast, rng: random.Random, *, today: date) -> None:
    """This year: open, pre-filled from last year; a spread of states. The named coordinator's
    EMC stays a draft to fill in and CIDCC was sent back; the other reports with a demo
    coordinator go, in turn, to each state; the rest stay drafts."""
    lead = cast.lead
    current = services.cycle_create(
        actor=lead,
        year=today.year,
        opens=min(today, date(today.year, 1, 15)),
        submission_deadline=max(today + timedelta(days=18), date(today.year, 11, 30)),
        review_deadline=max(today + timedelta(days=60), date(today.year + 1, 1, 31)),
        handling_marking="LIMITE",
    )
    _open(current, cast)
    reports = list(current.reports.select_related("project").order_by("project__name"))
    cidcc = next(r for r in reports if r.project.acronym == "CIDCC")
    coordinator = cast.coordinators[cidcc.project_id]
    cidcc = _fill(cidcc, coordinator, rng, year=current.year)
    _sent_back(report_transition(report=cidcc, action=ReportAction.SUBMIT, actor=coordinator), cast)
    others = [
        r
        for r in reports
        if r.project.acronym not in {"EMC", "CIDCC"} and r.project_id in cast.coordinators
    ]
    for index, report in enumerate(others):
        kind = index % 6
        if kind == 0:
            continue  # draft, pre-filled from last year
        coordinator = cast.coordinators[report.project_id]
        report = _fill(report, coordinator, rng, year=current.year)
        _advance(report, kind, coordinator, cast)


@transaction.atomic
def demo_cycles_seed() -> bool:
    """Create the demo cycles once; False if they exist already."""
    today = timezone.localdate()
    if ReviewCycle.objects.filter(year__in=[today.year - 1, today.year]).exists():
        return False
    cast = _cast()
    rng = random.Random(2017)  # the same demo on every machine
    _previous_cycle_seed(cast, rng, today=today)
    _current_cycle_seed(cast, rng, today=today)
    return True
