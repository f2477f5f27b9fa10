"""The coordinator's text, the lead's extensions and the secretariat's baseline moves."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

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
    if report.is_decided:
        raise ValidationError("The report is approved: it needs no extension.")
    if not report.cycle.is_open:
        raise ValidationError(
            f"The {report.cycle.year} cycle is {report.cycle.get_state_display().lower()}: "
            "no report of it can be submitted any more, so no extension is granted."
        )
    # Sent back: the answer-by date moves; otherwise the submission deadline is extended.
    floor = timezone.localdate() if report.is_sent_back else report.cycle.submission_deadline
    if until <= floor:
        what = "today" if report.is_sent_back else "the deadline"
        raise ValidationError(f"An extension must end after {what} ({floor:%-d %B %Y}).")
    fields = ["extension_reason"]
    if report.is_sent_back:
        report.answer_by = until
        fields.append("answer_by")
    else:
        report.extended_deadline = until
        fields.append("extended_deadline")
    report.extension_reason = reason.strip()
    save_with_history(
        report,
        actor=actor,
        reason=f"Extension to {until:%-d %B %Y}: {reason.strip()}",
        fields=fields,
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
    if not report.cycle.is_open:
        raise PermissionDenied(
            f"The {report.cycle.year} cycle is {report.cycle.get_state_display().lower()}: its "
            "reports can no longer be edited."
        )
    if report.version != expected_version:
        last = report.history.select_related("history_user").first()
        editor = str(last.history_user) if last and last.history_user else "Somebody"
        raise EditConflictError(report, editor)
    changed = [name for name in REPORT_FIELDS if name in values]
    for name in changed:
        setattr(report, name, values[name])
    report.version += 1
    report.last_saved_at = timezone.now()
    save_with_history(
        report,
        actor=actor,
        reason=HistoryReason.DRAFT_SAVED,
        fields=[*changed, "version", "last_saved_at"],
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
