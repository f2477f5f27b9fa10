"""The coordinator's text, the lead's extensions and the secretariat's baseline moves."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pesco_review.accounts.models import User
from pesco_review.history import save_with_history
from projects.models import Milestone
from reviews.enums import HistoryReason, Narrative
from reviews.models import StatusReport
from reviews.services._common import require

UPDATE_FIELDS = ("status", "percent_complete", "forecast_date", "achieved_on", "narrative")
REPORT_FIELDS = ("assessment", "phase_reported", *Narrative.values)


class EditConflictError(ValidationError):
    """Somebody else saved the report since this form was loaded."""

    def __init__(self, report: StatusReport, editor: str):
        self.report = report
        super().__init__(
            f"{editor} saved this report since you opened it. Your text is kept below: compare "
            "it with the saved version, merge, and save again."
        )


@transaction.atomic
def report_grant_extension(
    *, actor: User, report: StatusReport, until: date, reason: str
) -> StatusReport:
    require(
        actor, "reviews.grant_extension", report, "Only the secretariat lead grants extensions."
    )
    report = StatusReport.objects.select_for_update().select_related("cycle").get(pk=report.pk)
    if not reason.strip():
        raise ValidationError("Give the reason for the extension.")
    if until <= report.cycle.submission_deadline:
        deadline = report.cycle.submission_deadline
        raise ValidationError(f"An extension must end after the deadline ({deadline:%-d %B %Y}).")
    report.extended_deadline = until
    report.extension_reason = reason.strip()
    save_with_history(
        report,
        actor=actor,
        reason=f"Extension to {until:%-d %B %Y}: {reason.strip()}",
        fields=["extended_deadline", "extension_reason"],
    )
    return report


@transaction.atomic
def report_update(
    *,
    actor: User,
    report: StatusReport,
    expected_version: int,
    values: dict,
    updates: dict[int, dict],
) -> StatusReport:
    """Save the coordinator's text. Refused if somebody saved since `expected_version`."""
    report = (
        StatusReport.objects.select_for_update()
        .select_related("cycle", "project")
        .get(pk=report.pk)
    )
    if not report.is_editable:
        raise PermissionDenied("This report cannot be edited now.")
    require(actor, "reviews.edit_report", report, "This report cannot be edited now.")
    if report.version != expected_version:
        last = report.history.select_related("history_user").first()
        editor = str(last.history_user) if last and last.history_user else "Somebody"
        raise EditConflictError(report, editor)
    changed = [name for name in REPORT_FIELDS if name in values]
    for name in changed:
        setattr(report, name, values[name])
    report.version += 1
    save_with_history(
        report, actor=actor, reason=HistoryReason.DRAFT_SAVED, fields=[*changed, "version"]
    )
    by_id = {u.pk: u for u in report.updates.all()}
    for update_id, data in updates.items():
        update = by_id.get(update_id)
        if update is None:
            raise ValidationError("A milestone update does not belong to this report.")
        fields = [
            name for name in UPDATE_FIELDS if name in data and getattr(update, name) != data[name]
        ]
        if not fields:
            continue
        for name in fields:
            setattr(update, name, data[name])
        save_with_history(update, actor=actor, fields=fields)
    return report


@transaction.atomic
def milestone_move_baseline(
    *, actor: User, milestone: Milestone, baseline_due: date, reason: str
) -> Milestone:
    """Only the secretariat moves a baseline date, and always with a reason (kept in history)."""
    require(actor, "reviews.move_baseline", message="Only the secretariat moves a baseline date.")
    if not reason.strip():
        raise ValidationError("Give the reason for moving the baseline date.")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    old = milestone.baseline_due
    milestone.baseline_due = baseline_due
    milestone.current_due = baseline_due
    save_with_history(
        milestone,
        actor=actor,
        reason=f"Baseline moved from {old:%-d %b %Y} to {baseline_due:%-d %b %Y}: {reason.strip()}",
        fields=["baseline_due", "current_due"],
    )
    return milestone
