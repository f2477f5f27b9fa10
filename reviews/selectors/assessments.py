"""The secretariat's assessments on the report page: every body's and the consolidated text for
the secretariat; for everybody else, the consolidated text as the latest published version of
the annual review printed it, and nothing before."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.accounts.models import User
from pesco_review.permissions import may
from reviews.models import ConsolidatedReview, SecretariatAssessment, StatusReport

CONSOLIDATED = "consolidated"  # the URL's kind for the lead's text; "body" for the writer's body


@dataclass(frozen=True)
class AssessmentEntry:
    kind: str  # "consolidated" or "body": what the save URL takes
    label: str
    assessment: SecretariatAssessment | None
    earlier: list[Any]  # the history records of earlier versions, newest first
    writable: bool


@dataclass(frozen=True)
class PublishedAssessment:
    text: str
    version: int
    year: int
    published_at: datetime | None


@dataclass(frozen=True)
class AssessmentPanel:
    entries: list[AssessmentEntry]  # the secretariat's view; empty for everybody else
    published: PublishedAssessment | None  # everybody else's view


def _entries(user: User, report: StatusReport) -> list[AssessmentEntry]:
    """2 queries: the assessments and their history."""
    rows = {a.body: a for a in report.secretariat_assessments.select_related("updated_by")}
    earlier: dict[int, list] = {}
    records = SecretariatAssessment.history.filter(report_id=report.pk).select_related(
        "history_user"
    )
    for record in records.order_by("-history_date", "-history_id"):
        earlier.setdefault(record.id, []).append(record)
    writes_body = may(user, "reviews.write_body_assessment", report)

    def entry(kind: str, body: str, label: str, writable: bool) -> AssessmentEntry:
        row = rows.get(body)
        before = earlier.get(row.pk, [])[1:] if row else []
        return AssessmentEntry(kind, label, row, before, writable)

    bodies = [b for b in SecretariatBody if b.value in report.cycle.required_bodies]
    return [
        entry(
            CONSOLIDATED,
            "",
            "Consolidated assessment (printed in the annual review)",
            may(user, "reviews.write_consolidated_assessment", report),
        ),
        *(
            entry("body", b.value, b.value, writes_body and user.secretariat_body == b.value)
            for b in bodies
        ),
    ]


def _published(report: StatusReport) -> PublishedAssessment | None:
    """The consolidated text as the latest published version printed it: 1 or 2 queries."""
    review = (
        ConsolidatedReview.objects.filter(cycle_id=report.cycle_id, published_at__isnull=False)
        .order_by("-version")
        .only("version", "published_at", "built_from")
        .first()
    )
    if review is None:
        return None
    entry: dict = next((b for b in review.built_from if b.get("report") == report.pk), {})
    if not entry.get("assessment"):
        return None
    record = SecretariatAssessment.history.filter(history_id=entry["assessment"]).first()
    if record is None:
        return None
    return PublishedAssessment(record.text, review.version, report.cycle.year, review.published_at)


def assessment_panel(*, user: User, report: StatusReport) -> AssessmentPanel | None:
    """What the report page's assessment section shows this user; None before submission."""
    if not report.was_submitted:
        return None
    if may(user, "reviews.view_secretariat_assessments", report):
        return AssessmentPanel(_entries(user, report), None)
    return AssessmentPanel([], _published(report))
