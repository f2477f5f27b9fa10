from django.db import models


class CycleState(models.TextChoices):
    PLANNED = "planned", "Planned"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    PUBLISHED = "published", "Published"


class ReportState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"


class ReportAction(models.TextChoices):
    SUBMIT = "submit", "Submit"
    RESUBMIT = "resubmit", "Resubmit"
    REQUEST_CHANGES = "request_changes", "Request changes"
    APPROVE = "approve", "Approve"
    REOPEN = "reopen", "Reopen"


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


class CommentVisibility(models.TextChoices):
    SHARED = "shared", "Shared with the coordinator"
    INTERNAL = "internal", "Secretariat only"


class ProposalState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class BuildState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
