"""The secretariat completes the public data here; every change is kept in history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import (
    Domain,
    LifecyclePhase,
    MemberState,
    Milestone,
    Participation,
    Project,
    ProjectRole,
    Wave,
)


@admin.register(MemberState)
class MemberStateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "eu_code", "kind", "joined"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = ["number", "adopted", "council_decision"]


@admin.register(LifecyclePhase)
class LifecyclePhaseAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    prepopulated_fields = {"slug": ["name"]}


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["state"]
    fields = ["state", "role", "since", "until", "verified", "from_dataset", "note"]
    readonly_fields = ["from_dataset"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["position", "title", "baseline_due", "current_due", "achieved_on", "is_demo"]


class ProjectRoleInline(admin.TabularInline):
    model = ProjectRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["acronym", "name", "domain", "wave", "phase", "status", "participants_coverage"]
    list_filter = ["wave", "domain", "phase", "status", "participants_coverage"]
    list_select_related = ["domain", "wave", "phase"]
    search_fields = ["name", "acronym"]
    readonly_fields = ["source_record"]
    inlines = [ParticipationInline, MilestoneInline, ProjectRoleInline]


@admin.register(Participation)
class ParticipationAdmin(SimpleHistoryAdmin):
    list_display = ["project", "state", "role", "since", "until", "verified"]
    list_filter = ["role", "verified", "state"]
    list_select_related = ["project", "state"]
    autocomplete_fields = ["project", "state"]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["project", "position", "title", "baseline_due", "current_due", "achieved_on"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]


@admin.register(ProjectRole)
class ProjectRoleAdmin(SimpleHistoryAdmin):
    list_display = ["user", "project", "role"]
    list_select_related = ["user", "project"]
    autocomplete_fields = ["user", "project"]
