"""The report facts lists filter and count by, as SQL: the same meaning as the model's
properties (`report.deadline`, `report.is_overdue`, `approved_bodies`), so that a list is
filtered and paginated in the database instead of after loading every row."""

from datetime import date

from django.db.models import Case, DateField, Exists, F, OuterRef, Q, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from reviews.enums import ReportState
from reviews.models import Approval


def deadline():
    """`report.deadline`: the answer-by date once sent back, else the extended deadline or the
    cycle's submission deadline."""
    return Case(
        When(state=ReportState.CHANGES_REQUESTED, answer_by__isnull=False, then=F("answer_by")),
        default=Coalesce(F("extended_deadline"), F("cycle__submission_deadline")),
        output_field=DateField(),
    )


def overdue(today: date | None = None) -> Q:
    """`report.is_overdue`: not (re)submitted, and today (in Brussels) is after its deadline."""
    today = today or timezone.localdate()
    return Q(state__in=ReportState.EDITABLE) & Q(LessThan(deadline(), today))


def approved_by(body: str) -> Q:
    """The body approved the report's current revision."""
    return Q(
        Exists(
            Approval.objects.filter(report=OuterRef("pk"), revision=OuterRef("revision"), body=body)
        )
    )


def undecided_by(body: str) -> Q:
    """Waiting for the body's decision: in review, and the body has not approved this revision."""
    return Q(state__in=ReportState.IN_REVIEW) & ~approved_by(body)
