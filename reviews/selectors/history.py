"""A report's saved versions, for the history on its page."""

from dataclasses import dataclass
from datetime import datetime

from projects.selectors import history_changes
from reviews.models import MilestoneUpdate, StatusReport
from reviews.selectors.content import milestone_name
from reviews.selectors.diffs import diff


@dataclass(frozen=True)
class HistoryLine:
    when: datetime
    who: str
    what: str
    changes: list[str]


def _lines(kind: str, history, limit: int) -> list[HistoryLine]:
    lines = []
    previous: dict[int, object] = {}
    for record in reversed(list(history.order_by("-history_date", "-history_id")[:limit])):
        if kind == "report":
            what = record.history_change_reason or "Saved"
        else:
            what = f"{milestone_name(record.milestone.position, record.milestone.title)} updated"
        changes = history_changes(previous.get(record.id), record)
        previous[record.id] = record
        if record.history_type == "~" and not changes and kind == "milestone":
            continue
        lines.append(
            HistoryLine(
                when=record.history_date,
                who=str(record.history_user) if record.history_user else "system",
                what=what,
                changes=[c for c in changes if not c.startswith("Version:")],
            )
        )
    return lines


def report_history(report: StatusReport, *, limit: int = 200) -> list[HistoryLine]:
    """Every saved version of the report and its milestone updates, newest first (2 queries):
    for the project's own people, who may see the coordinator's drafts."""
    reports = report.history.select_related("history_user")
    updates = MilestoneUpdate.history.filter(report_id=report.pk).select_related(
        "history_user", "milestone"
    )
    lines = _lines("report", reports, limit) + _lines("milestone", updates, limit)
    lines.sort(key=lambda line: line.when, reverse=True)
    return lines[:limit]


def _snapshot_changes(old: dict, new: dict) -> list[str]:
    result = diff(old, new, against="")
    lines = [f"{c.label}: {c.old or '—'} → {c.new or '—'}" for c in result.fields]
    for title, changes in result.milestones:
        lines += [f"{title}: {c.label.lower()} {c.old or '—'} → {c.new or '—'}" for c in changes]
    return lines


def _deadline_lines(report: StatusReport) -> list[HistoryLine]:
    """The extensions and answer-by dates, read from the history's deadline fields alone."""
    lines: list[HistoryLine] = []
    previous = None
    records = report.history.select_related("history_user").order_by("history_date", "history_id")
    for record in records.only(*DEADLINE_FIELDS, "history_date", "history_user", "history_id"):
        before = previous
        previous = record
        if before is None:
            continue
        changed = [
            f"{label}: {getattr(before, name) or '—'} → {getattr(record, name) or '—'}"
            for name, label in DEADLINE_FIELDS.items()
            if getattr(before, name) != getattr(record, name)
        ]
        if changed:
            who = str(record.history_user) if record.history_user else "system"
            lines.append(HistoryLine(record.history_date, who, "Deadline changed", changed))
    return lines


DEADLINE_FIELDS = {
    "extended_deadline": "Extended deadline",
    "answer_by": "Answer by",
    "extension_reason": "Reason",
}


def submitted_history(report: StatusReport, transitions: list) -> list[HistoryLine]:
    """The report's history as the secretariat and leadership see it: built from the workflow's
    steps and the content of each submitted revision, never from the report's saved rows (which
    hold the coordinator's unsubmitted text). Extensions are shown by their own fields."""
    lines, last = [], None
    for step in transitions:
        what = step.get_action_display() + (f": {step.reason}" if step.reason else "")
        changes = [f"State: {step.get_from_state_display()} → {step.get_to_state_display()}"]
        if step.snapshot is not None:
            if last is not None:  # the first submission is the content itself, on the page
                changes += _snapshot_changes(last, step.snapshot)
            last = step.snapshot
        lines.append(HistoryLine(step.at, str(step.actor), what, changes))
    lines += _deadline_lines(report)
    lines.sort(key=lambda line: line.when, reverse=True)
    return lines
