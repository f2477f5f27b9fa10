"""Milestone proposals as the secretariat decides them: sent ones only, each with its own fields."""

from reviews.enums import ProposalState
from reviews.models import MilestoneProposal


def proposals_to_decide() -> list[MilestoneProposal]:
    return list(
        MilestoneProposal.objects.filter(state=ProposalState.PENDING)
        .select_related("report__project", "report__cycle", "proposed_by")
        .only(
            "pk",
            "title",
            "description",
            "proposed_due",
            "state",
            "sent_at",
            "report__id",
            "report__project__acronym",
            "report__project__name",
            "report__cycle__year",
            "proposed_by__first_name",
            "proposed_by__last_name",
            "proposed_by__username",
        )
        .order_by("sent_at", "pk")
    )
