"""Demonstration cycles for `seed_demo`: the previous year's approved reports and a current cycle
with reports in every state. Every text says it is demonstration text: nothing here is a fact
about a real project. Runs through the real services and workflow, so the audit trail is real.
"""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from pesco_review.accounts.models import User
from projects.models import LifecyclePhase
from reviews import services
from reviews.enums import Assessment, CommentVisibility, ReportAction
from reviews.models import ReviewCycle, StatusReport
from reviews.workflow import report_transition

DEMO = "(Demonstration text, not a statement about the real project.)"


def _text(project, what: str) -> str:
    return f"{what} of {project.acronym} for the year. {DEMO}"


def _fill(report: StatusReport, rng: random.Random, phases: list, *, year: int) -> None:
    project = report.project
    report.assessment = rng.choice(
        [Assessment.ON_TRACK] * 4 + [Assessment.MINOR_DELAYS] * 2 + [Assessment.MAJOR_DELAYS]
    )
    report.phase_reported = rng.choice(phases[:4])
    report.summary = _text(project, "Summary of the progress")
    report.achievements = _text(project, "Achievements")
    report.risks = _text(project, "Risks and their mitigation")
    report.next_year_plan = _text(project, "Plan for the next year")
    report.resources = _text(project, "Resources")
    report.eu_cooperation = _text(project, "Cooperation with EU bodies")
    report.save()
    for update in report.updates.select_related("milestone"):
        due = update.milestone.baseline_due
        if due.year < year:
            update.status, update.percent_complete = "achieved", 100
            update.achieved_on = due + timedelta(days=rng.randint(0, 90))
        else:
            update.status = rng.choice(
                ["on_track", "on_track", "not_started", "delayed", "at_risk"]
            )
            update.percent_complete = {"not_started": 0}.get(update.status, rng.randint(10, 90))
            update.forecast_date = due + timedelta(days=rng.choice([0, 0, 30, 90, 180]))
            if update.status in {"delayed", "at_risk"}:
                update.narrative = (
                    f"Why this milestone is {update.status.replace('_', ' ')}. {DEMO}"
                )
        update.save()


def _submit_and_approve(report, submitter, reviewers, bodies) -> StatusReport:
    report = report_transition(report=report, action=ReportAction.SUBMIT, actor=submitter)
    for body in bodies:
        report = report_transition(
            report=report, action=ReportAction.APPROVE, actor=reviewers[body]
        )
    return report


@transaction.atomic
def demo_cycles_seed() -> bool:
    """Create the demo cycles once; False if they exist already."""
    today = timezone.localdate()
    if ReviewCycle.objects.filter(year__in=[today.year - 1, today.year]).exists():
        return False
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "admin",
                "secretariat",
                "coordinator",
                "eda-reviewer",
                "eeas-reviewer",
                "eums-reviewer",
            ]
        )
    }
    lead, admin = users["secretariat"], users["admin"]
    reviewers = {
        "EDA": users["eda-reviewer"],
        "EEAS": users["eeas-reviewer"],
        "EUMS": users["eums-reviewer"],
    }
    phases = list(LifecyclePhase.objects.order_by("position"))
    rng = random.Random(2017)  # the same demo on every machine

    # Last year: every report approved by the three bodies. Dates are moved into the past once
    # the reports went through the workflow (which refuses submissions after a deadline).
    previous = services.cycle_create(
        actor=lead,
        year=today.year - 1,
        opens=today - timedelta(days=1),
        submission_deadline=today + timedelta(days=1),
        review_deadline=today + timedelta(days=2),
        handling_marking="LIMITE",
    )
    services.cycle_open(actor=lead, cycle=previous)
    for report in previous.reports.select_related("project").order_by("project__name"):
        _fill(report, rng, phases, year=previous.year)
        submitter = users["coordinator"] if report.project.acronym in {"EMC", "CIDCC"} else admin
        _submit_and_approve(report, submitter, reviewers, ["EDA", "EEAS", "EUMS"])
    services.cycle_close(actor=lead, cycle=previous)
    services.cycle_update(
        actor=lead,
        cycle=previous,
        opens=date(previous.year, 1, 15),
        submission_deadline=date(previous.year, 10, 31),
        review_deadline=date(previous.year, 12, 15),
    )

    # This year: open, pre-filled from last year; a spread of states.
    current = services.cycle_create(
        actor=lead,
        year=today.year,
        opens=min(today, date(today.year, 1, 15)),
        submission_deadline=max(today + timedelta(days=18), date(today.year, 11, 30)),
        review_deadline=max(today + timedelta(days=60), date(today.year + 1, 1, 31)),
        handling_marking="LIMITE",
    )
    services.cycle_open(actor=lead, cycle=current)
    reports = list(current.reports.select_related("project").order_by("project__name"))
    by_acronym = {r.project.acronym: r for r in reports}
    # The demo coordinator's reports: EMC stays a draft to fill in; CIDCC was sent back.
    cidcc = by_acronym["CIDCC"]
    _fill(cidcc, rng, phases, year=current.year)
    cidcc = report_transition(report=cidcc, action=ReportAction.SUBMIT, actor=users["coordinator"])
    services.comment_add(
        actor=reviewers["EEAS"],
        report=cidcc,
        visibility=CommentVisibility.INTERNAL,
        body=f"Secretariat-only note: compare with last year's risks before deciding. {DEMO}",
    )
    report_transition(
        report=cidcc,
        action=ReportAction.REQUEST_CHANGES,
        actor=reviewers["EDA"],
        reason=f"Please explain the delayed milestones and their new forecast. {DEMO}",
    )
    others = [r for r in reports if r.project.acronym not in {"EMC", "CIDCC"}]
    for index, report in enumerate(others):
        kind = index % 6
        if kind == 0:
            continue  # draft, pre-filled from last year
        _fill(report, rng, phases, year=current.year)
        if kind == 1:
            report_transition(report=report, action=ReportAction.SUBMIT, actor=admin)
        elif kind == 2:
            _submit_and_approve(report, admin, reviewers, ["EDA"])
        elif kind == 3:
            _submit_and_approve(report, admin, reviewers, ["EDA", "EEAS"])
        elif kind == 4:
            _submit_and_approve(report, admin, reviewers, ["EDA", "EEAS", "EUMS"])
        else:
            report = report_transition(report=report, action=ReportAction.SUBMIT, actor=admin)
            report_transition(
                report=report,
                action=ReportAction.REQUEST_CHANGES,
                actor=reviewers["EUMS"],
                reason=f"The risks section needs the mitigation owner. {DEMO}",
            )
    return True
