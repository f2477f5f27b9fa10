"""What changed between two revisions of a report, from the snapshots taken at submission."""

from dataclasses import dataclass, field

from pesco_review.accounts.models import User
from reviews.enums import Narrative, ReportAction, ReportState
from reviews.models import ReportView, StatusReport
from reviews.selectors.content import milestone_name, snapshot


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


REPORT_LABELS = {
    "assessment": "Overall assessment",
    "phase_reported": "Lifecycle phase reached",
    **{n.value: n.label for n in Narrative},
}
MILESTONE_LABELS = {
    "status": "Status",
    "percent_complete": "Percent complete",
    "forecast_date": "Forecast date",
    "achieved_on": "Achieved on",
    "narrative": "Narrative",
}


def _milestone_changes(before: dict | None, after: dict | None) -> list[FieldChange]:
    if before is None:
        return [FieldChange("Milestone", "—", "added")]
    if after is None:
        return [FieldChange("Milestone", "reported", "not in this report (achieved or withdrawn)")]
    return [
        FieldChange(label, before.get(name), after.get(name))
        for name, label in MILESTONE_LABELS.items()
        if before.get(name) != after.get(name)
    ]


def diff(old: dict, new: dict, *, against: str) -> Diff:
    """Field by field and milestone by milestone, what differs between two snapshots."""
    result = Diff(against=against)
    for name, label in REPORT_LABELS.items():
        if name in new and old.get(name) != new.get(name):
            result.fields.append(FieldChange(label, old.get(name), new.get(name)))
    old_m, new_m = old.get("milestones", {}), new.get("milestones", {})
    for key in sorted(
        set(old_m) | set(new_m), key=lambda k: (new_m.get(k) or old_m.get(k))["position"]
    ):
        before, after = old_m.get(key), new_m.get(key)
        either = after or before
        changes = _milestone_changes(before, after)
        if changes:
            result.milestones.append((milestone_name(either["position"], either["title"]), changes))
    return result


def submitted_snapshot(report: StatusReport, revision: int) -> dict | None:
    transition = (
        report.transitions.filter(action__in=sorted(ReportAction.SUBMISSIONS), revision=revision)
        .filter(snapshot__isnull=False)
        .order_by("-at")
        .first()
    )
    return transition.snapshot if transition else None


def report_diffs(
    *, user: User, report: StatusReport, as_submitted: bool
) -> tuple[list[Diff], int | None]:
    """What changed since the revision this user last saw, and since last year's approved report;
    and the revision they last saw (None: never). `as_submitted`: the user sees the last
    submission, not the text being revised."""
    current = (
        (submitted_snapshot(report, report.revision) or {}) if as_submitted else snapshot(report)
    )
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
    return diffs, seen.revision if seen is not None else None
