"""States, actions and choices of the review, with their groups: the one place their values and
labels are written."""

from enum import nonmember

from django.db import models


class CycleState(models.TextChoices):
    PLANNED = "planned", "Planned"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    PUBLISHED = "published", "Published"

    # Opening again (for projects added since) is allowed while planned or open.
    OPENABLE = nonmember(frozenset({"planned", "open"}))
    # Reviews go on after a cycle closes to submissions.
    IN_REVIEW = nonmember(frozenset({"open", "closed"}))
    # Closed to submissions: its review may be published (again, by a later version).
    FINAL = nonmember(frozenset({"closed", "published"}))


class ReportState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"

    # The coordinator may edit, and the report waits for a (re)submission.
    EDITABLE = nonmember(frozenset({"draft", "changes_requested"}))
    # Waiting for the secretariat's decisions.
    IN_REVIEW = nonmember(frozenset({"submitted"}))
    # Every required body approved the current revision.
    DECIDED = nonmember(frozenset({"approved"}))
    # The states a reviewer filters the queue by (a draft never reaches the queue).
    QUEUE_FILTERS = nonmember(("submitted", "changes_requested", "approved"))


class ReportAction(models.TextChoices):
    SUBMIT = "submit", "Submit"
    RESUBMIT = "resubmit", "Resubmit"
    REQUEST_CHANGES = "request_changes", "Request changes"
    APPROVE = "approve", "Approve"
    REOPEN = "reopen", "Reopen"

    SUBMISSIONS = nonmember(frozenset({"submit", "resubmit"}))
    # Taken for a secretariat body: the audit record names the body.
    FOR_A_BODY = nonmember(frozenset({"approve", "request_changes"}))


class Assessment(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    MINOR_DELAYS = "minor_delays", "Minor delays"
    MAJOR_DELAYS = "major_delays", "Major delays"
    CRITICAL = "critical", "Critical"


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    DELAYED = "delayed", "Delayed"
    AT_RISK = "at_risk", "At risk"
    ACHIEVED = "achieved", "Achieved"
    CANCELLED = "cancelled", "Cancelled"

    # A milestone in trouble: the coordinator explains why.
    NEEDS_EXPLANATION = nonmember(frozenset({"delayed", "at_risk"}))


class Narrative(models.TextChoices):
    """The report's narrative sections: field name and the label every page and document uses."""

    SUMMARY = "summary", "Summary"
    ACHIEVEMENTS = "achievements", "Achievements of the year"
    RISKS = "risks", "Risks and mitigation"
    NEXT_YEAR_PLAN = "next_year_plan", "Next year's plan"
    RESOURCES = "resources", "Resources"
    EU_COOPERATION = "eu_cooperation", "Cooperation with EU bodies"

    REQUIRED = nonmember(("summary", "achievements", "risks", "next_year_plan"))


class CommentVisibility(models.TextChoices):
    SHARED = "shared", "Shared with the coordinator"
    INTERNAL = "internal", "Secretariat only"


class ProposalState(models.TextChoices):
    DRAFT = "draft", "Not sent"
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class BuildState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"

    # A build in progress: at most one per cycle (a partial unique constraint).
    ACTIVE = nonmember(frozenset({"queued", "running"}))
    FINISHED = nonmember(frozenset({"succeeded", "failed"}))


class ReminderRule(models.TextChoices):
    """The kinds of reminder; a rule recorded as sent is the kind and its day or body."""

    BEFORE_DEADLINE = "before", "Days before the submission deadline"
    AFTER_DEADLINE = "after", "Days after the submission deadline"
    REVIEW = "review", "A body has not decided on a submitted report"

    def key(self, *parts: object) -> str:
        """The rule as recorded once sent: `before-14`, `review-EDA-r2`."""
        return "-".join([self.value, *(str(part) for part in parts)])


class HistoryReason(models.TextChoices):
    """Reasons the history records for steps that are not workflow transitions."""

    DRAFT_SAVED = "Edited", "The coordinator saved the draft"
    DRAFT_CREATED = "Draft created when the cycle opened", "Draft created"
    CYCLE_OPENED = "Cycle opened", "Cycle opened"
    CYCLE_CLOSED = "Cycle closed", "Cycle closed"


class DownloadKind(models.TextChoices):
    """The files of a consolidated review version that people download."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"


class EvidenceKind(models.TextChoices):
    """The file types evidence may be, as recognised by their content (reviews.evidence)."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "Word document (DOCX)"
    XLSX = "xlsx", "Excel workbook (XLSX)"
    PNG = "png", "PNG image"
    JPEG = "jpeg", "JPEG image"
