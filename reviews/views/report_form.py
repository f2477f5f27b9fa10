"""The coordinator's form of a status report: save a draft any time, submit from it; a
conflicting save keeps the text, a submission that is incomplete shows what is missing beside
each field."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from pesco_review.permissions import may
from reviews import forms, services
from reviews.enums import Narrative, ReportAction
from reviews.selectors.content import missing_problems
from reviews.selectors.reports import report_detail
from reviews.workflow import NOT_YET, TRANSITIONS, report_transition


def _submission(report):
    """The submission the coordinator's form offers from the report's state (submit or
    resubmit), from the workflow's table."""
    return next(
        t
        for (state, action), t in TRANSITIONS.items()
        if state == report.state and action in ReportAction.SUBMISSIONS
    )


class ReportEditView(TemplateView):
    """The coordinator's form. Save as draft any time; a conflicting save keeps the text."""

    template_name = "reviews/report_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.report = report_detail(user=request.user, pk=kwargs["pk"])
        report = self.report
        if not (
            report.is_editable
            and report.cycle.is_open
            and may(request.user, "reviews.edit_report", report)
        ):
            return self.refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, request):
        state = self.report.get_state_display().lower()
        if request.method == "POST" and may(request.user, "reviews.submit_report", self.report):
            # A co-coordinator submitted meanwhile: keep this person's text on the page.
            messages.error(
                request,
                f"The report was {state} since you opened it and can no longer be edited. "
                "Your text is below: copy what you need into a comment.",
            )
            form, formset = self.get_forms(request.POST)
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset, locked=True)
            )
        report = self.report
        if not may(request.user, "reviews.edit_report", report):
            message = (
                "Editing the report is the coordinator's task: you can read it and comment on it."
            )
        elif not report.cycle.is_open:
            message = (
                f"The {report.cycle.year} cycle is {report.cycle.get_state_display().lower()}: "
                "its reports can no longer be edited."
            )
        else:
            message = f"This report is {state}: it cannot be edited now."
        messages.error(request, message)
        return redirect(report)

    def get_forms(self, data=None):
        report = self.report
        form = forms.ReportForm(data, instance=report, initial={"version": report.version})
        formset = forms.MilestoneUpdateFormSet(
            data,
            queryset=report.updates.select_related("milestone", "report__cycle").order_by(
                "milestone__position"
            ),
            prefix="m",
        )
        return form, formset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in context:
            context["form"], context["formset"] = self.get_forms()
        context["report"] = self.report
        context["max_bytes"] = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if "conflict" in kwargs:
            saved = kwargs["conflict"]
            context["conflict_narratives"] = [(n.label, getattr(saved, n.value)) for n in Narrative]
        editable = self.report.is_editable
        context["submission"] = _submission(self.report) if editable else None
        return context

    def invalid(self, request, form, formset, message: str = ""):
        """The form again, as typed; its errors in one summary at its top (form_errors.html),
        and `message` for what no field of it says."""
        if message:
            messages.error(request, message)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, pk: int):
        form, formset = self.get_forms(request.POST)
        if not (form.is_valid() and formset.is_valid()):
            return self.invalid(request, form, formset)
        if any(f.instance.pk is None for f in formset.forms):
            # An id that is not one of this report's updates (or a form added by hand).
            return self.invalid(
                request,
                form,
                formset,
                "The form no longer matches this report's milestones: reload the page.",
            )
        try:
            report = services.report_update(
                actor=request.user,
                report=self.report,
                expected_version=form.cleaned_data["version"],
                values={name: form.cleaned_data[name] for name in forms.ReportForm.Meta.fields},
                updates={
                    f.instance.pk: {n: f.cleaned_data[n] for n in services.UPDATE_FIELDS}
                    for f in formset.forms
                },
            )
        except services.EditConflictError as conflict:
            return self.conflict(request, conflict, pk)
        if "submit" in request.POST:
            return self.submit(request, report)
        messages.success(request, "Draft saved.")
        return redirect("reviews:report_edit", pk=pk)

    def not_submitted(self, request, report, problems):
        """The form as saved, each problem beside its field and in the summary at the top."""
        self.report = report
        data = request.POST.copy()
        data["version"] = report.version  # saved: the next save starts from this version
        form, formset = self.get_forms(data)
        form.is_valid()
        formset.is_valid()
        by_update = {f.instance.pk: f for f in formset.forms}
        for problem in problems:
            target = form if problem.update_id is None else by_update.get(problem.update_id)
            if target is None:  # a milestone the form does not show
                form.add_error(None, problem.message)
            else:
                field = problem.field if problem.field in target.fields else None
                target.add_error(field, problem.field_message if field else problem.message)
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, saved_not_submitted=True)
        )

    def conflict(self, request, conflict: services.EditConflictError, pk: int):
        """Show the user's text beside the version saved meanwhile."""
        # Two copies: the form writes the user's text into its instance while validating.
        saved = report_detail(user=request.user, pk=pk)
        self.report = report_detail(user=request.user, pk=pk)
        messages.error(request, conflict.messages[0])
        data = request.POST.copy()
        data["version"] = saved.version  # saving again, after merging, is deliberate
        form, formset = self.get_forms(data)
        form.is_valid()
        formset.is_valid()
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, conflict=saved)
        )

    def submit(self, request, report):
        transition = _submission(report)
        try:
            report_transition(report=report, action=transition.action, actor=request.user)
        except ValidationError as error:
            problems = missing_problems(report)
            # What no field says (the deadline, the cycle) is said above the form.
            shown = {p.message for p in problems} | {NOT_YET}
            for message in (m for m in error.messages if m not in shown):
                messages.error(request, message)
            if not problems:
                messages.warning(
                    request, "Your changes are saved, but the report was not submitted."
                )
                return redirect("reviews:report_edit", pk=report.pk)
            return self.not_submitted(request, report, problems)
        done = transition.message(report, request.user)
        messages.success(request, f"Saved and {done[0].lower()}{done[1:]}")
        return redirect(report)
