"""The demonstration milestones of `seed_demo`."""

from datetime import date

from django.db import transaction

from pesco_review.history import attribute
from projects.models import Milestone, Project

# A generic starter set of milestones for the demonstration. Milestones are not in the public
# data; these are invented, marked `is_demo`, and never created outside seed_demo.
DEMO_MILESTONES = (
    ("Project arrangement signed by the participants", 1),
    ("Requirements and concept agreed", 2),
    ("Initial operating capability", 4),
    ("Full operating capability", 6),
    ("Final report to the PESCO secretariat", 7),
)


@transaction.atomic
def demo_milestones_seed(*, actor=None) -> int:
    """Give every project in review cycles without milestones the demo starter set."""
    created = 0
    projects = Project.objects.in_review().filter(milestones__isnull=True).select_related("wave")
    for project in projects:
        start = project.adopted or project.wave.adopted or date(2018, 3, 6)
        for position, (title, years) in enumerate(DEMO_MILESTONES, start=1):
            due = start.replace(year=start.year + years)
            milestone = Milestone(
                project=project,
                position=position,
                title=title,
                baseline_due=due,
                current_due=due,
                is_demo=True,
            )
            milestone.full_clean(validate_constraints=False)
            attribute(milestone, actor=actor, reason="seed_demo: demonstration milestone")
            milestone.save()
            created += 1
    return created
