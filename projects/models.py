"""PESCO member states, projects, participations and milestones.

A value the public sources do not give is stored as "not recorded" (NULL, or the NOT_RECORDED
choice), never as an empty list or "none"; `*_verified = False` marks a value that was inferred.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from projects.enums import (
    ListCoverage,
    ParticipationRole,
    ProjectRoleKind,
    ProjectStatus,
    StateKind,
)

# Council Decision (CFSP) 2017/2315: no PESCO date can be earlier.
PESCO_START = date(2017, 12, 11)


class MemberState(models.Model):
    code = models.CharField("ISO 3166-1 code", max_length=2, unique=True)
    eu_code = models.CharField(
        "EU code", max_length=2, blank=True, help_text="Where EU documents use another code (EL)."
    )
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=StateKind.choices)
    joined = models.DateField("joined PESCO", null=True, blank=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    source_record = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="The data-set entry as last loaded; a reload applies only what changed in it.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"), name="memberstate_code_iso_alpha2"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_third_state(self) -> bool:
        return self.kind == StateKind.THIRD_STATE


class Domain(models.Model):
    """A PESCO capability domain (the categories of pesco.europa.eu)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Wave(models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    adopted = models.DateField(null=True, blank=True)
    council_decision = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    source_record = models.JSONField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(number__gte=1), name="wave_number_gte_1")]

    def __str__(self) -> str:
        return f"Wave {self.number}"


class LifecyclePhase(models.Model):
    """A configurable lifecycle phase; the defaults come from a data migration."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    position = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(models.QuerySet):
    def in_review(self) -> "ProjectQuerySet":
        """Projects that take part in review cycles: every one not closed or completed."""
        return self.exclude(status__in=[ProjectStatus.CLOSED, ProjectStatus.COMPLETED])


class Project(models.Model):
    name = models.CharField(max_length=200)
    name_verified = models.BooleanField(
        default=True, help_text="False where the official title was not seen in a source."
    )
    acronym = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, null=True, blank=True, related_name="projects"
    )
    domain_verified = models.BooleanField(default=False)
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="projects")
    adopted = models.DateField(null=True, blank=True)
    council_decision = models.CharField(max_length=100, blank=True)
    phase = models.ForeignKey(
        LifecyclePhase, on_delete=models.PROTECT, null=True, blank=True, related_name="projects"
    )
    phase_as_of = models.CharField(
        max_length=40, null=True, blank=True, help_text="When the source says the phase held."
    )
    phase_source = models.CharField(
        max_length=300, blank=True, help_text="The source that states the phase."
    )
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.UNKNOWN
    )
    status_as_of = models.CharField(max_length=200, null=True, blank=True)
    description = models.TextField(blank=True)
    expected_foc = models.DateField("expected full operating capability", null=True, blank=True)
    coordinators_verified = models.BooleanField(default=True)
    participants_coverage = models.CharField(
        max_length=20, choices=ListCoverage.choices, default=ListCoverage.NOT_RECORDED
    )
    participants_as_of = models.CharField(max_length=200, null=True, blank=True)
    observers_recorded = models.BooleanField(
        default=False, help_text="Whether any source lists this project's observers."
    )
    third_states_recorded = models.BooleanField(default=False)
    source = models.URLField(max_length=500, blank=True)
    extra_sources = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    source_record = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="The data-set entry as last loaded; a reload applies only what changed in it.",
    )

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_foc__isnull=True)
                | Q(adopted__isnull=True)
                | Q(expected_foc__gte=F("adopted")),
                name="project_foc_not_before_adoption",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})"

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"slug": self.slug})

    @property
    def membership_complete(self) -> bool:
        return self.participants_coverage == ListCoverage.COMPLETE

    @property
    def membership_partial(self) -> bool:
        return self.participants_coverage == ListCoverage.PARTIAL

    @property
    def membership_not_recorded(self) -> bool:
        return self.participants_coverage == ListCoverage.NOT_RECORDED

    @property
    def takes_part_in_reviews(self) -> bool:
        return self.status not in {ProjectStatus.CLOSED, ProjectStatus.COMPLETED}


class Participation(models.Model):
    """A state's part in a project over a period; `until` is NULL while it lasts."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="participations")
    state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=20, choices=ParticipationRole.choices)
    since = models.DateField(null=True, blank=True, help_text="Empty: not recorded.")
    until = models.DateField(null=True, blank=True, help_text="Empty: still taking part.")
    verified = models.BooleanField(default=True, help_text="False where the role was inferred.")
    from_dataset = models.BooleanField(
        default=False, help_text="Recorded by load_pesco from the public data set."
    )
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "role", "state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "state"],
                condition=Q(until__isnull=True),
                name="participation_one_current_per_state",
                violation_error_message="This state already takes part in this project.",
            ),
            models.CheckConstraint(
                condition=Q(since__isnull=True) | Q(until__isnull=True) | Q(until__gte=F("since")),
                name="participation_until_not_before_since",
                violation_error_message="A participation cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state} — {self.get_role_display()} of {self.project.acronym}"

    @property
    def is_current(self) -> bool:
        return self.until is None


class Milestone(models.Model):
    """An ordered milestone of a project. Only the secretariat moves the baseline date."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    baseline_due = models.DateField("baseline due date")
    current_due = models.DateField("current due date")
    achieved_on = models.DateField(null=True, blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Invented for the demonstration; not from any source."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "position"], name="milestone_unique_position_per_project"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="milestone_position_gte_1"),
            models.CheckConstraint(
                condition=Q(baseline_due__gte=PESCO_START)
                & Q(current_due__gte=PESCO_START)
                & (Q(achieved_on__isnull=True) | Q(achieved_on__gte=PESCO_START)),
                name="milestone_dates_not_before_pesco",
                violation_error_message="A milestone date cannot be before PESCO (11 Dec 2017).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.acronym} M{self.position}: {self.title}"

    @property
    def slippage_days(self) -> int:
        """Days the current due date lies after the baseline (negative: ahead)."""
        return (self.current_due - self.baseline_due).days


class ProjectRole(models.Model):
    """A user's role in one project: the national point of contact as coordinator or member."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_roles"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="user_roles")
    role = models.CharField(max_length=20, choices=ProjectRoleKind.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="projectrole_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.project.acronym}"

    def clean(self) -> None:
        if self.user_id and not self.user.is_national_contact:
            raise ValidationError(
                {
                    "user": "Project roles are for national points of contact: a secretariat, "
                    "leadership or staff account holds none (it would read the project's drafts)."
                }
            )
