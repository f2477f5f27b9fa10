"""The secretariat's own assessment of a report: each body's, and the lead's consolidated text."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pesco_review.accounts.models import User
from pesco_review.history import save_with_history
from reviews.models import SecretariatAssessment, StatusReport
from reviews.services._common import require


class AssessmentConflictError(ValidationError):
    """Somebody changed the assessment since this form was loaded."""

    def __init__(self, current: SecretariatAssessment):
        self.current = current
        when = timezone.localtime(current.updated_at)
        super().__init__(
            f"{current.updated_by} changed this assessment at {when:%H:%M on %d %B} since you "
            "opened it. Your text is kept below: compare it with theirs, merge, and save again."
        )


def _check(actor: User, report: StatusReport, consolidated: bool) -> str:
    """The body the actor writes for ("" for the consolidated text), once allowed."""
    if consolidated:
        require(
            actor,
            "reviews.write_consolidated_assessment",
            report,
            "Only the secretariat lead writes the consolidated assessment.",
        )
    else:
        require(
            actor,
            "reviews.write_body_assessment",
            report,
            "A body's assessment is written by a reviewer of a body this cycle requires.",
        )
    if not report.was_submitted:
        raise ValidationError(
            "The secretariat assesses a report once it is submitted; this one is still a draft."
        )
    return "" if consolidated else actor.secretariat_body


@transaction.atomic
def assessment_write(
    *,
    actor: User,
    report: StatusReport,
    text: str,
    consolidated: bool = False,
    based_on: int | None = None,
) -> SecretariatAssessment:
    """Write the actor's body's assessment of the report, or (`consolidated`) the lead's text.

    `based_on` is the version the writer's form was loaded at (0: there was none yet); a save
    from an older version is refused with AssessmentConflictError. Saving the same text again
    changes nothing and writes no history.
    """
    body = _check(actor, report, consolidated)
    text = text.strip()
    current = (
        SecretariatAssessment.objects.select_for_update()
        .select_related("updated_by")
        .filter(report=report, body=body)
        .first()
    )
    if based_on is not None and based_on != (current.version if current else 0):
        if current is None:
            raise ValidationError("This assessment was never saved: reload the page.")
        raise AssessmentConflictError(current)
    if current is None:
        if not text:
            raise ValidationError("Write the assessment before saving it.")
        current = SecretariatAssessment(report=report, body=body, version=0)
    elif current.text == text:
        return current
    current.text, current.version = text, current.version + 1
    current.updated_by, current.updated_at = actor, timezone.now()
    save_with_history(current, actor=actor, validate_constraints=False)
    return current
