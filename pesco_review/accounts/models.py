"""Users and their organisation: a member state's point of contact or a secretariat body."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from pesco_review.accounts.enums import SecretariatBody


class User(AbstractUser):
    member_state = models.ForeignKey(
        "projects.MemberState",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="For national points of contact: the state they represent.",
    )
    secretariat_body = models.CharField(
        max_length=10,
        choices=SecretariatBody.choices,
        blank=True,
        help_text="For secretariat reviewers: the body they review and approve for.",
    )
    is_secretariat_lead = models.BooleanField(
        "secretariat lead",
        default=False,
        help_text="Opens and closes review cycles, grants extensions, publishes the review.",
    )
    is_leadership = models.BooleanField(
        "leadership",
        default=False,
        help_text="Sees the state of the whole cycle and the published consolidated review.",
    )

    absent_until = models.DateField(
        null=True, blank=True, help_text="A reviewer's absence: their deputy is told instead."
    )
    deputy = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputising_for",
        help_text="A reviewer of the same body who receives this reviewer's mail while absent.",
    )
    is_demo = models.BooleanField(
        "demo account",
        default=False,
        help_text="A demonstration account (seed_demo): may be refused outside development.",
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    # A person's organisation and flags: what decides what they may see and do. Their changes
    # are shown on the person's admin page and written to the security log.
    POWER_FIELDS = {
        "member_state": "Member state",
        "secretariat_body": "Secretariat body",
        "is_secretariat_lead": "Secretariat lead",
        "is_leadership": "Leadership",
        "is_staff": "Staff",
        "is_superuser": "Superuser",
        "is_active": "Active",
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(member_state__isnull=True) | Q(secretariat_body=""),
                name="user_one_organisation",
                violation_error_message=(
                    "A user represents either a member state or a secretariat body, not both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_national_contact(self) -> bool:
        """A national point of contact: no secretariat body and no flag beyond an ordinary
        account. Only they hold project roles (and so read their projects' drafts)."""
        return not (
            self.secretariat_body
            or self.is_secretariat_lead
            or self.is_leadership
            or self.is_staff
            or self.is_superuser
        )

    def is_absent(self, today) -> bool:
        return self.absent_until is not None and self.absent_until >= today

    @property
    def organisation(self) -> str:
        if self.member_state_id:
            return self.member_state.name
        if self.secretariat_body:
            return self.secretariat_body
        if self.is_secretariat_lead:
            return "PESCO secretariat"
        return ""
