"""The project list's search, sort and filters, as they come in the URL."""

import django_filters
from django.db.models import Exists, OuterRef

from pesco_review.listing import ListFilters
from projects.enums import ProjectStatus
from projects.models import Participation


def recorded_or_not(*, label: str, field_name: str, empty: str) -> django_filters.ChoiceFilter:
    """One of the recorded values, or "none": the projects for which it is not recorded."""
    return django_filters.ChoiceFilter(
        label=label,
        field_name=field_name,
        empty_label=empty,
        null_label="Not recorded",
        null_value="none",
    )


class ProjectFilters(ListFilters):
    """`domains`, `phases` and `states` are the choices of their filters (read once by the
    page); "none" asks for the projects whose domain or phase is not recorded."""

    SORTS = {
        "project": ("Project", ("name",)),
        "domain": ("Domain", ("domain__position", "domain__name", "name")),
        "wave": ("Wave", ("wave__number", "name")),
        "phase": ("Phase", ("phase__position", "name")),
        "status": ("Status", ("status", "name")),
    }
    DEFAULT_SORT = "wave"
    SEARCH_FIELDS = ("name", "acronym")

    domain = recorded_or_not(label="Domain", field_name="domain__slug", empty="All domains")
    phase = recorded_or_not(label="Phase", field_name="phase__slug", empty="All phases")
    state = django_filters.ChoiceFilter(
        label="Member state", method="taking_part", empty_label="All states"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=ProjectStatus.choices, empty_label="Any status"
    )

    def __init__(self, data=None, queryset=None, *, domains, phases, states, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["domain"].extra["choices"] = [(d.slug, d.name) for d in domains]
        self.filters["phase"].extra["choices"] = [(p.slug, p.name) for p in phases]
        self.filters["state"].extra["choices"] = [
            (s.code, f"{s.name} (third state)" if s.is_third_state else s.name) for s in states
        ]

    def taking_part(self, queryset, name, value):
        """Projects the state takes part in now (a former participation does not count)."""
        current = Participation.objects.filter(
            project=OuterRef("pk"), state__code=value, until__isnull=True
        )
        return queryset.filter(Exists(current))
