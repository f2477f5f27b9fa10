from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from pesco_review.accounts.forms import AbsenceForm
from pesco_review.accounts.middleware import needs_second_factor
from pesco_review.accounts.services import absence_set
from pesco_review.permissions import RulesPermissionRequiredMixin


class AbsenceView(RulesPermissionRequiredMixin, FormView):
    """A reviewer names a deputy of the same body while away."""

    permission_required = "accounts.set_absence"
    template_name = "accounts/absence.html"
    form_class = AbsenceForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        user = self.request.user
        return {"absent_until": user.absent_until, "deputy": user.deputy_id}

    def form_valid(self, form):
        try:
            absence_set(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        until = form.cleaned_data["absent_until"]
        if until:
            deputy = form.cleaned_data["deputy"]
            messages.success(self.request, f"Until {until:%-d %B %Y}, {deputy} receives your mail.")
        else:
            messages.success(self.request, "Your absence is over: you receive your own mail again.")
        return redirect("absence")


class AccountSettingsView(TemplateView):
    """The person's own sign-in settings: password, second factor."""

    template_name = "account/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["second_factor_required"] = needs_second_factor(self.request.user)
        return context
