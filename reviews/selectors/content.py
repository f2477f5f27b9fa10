"""What a report says: its content as plain data, what keeps it from being submitted, and which
bodies approved its current revision. Reads only; the workflow and the pages use them."""

from dataclasses import dataclass
from datetime import date

from reviews.enums import Assessment, MilestoneStatus, Narrative
from reviews.models import (
    Approval,
    MilestoneUpdate,
    StatusReport,
    slippage_days,
    update_date_errors,
)


def approvals_of_revision(report: StatusReport) -> list[Approval]:
    """The approvals given to the report's current revision (prefetched ones where a page has
    them)."""
    return [a for a in report.approvals.all() if a.revision == report.revision]


def waiting_for(report: StatusReport) -> list[str]:
    """The required bodies that have not yet approved the current revision, in the cycle's
    order."""
    approved = approved_bodies(report, fresh=True)
    return [body for body in report.cycle.required_bodies if body not in approved]


def approved_bodies(report: StatusReport, *, fresh: bool = False) -> set[str]:
    """The bodies that approved the report's current revision (prefetched approvals are used
    unless `fresh`, for a decision just recorded)."""
    if fresh:
        return set(report.approvals.filter(revision=report.revision).values_list("body", flat=True))
    return {a.body for a in report.approvals.all() if a.revision == report.revision}


def body_decisions(report: StatusReport) -> list[tuple[str, bool]]:
    """(body, approved this revision) for every body the cycle requires, in its order."""
    approved = approved_bodies(report)
    return [(body, body in approved) for body in report.cycle.required_bodies]


def updates_of(report: StatusReport) -> list[MilestoneUpdate]:
    """The report's milestone updates with their milestones, in milestone order: the ones a page
    prefetched (no query), else one query."""
    if "updates" in getattr(report, "_prefetched_objects_cache", {}):
        return sorted(report.updates.all(), key=lambda u: u.milestone.position)
    return list(report.updates.select_related("milestone").order_by("milestone__position"))


def milestone_name(position: int, title: str) -> str:
    return f"Milestone {position} “{title}”"


@dataclass(frozen=True)
class Problem:
    """One thing that keeps a report from being submitted: the field it is about (a field of
    the report, or of the milestone update `update_id`), and what a person reads, which names
    the milestone (`message`) or not (`field_message`, shown beside the field)."""

    field: str
    update_id: int | None
    message: str
    field_message: str


def missing_problems(report: StatusReport) -> list[Problem]:
    """Everything that keeps the report from being submitted, each with its field."""
    problems = []
    if not report.assessment:
        problems.append(_report_problem("assessment", "Overall assessment is missing."))
    # No phase is a valid answer: "not recorded".
    for name in Narrative.REQUIRED:
        if not getattr(report, name).strip():
            problems.append(_report_problem(name, f"{Narrative(name).label} is missing."))
    for update in updates_of(report):
        if not update.status:
            found = ("status", "status is missing.")
        elif update.is_achieved and update.achieved_on is None:
            found = ("achieved_on", "achieved, but the date it was achieved is missing.")
        elif update.status in MilestoneStatus.NEEDS_EXPLANATION and not update.narrative.strip():
            found = ("narrative", f"{update.get_status_display().lower()}, explain why.")
        else:
            continue
        problems.append(_update_problem(update, *found))
    return problems + date_problem_list(report)


def _report_problem(field: str, message: str) -> Problem:
    """A problem of a field of the report itself: its message reads the same beside it."""
    return Problem(field, None, message, message)


def _update_problem(update: MilestoneUpdate, field: str, text: str) -> Problem:
    name = milestone_name(update.milestone.position, update.milestone.title)
    return Problem(field, update.pk, f"{name}: {text}", f"{text[0].upper()}{text[1:]}")


def missing_items(report: StatusReport) -> list[str]:
    """Everything that keeps the report from being submitted, each named."""
    return [problem.message for problem in missing_problems(report)]


def date_problem_list(report: StatusReport) -> list[Problem]:
    """The milestone dates the report carries that no milestone can have, each with its field."""
    problems = []
    for update in updates_of(report):
        errors = update_date_errors(
            achieved_on=update.achieved_on if update.is_achieved else None,
            forecast_date=update.forecast_date,
            year=report.cycle.year,
        )
        problems += [_update_problem(update, field, text) for field, text in errors.items()]
    return problems


