"""Review cycles: the list, planning and editing, opening and closing, the overview, the queue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import CreateView, TemplateView, UpdateView

from pesco_review.permissions import RulesPermissionRequiredMixin
from reviews import forms, services
from reviews.models import ReviewCycle
from reviews.selectors.cycles import cycle_list, cycle_page, report_counts
from reviews.selectors.queue import queue_page
from reviews.views._common import show_errors


class CycleListView(RulesPermissionRequiredMixin, TemplateView):
    permission_required = "reviews.view_cycle_overview"
    template_name = "reviews/cycle_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cycles"] = cycle_list()
        return context


class CycleCreateView(RulesPermissionRequiredMixin, CreateView):
    permission_required = "reviews.manage_cycle"
    template_name = "reviews/cycle_form.html"
    form_class = forms.CycleForm

    def form_valid(self, form):
        try:
            cycle = services.cycle_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The {cycle.year} cycle is planned. Open it when ready.")
        return redirect(cycle)


class CycleUpdateView(RulesPermissionRequiredMixin, UpdateView):
    permission_required = "reviews.manage_cycle"
    template_name = "reviews/cycle_form.html"
    form_class = forms.CycleForm

    def get_object(self, queryset=None):
        return get_object_or_404(ReviewCycle, year=self.kwargs["year"])

    def form_valid(self, form):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            cycle = services.cycle_update(actor=self.request.user, cycle=self.object, **values)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The {cycle.year} cycle is saved.")
        return redirect(cycle)


class CycleActionView(RulesPermissionRequiredMixin, View):
    """Open or close a cycle (POST). Closing asks first (GET: what closing will do, with the
    cycle's figures); only its form's confirmation closes."""

    permission_required = "reviews.manage_cycle"
    http_method_names = ["get", "post"]

    def get(self, request, year: int, action: str):
        if action != "close":
            raise Http404("Only closing a cycle asks for a confirmation.")
        cycle = get_object_or_404(ReviewCycle, year=year)
        counts = {state: n for _, state, n in report_counts(cycle).by_state}
        context = {"cycle": cycle, "counts": counts, "total": sum(counts.values())}
        return render(request, "reviews/cycle_close_confirm.html", context)

    def post(self, request, year: int, action: str):
        cycle = get_object_or_404(ReviewCycle, year=year)
        if action == "close" and request.POST.get("confirm") != "yes":
            return redirect("reviews:cycle_action", year=year, action="close")
        try:
            if action == "open":
                created = services.cycle_open(actor=request.user, cycle=cycle)
                messages.success(
                    request, f"The {year} cycle is open: {created} draft report(s) created."
                )
            elif action == "close":
                services.cycle_close(actor=request.user, cycle=cycle)
                messages.success(request, f"The {year} cycle is closed: no more submissions.")
            else:
                raise Http404("No such action.")
        except ValidationError as error:
            show_errors(request, error)
        return redirect(cycle)


class CycleOverviewView(RulesPermissionRequiredMixin, TemplateView):
    """Every project's report in the cycle: state, each body's decision, overdue items."""

    permission_required = "reviews.view_cycle_overview"
    template_name = "reviews/cycle_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = cycle_page(
            user=self.request.user,
            year=self.kwargs["year"],
            params=self.request.GET,
            page=self.request.GET.get("page"),
        )
        return context


class ReviewQueueView(RulesPermissionRequiredMixin, TemplateView):
    permission_required = "reviews.view_review_queue"
    template_name = "reviews/queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = queue_page(
            user=self.request.user, params=self.request.GET, page=self.request.GET.get("page")
        )
        return context
