"""The filters, search and sort of the review's lists (the queue, a cycle's reports), as they
come in the URL. Every filter is SQL: the list is paginated in the database."""

import django_filters

from pesco_review.listing import CheckboxFilter, ListFilters
from reviews.enums import ReportState
from reviews.selectors import conditions


class ReportFilters(ListFilters):
    """What the queue and the cycle overview share: search by project, state, domain, overdue.
    `domains` are the choices of the domain filter (read once by the page)."""

    SORTS = {
        "project": ("Project", ("project__name",)),
        "domain": (
            "Domain",
            ("project__domain__position", "project__domain__name", "project__name"),
        ),
        "state": ("State", ("state", "project__name")),
    }
    SEARCH_FIELDS = ("project__name", "project__acronym")

    state = django_filters.ChoiceFilter(
        label="State", choices=ReportState.choices, empty_label="Any state"
    )
    domain = django_filters.ChoiceFilter(
        label="Domain", field_name="project__domain__slug", empty_label="All domains"
    )
    overdue = CheckboxFilter(label="Overdue", method="only_overdue")

    def __init__(self, data=None, queryset=None, *, domains, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["domain"].extra["choices"] = [(d.slug, d.name) for d in domains]

    def only_overdue(self, queryset, name, value):
        return queryset.filter(conditions.overdue()) if value else queryset


class QueueFilters(ReportFilters):
    """The review queue's: a reviewer also filters by what their body has not decided."""

    SORTS = {
        **ReportFilters.SORTS,
        "submitted": ("Submitted", ("submitted_at",)),
    }
    DEFAULT_SORT = "submitted"

    state = django_filters.ChoiceFilter(
        label="State",
        choices=[(s, ReportState(s).label) for s in ReportState.QUEUE_FILTERS],
        empty_label="Any state",
    )
    undecided = CheckboxFilter(label="Not decided by my body", method="only_undecided")

    def __init__(self, data=None, queryset=None, *, domains, body: str = "", **kwargs):
        super().__init__(data, queryset, domains=domains, **kwargs)
        self.body = body

    def only_undecided(self, queryset, name, value):
        if not value or not self.body:
            return queryset
        return queryset.filter(conditions.undecided_by(self.body))


class CycleReportFilters(ReportFilters):
    """A cycle's reports on its overview; "not approved" are those the annex names."""

    SORTS = {
        **ReportFilters.SORTS,
        "saved": ("Last saved", ("last_saved_at",)),
    }
    DEFAULT_SORT = "domain"

    not_approved = CheckboxFilter(label="Not approved", method="only_not_approved")

    def only_not_approved(self, queryset, name, value):
        return queryset.exclude(state__in=ReportState.DECIDED) if value else queryset
