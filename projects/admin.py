"""The secretariat completes the public data here; every change is kept in history."""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from pesco_review.accounts.admin import UserAdmin
from pesco_review.accounts.models import User
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


class PreloadedAutocomplete(AutocompleteSelect):
    """An autocomplete whose selected option's label is known already (from the inline's own
    rows): Django's asks the database once per row for it."""

    labels: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not selected <= self.labels.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for key in sorted(selected):
            options.append(self.create_option(name, key, self.labels[key], True, len(options)))
        return [(None, options, 0)]


class PreloadedInlineMixin:
    """Inline rows whose autocomplete fields render without a query per row: the labels of the
    related objects come from the rows, read once with them."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PreloadedAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is None:
            return formset
        rows = list(self.get_queryset(request).filter(**{formset.fk.name: obj}))
        for name in self.get_autocomplete_fields(request):
            field = formset.form.base_fields.get(name)
            if field is None:
                continue
            widget = getattr(field.widget, "widget", field.widget)
            attname = self.model._meta.get_field(name).attname
            widget.labels = {str(getattr(r, attname)): str(getattr(r, name)) for r in rows}
        return formset


class ParticipationInline(PreloadedInlineMixin, admin.TabularInline):
    model = Participation
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("state", "project")

    autocomplete_fields = ["state"]
    fields = ["state", "role", "since", "until", "verified", "from_dataset", "note"]
    readonly_fields = ["from_dataset"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")  # each row's name

    fields = ["position", "title", "baseline_due", "current_due", "achieved_on", "is_demo"]


class NoRolesForOneselfMixin:
    """Nobody gives themselves a project role (and so a report to write), superusers included."""

    def _check_roles(self, request, roles) -> None:
        if any(role.user_id == request.user.pk for role in roles):
            raise PermissionDenied("You cannot give yourself a project role; ask another steward.")


class ProjectRoleInline(PreloadedInlineMixin, admin.TabularInline):
    model = ProjectRole
    extra = 0
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "project")


@admin.register(Project)
class ProjectAdmin(NoRolesForOneselfMixin, SimpleHistoryAdmin):
    list_display = ["acronym", "name", "domain", "wave", "phase", "status", "participants_coverage"]
    list_filter = ["wave", "domain", "phase", "status", "participants_coverage"]
    list_select_related = ["domain", "wave", "phase"]
    search_fields = ["name", "acronym"]
    readonly_fields = ["source_record"]
    inlines = [ParticipationInline, MilestoneInline, ProjectRoleInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is ProjectRole:
            self._check_roles(request, [f.instance for f in formset.forms if f.has_changed()])
        super().save_formset(request, form, formset, change)


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
class ProjectRoleAdmin(NoRolesForOneselfMixin, SimpleHistoryAdmin):
    list_display = ["user", "project", "role"]
    list_select_related = ["user", "project"]
    autocomplete_fields = ["user", "project"]

    def save_model(self, request, obj, form, change):
        self._check_roles(request, [obj])
        super().save_model(request, obj, form, change)


# The user page shows the user's project roles: projects extends the accounts' user admin, so
# that accounts imports nothing from projects.
admin.site.unregister(User)


@admin.register(User)
class UserWithProjectRolesAdmin(NoRolesForOneselfMixin, UserAdmin):
    inlines = [*UserAdmin.inlines, ProjectRoleInline]

    def history_lines(self, obj) -> list[tuple]:
        """The organisation's changes, and every project role given, changed or taken."""
        lines = super().history_lines(obj)
        if obj is None or obj.pk is None:
            return lines
        records = ProjectRole.history.filter(user_id=obj.pk).select_related(
            "history_user", "project"
        )
        verbs = {"+": "given", "~": "changed", "-": "taken away"}
        for record in records:
            who = record.history_user or "a command"
            role = record.get_role_display()
            what = f"{role} of {record.project.acronym}, {verbs[record.history_type]} by {who}"
            lines.append((record.history_date, what))
        return lines

    def save_formset(self, request, form, formset, change):
        if formset.model is ProjectRole:
            self._check_roles(request, [f.instance for f in formset.forms if f.has_changed()])
        super().save_formset(request, form, formset, change)
