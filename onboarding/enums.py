from django.db import models


class ImportKind(models.TextChoices):
    MILESTONES = "milestones", "Milestone register"
    PEOPLE = "people", "National points of contact"


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", "Previewed, not applied"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"


class RowOutcome(models.TextChoices):
    NEW = "new", "New"
    CHANGED = "changed", "Changed"
    UNCHANGED = "unchanged", "Unchanged"
    ERROR = "error", "Error"
