"""A report's saved versions, for the history on its page."""

from dataclasses import dataclass
from datetime import datetime

from projects.selectors import history_changes
from reviews.enums import HistoryReason
from reviews.models import MilestoneUpdate, StatusReport
from reviews.selectors.content import milestone_name


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


def report_history(
    report: StatusReport, *, drafts: bool = True, limit: int = 200
) -> list[HistoryLine]:
    """Every saved version of the report and its milestone updates, newest first (2 queries).

    With drafts=False (for the secretariat), the coordinator's draft saves are left out: each
    workflow step then shows what changed since the step before it.
    """
    reports = report.history.select_related("history_user")
    if drafts:
        updates = MilestoneUpdate.history.filter(report_id=report.pk).select_related(
            "history_user", "milestone"
        )
        lines = _lines("report", reports, limit) + _lines("milestone", updates, limit)
    else:
        lines = _lines(
            "report", reports.exclude(history_change_reason=HistoryReason.DRAFT_SAVED), limit
        )
    lines.sort(key=lambda line: line.when, reverse=True)
    return lines[:limit]
