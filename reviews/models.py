"""Review cycles, status reports, milestone updates, comments, approvals and the audit trail.

A report's state changes only in `reviews.workflow`; every other write is in `reviews.services`.
"""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pesco_review.accounts.enums import SecretariatBody
from projects.models import PESCO_START
from reviews.enums import (
    Assessment,
    BuildState,
    CommentVisibility,
    CycleState,
    DownloadKind,
    EvidenceKind,
    MilestoneStatus,
    Narrative,
    ProposalState,
    ReportAction,
    ReportState,
)


def narrative_max_length() -> int:
    """The longest narrative a report may carry (REPORT_NARRATIVE_MAX_LENGTH)."""
    return settings.REPORT_NARRATIVE_MAX_LENGTH


def narrative_field(label: str) -> models.TextField:
    return models.TextField(
        label, blank=True, validators=[MaxLengthValidator(narrative_max_length)]
    )


def default_required_bodies() -> list[str]:
    return [body.value for body in SecretariatBody]


def default_reminder_days_before() -> list[int]:
    return [14, 3]


def default_reminder_days_after() -> list[int]:
    return [1, 7]


class ReviewCycle(models.Model):
    year = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(2018), MaxValueValidator(2100)]
    )
    opens = models.DateField()
    submission_deadline = models.DateField()
    review_deadline = models.DateField()
    state = models.CharField(max_length=20, choices=CycleState.choices, default=CycleState.PLANNED)
    required_bodies = models.JSONField(
        default=default_required_bodies,
        help_text="The secretariat bodies whose approval a report needs: EDA, EEAS, EUMS.",
    )
    handling_marking = models.CharField(
        max_length=60, blank=True, help_text='Printed on every page, for example "LIMITE".'
    )
    reminder_days_before = models.JSONField(
        default=default_reminder_days_before,
        help_text="Days before the submission deadline to remind coordinators of drafts.",
    )
    reminder_days_after = models.JSONField(
        default=default_reminder_days_after,
        help_text="Days after the submission deadline to remind coordinators of drafts.",
    )
    reviewer_reminder_after_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="Remind reviewers whose body has not decided on a report this many days old.",
    )
    resubmission_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Days a coordinator has to answer a request for changes.",
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=Q(state=CycleState.OPEN),
                name="reviewcycle_one_open_at_a_time",
                violation_error_message="Another cycle is open: close it first.",
            ),
            models.CheckConstraint(
                condition=Q(submission_deadline__gte=F("opens"))
                & Q(review_deadline__gte=F("submission_deadline")),
                name="cycle_dates_in_order",
                violation_error_message=(
                    "The cycle must open before the submission deadline, and the review "
                    "deadline cannot be before the submission deadline."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Review cycle {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:cycle", kwargs={"year": self.year})

    @property
    def is_planned(self) -> bool:
        return self.state == CycleState.PLANNED

    @property
    def is_open(self) -> bool:
        return self.state == CycleState.OPEN

    @property
    def is_openable(self) -> bool:
        """Planned (to open), or open (to create drafts for projects added since)."""
        return self.state in CycleState.OPENABLE

    @property
    def is_in_review(self) -> bool:
        """Reviewers decide while the cycle is open and after it closes to submissions."""
        return self.state in CycleState.IN_REVIEW


class StatusReport(models.Model):
    """One project's yearly report in one cycle (a database constraint says one)."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="reports")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="reports"
    )
    state = models.CharField(max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every save; a save from an older version is refused."
    )
    assessment = models.CharField(max_length=20, choices=Assessment.choices, blank=True)
    phase_reported = models.ForeignKey(
        "projects.LifecyclePhase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lifecycle phase reached",
    )
    summary = narrative_field(Narrative.SUMMARY.label)
    achievements = narrative_field(Narrative.ACHIEVEMENTS.label)
    risks = narrative_field(Narrative.RISKS.label)
    next_year_plan = narrative_field(Narrative.NEXT_YEAR_PLAN.label)
    resources = narrative_field(Narrative.RESOURCES.label)
    eu_cooperation = narrative_field(Narrative.EU_COOPERATION.label)
    extended_deadline = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    answer_by = models.DateField(
        null=True,
        blank=True,
        help_text="When changes were requested: the date the coordinator should resubmit by.",
    )
    last_saved_at = models.DateTimeField(
        null=True, blank=True, help_text="The coordinator's last save of the text."
    )
    is_demo = models.BooleanField(
        default=False,
        help_text="Filled in by seed_demo: invented text, never a fact about the project.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    prefilled_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    NARRATIVE_FIELDS = tuple(Narrative.values)
    REQUIRED_NARRATIVES = Narrative.REQUIRED

    class Meta:
        ordering = ["cycle", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "project"], name="statusreport_one_per_project_per_cycle"
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="statusreport_revision_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.acronym} — {self.cycle.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:report", kwargs={"pk": self.pk})

    @property
    def deadline(self) -> date:
        """The effective deadline: the answer-by date once sent back, else the extended or the
        cycle's submission deadline."""
        if self.is_sent_back and self.answer_by:
            return self.answer_by
        return self.extended_deadline or self.cycle.submission_deadline

    @property
    def is_editable(self) -> bool:
        """The coordinator may edit it: a draft, or sent back for changes."""
        return self.state in ReportState.EDITABLE

    @property
    def is_in_review(self) -> bool:
        return self.state in ReportState.IN_REVIEW

    @property
    def is_sent_back(self) -> bool:
        """The secretariat asked for changes: the coordinator is revising it."""
        return self.state == ReportState.CHANGES_REQUESTED

    @property
    def is_decided(self) -> bool:
        return self.state in ReportState.DECIDED

    @property
    def was_submitted(self) -> bool:
        """Submitted at least once: from then on the secretariat and leadership may read it."""
        return self.submitted_at is not None

    @property
    def days_left(self) -> int:
        """Days until the report's deadline (negative once it has passed)."""
        return (self.deadline - timezone.localdate()).days

    @property
    def is_overdue(self) -> bool:
        """Overdue means one thing everywhere: not (re)submitted, and today (in Brussels) is
        after the report's effective deadline."""
        return self.is_editable and timezone.localdate() > self.deadline

    @property
    def days_late(self) -> int:
        return max(0, (timezone.localdate() - self.deadline).days) if self.is_editable else 0

    @property
    def review_deadline_passed(self) -> bool:
        """Waiting for the secretariat's decisions after the cycle's review deadline."""
        return self.is_in_review and timezone.localdate() > self.cycle.review_deadline


# A forecast lies at most this many years after the cycle's year.
FORECAST_YEARS = 15


def _long(day: date) -> str:
    return f"{day:%-d %B %Y}"


def update_date_errors(
    *, achieved_on: date | None, forecast_date: date | None, year: int, today: date | None = None
) -> dict[str, str]:
    """{field: message} for dates a milestone update cannot carry: achieved in the future or
    before PESCO began; a forecast before PESCO or more than 15 years past the cycle's year."""
    today = today or timezone.localdate()
    errors = {}
    if achieved_on is not None and achieved_on > today:
        errors["achieved_on"] = "A milestone cannot be achieved in the future."
    elif achieved_on is not None and achieved_on < PESCO_START:
        errors["achieved_on"] = (
            f"A milestone cannot be achieved before PESCO began ({_long(PESCO_START)})."
        )
    latest = date(year + FORECAST_YEARS, 12, 31)
    if forecast_date is not None and not PESCO_START <= forecast_date <= latest:
        errors["forecast_date"] = (
            f"Give a forecast between {_long(PESCO_START)} and {_long(latest)}."
        )
    return errors


def slippage_days(
    *, baseline: date, achieved_on: date | None, forecast_date: date | None
) -> int | None:
    """Days the achievement (or the forecast, before it) lies after the milestone's baseline,
    negative when ahead; None without a date. Every page and document computes slippage here."""
    when = achieved_on or forecast_date
    return None if when is None else (when - baseline).days


class MilestoneUpdate(models.Model):
    report = models.ForeignKey(StatusReport, on_delete=models.PROTECT, related_name="updates")
    milestone = models.ForeignKey(
        "projects.Milestone", on_delete=models.PROTECT, related_name="updates"
    )
    status = models.CharField(max_length=20, choices=MilestoneStatus.choices, blank=True)
    percent_complete = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    forecast_date = models.DateField(null=True, blank=True)
    achieved_on = models.DateField(null=True, blank=True)
    narrative = narrative_field("narrative")

    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "milestone__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "milestone"], name="milestoneupdate_one_per_milestone"
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True) | Q(percent_complete__lte=100),
                name="milestoneupdate_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} — M{self.milestone.position}"

    def clean(self) -> None:
        if self.report_id is None:
            return  # not one of a report's updates (a form sent with a foreign id)
        errors = update_date_errors(
            achieved_on=self.achieved_on,
            forecast_date=self.forecast_date,
            year=self.report.cycle.year,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def is_achieved(self) -> bool:
        return self.status == MilestoneStatus.ACHIEVED

    @property
    def slippage_days(self) -> int | None:
        """Days the forecast (or achievement) lies after the baseline; None without a date."""
        return slippage_days(
            baseline=self.milestone.baseline_due,
            achieved_on=self.achieved_on,
            forecast_date=self.forecast_date,
        )


class MilestoneProposal(models.Model):
    """A new milestone a coordinator proposes; the secretariat accepts or declines it."""

    report = models.ForeignKey(StatusReport, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    proposed_due = models.DateField()
    state = models.CharField(
        max_length=20, choices=ProposalState.choices, default=ProposalState.DRAFT
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(
        "projects.Milestone", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        """Sent to the secretariat, not yet decided."""
        return self.state == ProposalState.PENDING

    @property
    def is_sent(self) -> bool:
        return self.state != ProposalState.DRAFT


class Comment(models.Model):
    report = models.ForeignKey(StatusReport, on_delete=models.PROTECT, related_name="comments")
    update = models.ForeignKey(
        MilestoneUpdate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name="milestone update",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    visibility = models.CharField(
        max_length=20, choices=CommentVisibility.choices, default=CommentVisibility.SHARED
    )
    revision = models.PositiveIntegerField(help_text="The report revision the comment was made on.")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["report", "visibility"])]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.report}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == CommentVisibility.INTERNAL


class SecretariatAssessment(models.Model):
    """The secretariat's own assessment of a report: one per required body (`body`), and the
    lead's consolidated text (`body` empty), which is the one the document prints. Each row has
    its own history; comments are the conversation and never stand in for it."""

    report = models.ForeignKey(
        StatusReport, on_delete=models.PROTECT, related_name="secretariat_assessments"
    )
    body = models.CharField(
        max_length=10,
        choices=SecretariatBody.choices,
        blank=True,
        help_text="The body whose assessment it is; empty: the lead's consolidated text.",
    )
    text = narrative_field("assessment")
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every change; a save from an older version is refused."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "body"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "body"], name="secretariatassessment_one_per_body"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body or 'Consolidated'} assessment of {self.report}"

    @property
    def is_consolidated(self) -> bool:
        return self.body == ""


def evidence_file_path(instance: "Attachment", filename: str) -> str:
    """A random name under the report's folder: never the uploader's file name."""
    return f"evidence/{instance.report.cycle.year}/{instance.report_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """Evidence: a file a coordinator attaches to a report, or a reviewer to a comment (then as
    visible as the comment). Its type is checked by content; it is only ever downloaded."""

    report = models.ForeignKey(StatusReport, on_delete=models.PROTECT, related_name="attachments")
    comment = models.ForeignKey(
        "Comment", on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=evidence_file_path, max_length=200)
    name = models.CharField(max_length=150, help_text="The file's own name, for display.")
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    revision = models.PositiveIntegerField(help_text="The report revision it was added on.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="attachment_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.report}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:attachment_download", kwargs={"pk": self.pk})


class Approval(models.Model):
    """A body's approval of one revision; it counts only while that revision is current."""

    report = models.ForeignKey(StatusReport, on_delete=models.PROTECT, related_name="approvals")
    revision = models.PositiveIntegerField()
    body = models.CharField(max_length=10, choices=SecretariatBody.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    # What the reviewer wrote with the approval, if anything; shown with it on the report page.
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "revision", "body"], name="approval_once_per_body_and_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} approved {self.report} r{self.revision}"


class ReportTransition(models.Model):
    """The audit record of one workflow step: who, when, from, to, why."""

    report = models.ForeignKey(StatusReport, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(max_length=20, choices=ReportAction.choices)
    from_state = models.CharField(max_length=20, choices=ReportState.choices)
    to_state = models.CharField(max_length=20, choices=ReportState.choices)
    revision = models.PositiveIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.CharField(max_length=10, choices=SecretariatBody.choices, blank=True)
    reason = models.TextField(blank=True)
    snapshot = models.JSONField(
        null=True,
        blank=True,
        help_text="On submission: the report's content as submitted, for diffs between revisions.",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report}: {self.action} by {self.actor}"


class ReportView(models.Model):
    """The revision a reviewer last looked at, for "what changed since you last saw it"."""

    report = models.ForeignKey(StatusReport, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    revision = models.PositiveIntegerField()
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="reportview_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} saw {self.report} r{self.revision}"


class ReminderSent(models.Model):
    """A reminder that went out: once per report, rule and recipient, never twice."""

    report = models.ForeignKey(StatusReport, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rule", "recipient"], name="remindersent_once_per_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} reminder for {self.report}"


def review_file_path(instance: "ConsolidatedReview", filename: str) -> str:
    """Each attempt writes under its own folder: a run never touches another run's files."""
    year, version, attempt = instance.cycle.year, instance.version, instance.attempts
    return f"consolidated-reviews/{year}/v{version}/attempt-{attempt}/{filename}"


MAX_BUILD_ATTEMPTS = 3


class ConsolidatedReview(models.Model):
    """One built version of a cycle's consolidated annual review.

    At most one build of a cycle is queued or running at a time (a partial unique constraint);
    files are recorded only once written whole; a published version is never changed.
    """

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="consolidated")
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=BuildState.choices, default=BuildState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True, help_text="The run that holds it.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When the broker took its task message (none: not yet)."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=review_file_path, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    docx = models.FileField(upload_to=review_file_path, blank=True)
    docx_sha256 = models.CharField(max_length=64, blank=True)
    built_from = models.JSONField(
        default=list, blank=True, help_text="The exact report revisions the version was built from."
    )
    figures = models.JSONField(default=dict, blank=True)
    export_rows = models.JSONField(
        default=dict,
        blank=True,
        help_text="The figures and milestone rows the version printed, as the CSV/XLSX export "
        "gives them: {heading, figures, milestones}.",
    )
    names_reviewers = models.BooleanField(
        "names the reviewers",
        default=False,
        help_text="The approvals name each reviewer beside the body (by default the body only).",
    )
    provisional = models.BooleanField(
        default=True,
        help_text="Built while its cycle was open: for the secretariat only, never published.",
    )
    error = models.TextField(blank=True)
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="What the lead should know before publishing: e.g. a report approved without "
        "a consolidated assessment.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["cycle", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "version"], name="consolidatedreview_unique_version"
            ),
            models.UniqueConstraint(
                fields=["cycle"],
                condition=Q(state__in=sorted(BuildState.ACTIVE)),
                name="consolidatedreview_one_build_at_a_time",
                violation_error_message="A build of this cycle's review is already running.",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="consolidatedreview_progress_0_100"
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(state=BuildState.SUCCEEDED),
                name="consolidatedreview_only_succeeded_published",
            ),
        ]

    def __str__(self) -> str:
        return f"Consolidated review {self.cycle.year} v{self.version}"

    @property
    def is_building(self) -> bool:
        return self.state in BuildState.ACTIVE

    @property
    def status_line(self) -> str:
        """What is happening to a build in progress, in words for the cycle page."""
        if self.state == BuildState.RUNNING:
            return f"{self.step or 'Starting'} ({self.progress} %)"
        if self.state != BuildState.QUEUED:
            return ""
        again = (
            f"The worker stopped during attempt {self.attempts}; attempt {self.attempts + 1} "
            f"of {MAX_BUILD_ATTEMPTS} "
            if self.attempts
            else "The build "
        )
        if self.dispatched_at is None:
            return (
                f"{again}waits for the task queue, which has not answered: it is handed to a "
                "worker as soon as the queue is back (checked every minute)."
            )
        since = timezone.localtime(self.dispatched_at)
        return f"{again}is queued since {since:%H:%M}, waiting for a free worker."

    @property
    def is_succeeded(self) -> bool:
        return self.state == BuildState.SUCCEEDED

    @property
    def is_failed(self) -> bool:
        return self.state == BuildState.FAILED

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def file_name(self, extension: str) -> str:
        return f"PESCO-annual-review-{self.cycle.year}-v{self.version}.{extension}"


class ReviewDownload(models.Model):
    """One download of a file of a consolidated review version: who, when, from which address."""

    review = models.ForeignKey(
        ConsolidatedReview, on_delete=models.PROTECT, related_name="downloads"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=4, choices=DownloadKind.choices)
    at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.review} {self.get_kind_display()} downloaded by {self.user} at {self.at}"
