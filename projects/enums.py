from django.db import models


class StateKind(models.TextChoices):
    PARTICIPATING = "participating", "PESCO participating Member State"
    THIRD_STATE = "third_state", "Third state"


class ParticipationRole(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    PARTICIPANT = "participant", "Participant"
    OBSERVER = "observer", "Observer"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    COMPLETED = "completed", "Completed"
    UNKNOWN = "unknown", "Not recorded"


class ListCoverage(models.TextChoices):
    """How much of a project's membership the public sources give."""

    COMPLETE = "complete", "Complete"
    PARTIAL = "partial", "Partial"
    NOT_RECORDED = "not_recorded", "Not recorded"


class ProjectRoleKind(models.TextChoices):
    """A national user's part in one project (who files the report, who reads it)."""

    COORDINATOR = "coordinator", "Coordinator"
    MEMBER = "member", "Member"
