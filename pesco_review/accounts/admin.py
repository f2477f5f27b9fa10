"""User administration. The secretariat lead manages national points of contact only: they create
them without a password or any flag (an invitation sets the password), set their member state,
and never set or change anyone's secretariat body, the lead, leadership, staff or superuser flag,
or another user's password; secretariat, leadership and staff accounts stay with the superuser.
Every change of a person's organisation and flags is in history, shown on the person's page.
The user's project roles are added to this page by projects/admin.py: accounts knows no project."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from pesco_review.accounts.invitations import invitation_send
from pesco_review.accounts.models import User

PRIVILEGES = ["is_superuser", "is_staff", "groups", "user_permissions"]
ORGANISATION = ["secretariat_body", "is_secretariat_lead", "is_leadership"]
# The changes of a person's organisation and powers shown on their page, from history (by the
# fields' stored values: a member state by its key).
TRACKED = {User._meta.get_field(name).attname: label for name, label in User.POWER_FIELDS.items()}


class NationalUserCreationForm(forms.ModelForm):
    """What the lead fills in for a new national point of contact: no password, no flag."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "member_state"]

    def clean_member_state(self):
        state = self.cleaned_data.get("member_state")
        if state is None:
            raise forms.ValidationError(
                "A national point of contact represents a member state: choose it. Secretariat "
                "and leadership accounts are created by a superuser."
            )
        return state

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()  # set by the person, through the invitation
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = [
        "username",
        "get_full_name",
        "member_state",
        "secretariat_body",
        "is_secretariat_lead",
        "is_leadership",
        "is_active",
    ]
    list_filter = [
        "secretariat_body",
        "is_secretariat_lead",
        "is_leadership",
        "is_active",
        "is_demo",
    ]
    list_select_related = ["member_state"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            "Organisation and roles",
            {"fields": ["member_state", *ORGANISATION, "organisation_history"]},
        ),
    ]
    national_add_fieldsets = [
        (None, {"fields": ["username", "first_name", "last_name", "email", "member_state"]}),
    ]

    def _lead_only(self, request) -> bool:
        return not request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        if obj is None and self._lead_only(request):
            return self.national_add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and self._lead_only(request):
            kwargs["form"] = NationalUserCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "organisation_history"]
        if self._lead_only(request):
            readonly += [*PRIVILEGES, *ORGANISATION]
            if obj is not None and obj.pk == request.user.pk:
                readonly += ["member_state"]
        return readonly

    def save_related(self, request, form, formsets, change):
        """A national point of contact created here without a password (the lead's form) is
        invited once their project roles (the inlines) are saved, as an import invites."""
        super().save_related(request, form, formsets, change)
        user = form.instance
        if change or user.has_usable_password() or not user.is_national_contact:
            return
        if not user.email:
            messages.warning(request, f"{user} has no e-mail address: no invitation was sent.")
            return
        roles = list(user.project_roles.select_related("project"))
        invitation_send(user=user, roles=roles, invited_by=request.user)
        messages.info(request, f"An invitation to choose a password was sent to {user.email}.")

    def has_change_permission(self, request, obj=None):
        """The lead changes national points of contact only (and may look at everyone)."""
        if obj is not None and self._lead_only(request) and not obj.is_national_contact:
            return obj.pk == request.user.pk and super().has_change_permission(request, obj)
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and self._lead_only(request):
            raise PermissionDenied(
                "Only a superuser sets another person's password; national points of contact "
                "set theirs through the invitation or the password reset."
            )
        return super().user_change_password(request, id, form_url)

    def history_lines(self, obj) -> list[tuple[str, str]]:
        """(when, what) for every change of the person's organisation and powers."""
        if obj is None or obj.pk is None:
            return []
        lines, before = [], None
        records = obj.history.select_related("history_user").order_by("history_date", "history_id")
        for record in records:
            if before is not None:
                changed = [
                    f"{label}: {_shown(getattr(before, name))} → {_shown(getattr(record, name))}"
                    for name, label in TRACKED.items()
                    if getattr(before, name) != getattr(record, name)
                ]
                if changed:
                    who = record.history_user or "a command"
                    lines.append((record.history_date, f"{'; '.join(changed)}, by {who}"))
            before = record
        return lines

    @admin.display(description="Changes of organisation and roles")
    def organisation_history(self, obj):
        lines = sorted(self.history_lines(obj), reverse=True)
        if not lines:
            return "None recorded."
        return format_html_join(
            "", "<p>{} — {}</p>", ((f"{when:%d %b %Y %H:%M}", what) for when, what in lines)
        )


def _shown(value) -> str:
    if value in (None, ""):
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)
