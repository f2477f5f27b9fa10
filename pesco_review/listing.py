"""Long lists a page at a time: search, sort and filters read from the URL (django-filter), the
rows of one page read in the database, and what a template needs to link to the others.

A value the list does not know (a sort key, a state, a page number) never fails the request: the
filter it belongs to is left out and the form says so; a page number past the end shows the last
page, one that is not a number the first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse

PER_PAGE = 25


class Checkbox(forms.CheckboxInput):
    """Ticked only by the values a browser or a link sends for it (`1`, `on`, `true`)."""

    def value_from_datadict(self, data, files, name) -> bool:
        return data.get(name) in ("1", "on", "true", "True")


class CheckboxFilter(django_filters.BooleanFilter):
    """A checkbox (`name=1`): ticked narrows the list, unticked leaves it whole."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", Checkbox(attrs={"value": "1"}))
        super().__init__(*args, **kwargs)


class ListFilters(django_filters.FilterSet):
    """A list's search box (`q`), sort (`sort=key` or `sort=-key` from the whitelist SORTS) and,
    in subclasses, its filters. The base queryset is put in the default order first."""

    # key: (label, the fields it orders by)
    SORTS: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {}
    DEFAULT_SORT: ClassVar[str] = ""
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = ()

    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Project name or acronym"}),
    )
    sort = django_filters.ChoiceFilter(label="Sort by", method="sort_rows", empty_label=None)

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset.order_by(*self.ordering(self.DEFAULT_SORT)), **kwargs)
        # The default first: the select shows it when the URL names no sort.
        keys = sorted(self.SORTS, key=lambda key: key != self.DEFAULT_SORT)
        self.filters["sort"].extra["choices"] = [
            choice
            for key in keys
            for choice in (
                (key, self.SORTS[key][0]),
                (f"-{key}", f"{self.SORTS[key][0]}, reversed"),
            )
        ]

    def ordering(self, value: str) -> list[str]:
        """The order_by of a sort value, ending with the primary key so that pages never overlap."""
        _, fields = self.SORTS[value.removeprefix("-")]
        if value.startswith("-"):
            fields = tuple(f.removeprefix("-") if f.startswith("-") else f"-{f}" for f in fields)
        return [*fields, "-pk" if value.startswith("-") else "pk"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for field in self.SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    def sort_rows(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*self.ordering(value))

    @property
    def sort_value(self) -> str:
        """The sort in force: the one asked for where it is known, else the default."""
        self.is_valid()  # a value that is not valid is left out of cleaned_data
        return self.form.cleaned_data.get("sort") or self.DEFAULT_SORT


@dataclass(frozen=True)
class SortColumn:
    """A sortable column's header: its `aria-sort` ("" when the list is not sorted by it) and
    the sort value its link asks for (the other direction when it is the sort in force)."""

    aria: str
    link: str


@dataclass(frozen=True)
class Listing:
    """One page of a list: its rows, Django's page (number, start_index, end_index, paginator
    count), the page numbers to link to (None where some are left out), the bound filter form
    (its errors name what was ignored) and the sortable columns."""

    rows: list[Any]
    page: Page
    page_links: list[int | None]
    form: forms.Form
    sorting: dict[str, SortColumn]


def page_number(value: str | None, last: int) -> int:
    """The page asked for, brought into 1..last: not a number is the first page."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), last)


def sorting(filters: ListFilters) -> dict[str, SortColumn]:
    current = filters.sort_value
    columns = {}
    for key in filters.SORTS:
        if current == key:
            columns[key] = SortColumn("ascending", f"-{key}")
        elif current == f"-{key}":
            columns[key] = SortColumn("descending", key)
        else:
            columns[key] = SortColumn("", key)
    return columns


def url_of_each(viewname: str) -> Callable[[int], str]:
    """`reverse(viewname, args=[pk])` for the many rows of a page at the cost of one reverse():
    the URL is made once around a placeholder, then each row's key put in its place."""
    placeholder = "987654321"
    head, tail = reverse(viewname, args=[placeholder]).split(placeholder)
    return lambda pk: f"{head}{int(pk)}{tail}"


def listing(
    filters: ListFilters,
    page: str | None,
    *,
    row: Callable[[Any], Any] = lambda obj: obj,
    per_page: int = PER_PAGE,
) -> Listing:
    """The page asked for of the filtered, sorted rows (each made a `row`): two queries (the
    count, the page) and whatever the queryset prefetches for the page's rows."""
    filters.is_valid()  # what is not valid is left out of the filtering, and named by the form
    paginator = Paginator(filters.qs, per_page)
    current = paginator.page(page_number(page, paginator.num_pages))
    links = [
        None if n == Paginator.ELLIPSIS else int(n)
        for n in paginator.get_elided_page_range(current.number, on_each_side=2, on_ends=1)
    ]
    return Listing(
        rows=[row(obj) for obj in current.object_list],
        page=current,
        page_links=links,
        form=filters.form,
        sorting=sorting(filters),
    )
