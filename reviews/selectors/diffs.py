"""What changed between two revisions of a report, from the snapshots taken at submission."""

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.formats import date_format

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from reviews.enums import Narrative, ReportAction, ReportState
from reviews.models import ReportTransition, ReportView, StatusReport
from reviews.selectors.content import milestone_name


@dataclass
class FieldChange:
    label: str
    old: object
    new: object
    shown: str  # the change as a line reads it: "60 % → 65 %", or what happened
    words: list[tuple[str, str]] | None = None  # a text's change word by word (word_changes)


# The fields a diff shows word by word: the report's narratives and a milestone's narrative.
TEXTS = frozenset({*Narrative.values, "narrative"})
DATES = frozenset({"forecast_date", "achieved_on"})


def _shown(name: str, value: object) -> str:
    """A snapshot's value of the field `name` as a person reads it."""
    if value is None or value == "":
        return "—"
    if name == "percent_complete":
        return f"{value} %"
    if name in DATES:
        return date_format(date.fromisoformat(str(value)), "j F Y")
    return str(value)


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    """A text's change word by word (difflib): ("same" | "del" | "ins", text) in reading order,
    spaces and line breaks kept with the words around them."""
    before, after = re.findall(r"\S+|\s+", old or ""), re.findall(r"\S+|\s+", new or "")
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    changes = []
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            changes.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            changes.append(("del", "".join(before[i1:i2])))
        if j2 > j1:
            changes.append(("ins", "".join(after[j1:j2])))
    return changes


def _change(name: str, label: str, old: object, new: object) -> FieldChange:
    """The change of the snapshot field `name`, shown as its kind of value reads."""
    words = word_changes(str(old or ""), str(new or "")) if name in TEXTS else None
    shown = f"{_shown(name, old)} → {_shown(name, new)}"
    return FieldChange(label, old, new, shown=shown, words=words)


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
    """What changed in a milestone the newer report carries (one it no longer carries, achieved
    or withdrawn earlier, is not a change of this report's)."""
    if after is None:
        return []
    if before is None:
        return [FieldChange("Milestone", None, None, shown="added to the report")]
    return [
        _change(name, label, before.get(name), after.get(name))
        for name, label in MILESTONE_LABELS.items()
        if before.get(name) != after.get(name)
    ]


def diff(old: dict, new: dict, *, against: str) -> Diff:
    """Field by field and milestone by milestone, what differs between two snapshots."""
    result = Diff(against=against)
    for name, label in REPORT_LABELS.items():
        if name in new and old.get(name) != new.get(name):
            result.fields.append(_change(name, label, old.get(name), new.get(name)))
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


def snapshot_of(transitions: list[ReportTransition], revision: int) -> dict | None:
    """What the report said when `revision` was submitted, from its loaded workflow steps
    (oldest first), without a query: the last submission of that revision."""
    found = [
        t.snapshot
        for t in transitions
        if t.revision == revision and t.action in ReportAction.SUBMISSIONS and t.snapshot
    ]
    return found[-1] if found else None


def current_submissions() -> QuerySet[ReportTransition]:
    """Inside a query of reports (OuterRef): the submissions of each report's current revision
    that carry a snapshot, the last first."""
    return ReportTransition.objects.filter(
        report=OuterRef("pk"),
        revision=OuterRef("revision"),
        action__in=sorted(ReportAction.SUBMISSIONS),
        snapshot__isnull=False,
    ).order_by("-at", "-pk")


def last_years_snapshot(report: StatusReport) -> tuple[int, dict | None] | None:
    """The project's latest approved report of an earlier cycle (its year) and what its approved
    revision said when submitted, in one query; None if there is none."""
    snapshots = current_submissions()
    return (
        StatusReport.objects.filter(
            project_id=report.project_id,
            cycle__year__lt=report.cycle.year,
            state=ReportState.APPROVED,
        )
        .order_by("-cycle__year")
        .values_list("cycle__year", Subquery(snapshots.values("snapshot")[:1]))
        .first()
    )


def report_diffs(
    *,
    user: User,
    report: StatusReport,
    current: dict,
    transitions: list[ReportTransition],
) -> tuple[list[Diff], int | None]:
    """What changed in `current` (the content this user sees) since the revision they last saw,
    and since last year's approved report; and the revision they last saw (None: never, or not a
    reader whose visits are recorded). `transitions`: the report's workflow steps, oldest first."""
    diffs = []
    seen = None
    if may(user, "reviews.view_review_queue"):  # only the secretariat's visits are recorded
        seen = ReportView.objects.filter(report=report, user=user).first()
    if seen is not None and seen.revision < report.revision:
        old = snapshot_of(transitions, seen.revision)
        if old is not None:
            diffs.append(
                diff(old, current, against=f"revision {seen.revision}, which you last saw")
            )
    year, old = last_years_snapshot(report) or (None, None)
    if old is not None:
        diffs.append(diff(old, current, against=f"the approved {year} report"))
    return diffs, seen.revision if seen is not None else None
