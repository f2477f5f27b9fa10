"""An import of the milestone register or of national points of contact from a spreadsheet.

The file is read once, at upload: its rows are kept (as text) with the preview of every row's
outcome, so the confirmation applies exactly the rows the lead saw, checked again against the
register as it is then. The file itself is not kept."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from onboarding.enums import ImportKind, ImportState


class ImportRun(models.Model):
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField("SHA-256 of the file", max_length=64)
    rows = models.JSONField(default=list, help_text="The file's rows: number and cell texts.")
    preview = models.JSONField(default=list, help_text="Every row's outcome, as last previewed.")
    file_errors = models.JSONField(default=list, help_text="What is wrong with the file itself.")
    notes = models.JSONField(default=list, help_text="What was not read (columns it ignored).")
    state = models.CharField(
        max_length=20, choices=ImportState.choices, default=ImportState.PREVIEWED
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imports_applied",
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, help_text="{outcome: rows} of the last preview.")

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.get_kind_display()} from {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("onboarding:import", kwargs={"pk": self.pk})

    @property
    def history_reason(self) -> str:
        """What the history of every row this import writes says."""
        return f"Import {self.pk} ({self.file_name})"[:100]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or bool(self.counts.get("error"))

    @property
    def is_applicable(self) -> bool:
        return self.state == ImportState.PREVIEWED and not self.has_errors

    @property
    def rows_to_write(self) -> int:
        return self.counts.get("new", 0) + self.counts.get("changed", 0)
