"""Reads of projects, already joined so that a page never issues a query per row."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import capfirst

from pesco_review.listing import Listing, listing
from projects.enums import ParticipationRole
from projects.filters import ProjectFilters
from projects.models import Domain, LifecyclePhase, MemberState, Milestone, Participation, Project
from projects.rules import project_roles_of, sees_every_project


def projects_visible_to(*, user) -> QuerySet[Project]:
    """Every project for the secretariat and leadership; a user's own projects otherwise."""
    projects = Project.objects.all()
    if sees_every_project(user):
        return projects
    return projects.filter(pk__in=list(project_roles_of(user)))


# What the project list shows: never the source records (JSON) nor the long texts.
PROJECT_LIST_FIELDS = (
    "name",
    "name_verified",
    "acronym",
    "slug",
    "domain",
    "domain_verified",
    "wave",
    "phase",
    "status",
    "participants_coverage",
    "domain__name",
    "wave__number",
    "phase__name",
)


def _member_count() -> Coalesce:
    """The project's current members and coordinators (not observers), counted per row in a
    subquery: the database counts them for the page's rows only, not for every project before
    sorting them (as a join with GROUP BY does)."""
    members = (
        Participation.objects.filter(project=OuterRef("pk"), until__isnull=True)
        .exclude(role=ParticipationRole.OBSERVER)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


def project_list(*, user) -> QuerySet[Project]:
    """The projects a user may see, with what the list shows already fetched, in the order of
    their waves."""
    coordinators = (
        Participation.objects.filter(role=ParticipationRole.COORDINATOR, until__isnull=True)
        .select_related("state")
        .only("project", "state", "verified", "state__name")
    )
    return (
        projects_visible_to(user=user)
        .select_related("domain", "wave", "phase")
        .only(*PROJECT_LIST_FIELDS)
        .prefetch_related(Prefetch("participations", coordinators, to_attr="current_coordinators"))
        .annotate(member_count=_member_count())
        .order_by("wave__number", "name")
    )


@dataclass(frozen=True)
class ProjectListPage:
    listing: Listing  # its rows are Projects


def project_list_page(*, user, params, page: str | None = None) -> ProjectListPage:
    """One page of the projects a user may see, searched, filtered and sorted as the URL says."""
    filters = ProjectFilters(
        params,
        project_list(user=user),
        domains=list(Domain.objects.all()),
        phases=list(LifecyclePhase.objects.all()),
        states=list(MemberState.objects.only("code", "name", "kind")),
    )
    return ProjectListPage(listing=listing(filters, page))


def project_detail(*, user, slug: str) -> Project:
    """One visible project with its participations and milestones; DoesNotExist otherwise."""
    return (
        projects_visible_to(user=user)
        .select_related("domain", "wave", "phase")
        .prefetch_related(
            Prefetch(
                "participations",
                Participation.objects.select_related("state").order_by("state__name"),
            ),
            Prefetch("milestones", Milestone.objects.order_by("position")),
        )
        .get(slug=slug)
    )


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    kind: str
    changes: list[str]
    reason: str


_SKIPPED_FIELDS = {
    "id",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
    "history_relation",
}


def _shown(field, value) -> str:
    """A stored value as a person reads it: choice labels, local times, "not recorded"."""
    if value in (None, ""):
        return "not recorded"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%-d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%-d %b %Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def history_changes(previous, record) -> list[str]:
    """What differs between two history records of one object, in words."""
    if previous is None or record.history_type != "~":
        return []
    changes = []
    for field in record.instance_type._meta.fields:
        if field.attname in _SKIPPED_FIELDS:
            continue
        old, new = getattr(previous, field.attname), getattr(record, field.attname)
        if old == new:
            continue
        label = capfirst(str(field.verbose_name))
        if field.is_relation or isinstance(old, (list, dict)) or isinstance(new, (list, dict)):
            changes.append(f"{label} changed")
        else:
            changes.append(f"{label}: {_shown(field, old)} → {_shown(field, new)}")
    return changes


def project_history(*, project: Project, limit: int = 200) -> list[HistoryEntry]:
    """Changes to the project, its participations and its milestones, newest first.

    Three queries, whatever the number of records: each change is compared in memory with the
    record before it of the same object.
    """
    histories = [
        project.history.select_related("history_user"),
        Participation.history.filter(project_id=project.pk).select_related("history_user", "state"),
        Milestone.history.filter(project_id=project.pk).select_related("history_user"),
    ]
    verbs = {"+": "added", "~": "changed", "-": "removed"}
    entries = []
    for history in histories:
        previous_by_object: dict[int, object] = {}
        newest = list(history.order_by("-history_date", "-history_id")[:limit])
        for record in reversed(newest):
            model = record.instance_type.__name__
            if model == "Participation":
                subject = f"{record.state.name} as {record.get_role_display().lower()}"
            elif model == "Milestone":
                subject = f"milestone {record.position} “{record.title}”"
            else:
                subject = "project record"
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=str(record.history_user) if record.history_user else "system",
                    what=f"{subject} {verbs[record.history_type]}",
                    kind=model,
                    changes=history_changes(previous_by_object.get(record.id), record),
                    reason=record.history_change_reason or "",
                )
            )
            previous_by_object[record.id] = record
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
