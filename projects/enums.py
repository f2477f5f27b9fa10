from enum import nonmember

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


class PhaseSlug(models.TextChoices):
    """The default lifecycle phases (a data migration creates them; the secretariat may add
    others). The review's figures count projects by these slugs."""

    IDEATION = "ideation", "Ideation"
    PLANNING = "planning", "Planning"
    EXECUTION = "execution", "Execution"
    FULL_OPERATING_CAPABILITY = "full-operating-capability", "Full operating capability"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"

    # Counted as "reached execution or operational capability" in the review's figures.
    EXECUTION_OR_LATER = nonmember(frozenset({"execution", "full-operating-capability"}))