def date_problems(report: StatusReport) -> list[str]:
    """The milestone dates the report carries that no milestone can have, each named."""
    return [problem.message for problem in date_problem_list(report)]


def snapshot(report: StatusReport) -> dict:
    """The report's content as plain data, to compare revisions with."""
    return {
        "assessment": report.get_assessment_display() if report.assessment else "",
        "assessment_key": report.assessment,
        "phase_reported": str(report.phase_reported) if report.phase_reported_id else "",
        "phase_id": report.phase_reported_id,
        **{name: getattr(report, name) for name in Narrative.values},
        "milestones": {
            str(update.milestone_id): {
                "title": update.milestone.title,
                "position": update.milestone.position,
                "status": update.get_status_display() if update.status else "",
                "status_key": update.status,
                "percent_complete": update.percent_complete,
                "forecast_date": update.forecast_date.isoformat() if update.forecast_date else None,
                "achieved_on": update.achieved_on.isoformat() if update.achieved_on else None,
                "narrative": update.narrative,
            }
            for update in updates_of(report)
        },
    }


# The report's content as a page shows it: either what is saved now (for the project's own
# people), or what was last submitted (for everybody else while the coordinator revises).


@dataclass(frozen=True)
class MilestoneLine:
    update_id: int
    milestone_id: int
    position: int
    title: str
    is_demo: bool
    baseline_due: date
    status: str
    status_label: str
    percent_complete: int | None
    forecast_date: date | None
    achieved_on: date | None
    narrative: str

    @property
    def slippage_days(self) -> int | None:
        """Days the forecast (or achievement) lies after the baseline; None without a date."""
        return slippage_days(
            baseline=self.baseline_due,
            achieved_on=self.achieved_on,
            forecast_date=self.forecast_date,
        )


@dataclass(frozen=True)
class Content:
    assessment: str
    assessment_label: str
    phase: str
    narratives: list[tuple[str, str]]  # (label, text), in the report's order
    milestones: list[MilestoneLine]


def _line(update: MilestoneUpdate, values: dict) -> MilestoneLine:
    status = values.get("status", "")
    return MilestoneLine(
        update_id=update.pk,
        milestone_id=update.milestone_id,
        position=update.milestone.position,
        title=update.milestone.title,
        is_demo=update.milestone.is_demo,
        baseline_due=update.milestone.baseline_due,
        status=status,
        status_label=MilestoneStatus(status).label if status else "",
        percent_complete=values.get("percent_complete"),
        forecast_date=values.get("forecast_date"),
        achieved_on=values.get("achieved_on"),
        narrative=values.get("narrative", ""),
    )


def _fields(update: MilestoneUpdate) -> dict:
    return {
        name: getattr(update, name)
        for name in ("status", "percent_complete", "forecast_date", "achieved_on", "narrative")
    }


def content_saved(report: StatusReport) -> Content:
    """What the report says now (its prefetched updates, in milestone order)."""
    return Content(
        assessment=report.assessment,
        assessment_label=report.get_assessment_display() if report.assessment else "",
        phase=str(report.phase_reported) if report.phase_reported_id else "",
        narratives=[(n.label, getattr(report, n.value)) for n in Narrative],
        milestones=[_line(u, _fields(u)) for u in updates_of(report)],
    )


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def content_submitted(report: StatusReport, data: dict) -> Content:
    """What a submission snapshot says, for the report's milestones that it covers."""
    lines = []
    for update in updates_of(report):
        values = data.get("milestones", {}).get(str(update.milestone_id))
        if values is None:
            continue  # added since the submission
        lines.append(
            _line(
                update,
                {
                    "status": values.get("status_key", ""),
                    "percent_complete": values.get("percent_complete"),
                    "forecast_date": _iso(values.get("forecast_date")),
                    "achieved_on": _iso(values.get("achieved_on")),
                    "narrative": values.get("narrative", ""),
                },
            )
        )
    assessment = data.get("assessment_key", "")
    return Content(
        assessment=assessment,
        assessment_label=Assessment(assessment).label if assessment else "",
        phase=data.get("phase_reported", ""),
        narratives=[(n.label, data.get(n.value, "")) for n in Narrative],
        milestones=lines,
    )
