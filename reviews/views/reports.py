"""A status report: its page, the coordinator's form, workflow actions, extensions, baselines."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from pesco_review.permissions import may
from projects.models import Milestone
from reviews import forms, services
from reviews.enums import Narrative, ReportAction
from reviews.selectors.assessments import assessment_panel
from reviews.selectors.evidence import removable_evidence, report_evidence
from reviews.selectors.reports import report_detail, report_page
from reviews.views._common import ReportFormActionView, show_errors
from reviews.workflow import TRANSITIONS, message_after, report_transition


class ReportDetailView(TemplateView):
    template_name = "reviews/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        page = report_page(user=user, pk=self.kwargs["pk"])
        report = page.report
        evidence = report_evidence(user=user, report=report, files=page.files)
        context.update(
            page=page,
            report=report,
            can=page.can,
            comment_form=kwargs.get("comment_form") or forms.CommentForm(),
            extension_form=forms.ExtensionForm(
                initial={"until": report.extended_deadline, "reason": report.extension_reason}
            ),
            proposal_form=forms.ProposalForm(),
            baseline_form=forms.BaselineForm(),
            assessments=assessment_panel(user=user, report=report),
            evidence=evidence,
            removable=removable_evidence(user=user, report=report, evidence=evidence),
            evidence_max_mb=settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
        )
        return context


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
            messages.warning(request, "Your changes are saved, but the report was not submitted.")
            show_errors(request, error)
            return redirect("reviews:report_edit", pk=report.pk)
        done = transition.message(report, request.user)
        messages.success(request, f"Saved and {done[0].lower()}{done[1:]}")
        return redirect(report)


class ReportActionView(View):
    """One workflow action (POST); the workflow checks permission and guards."""

    http_method_names = ["post"]

    def post(self, request, pk: int, action: str):
        report = report_detail(user=request.user, pk=pk)
        if action not in ReportAction.values:
            raise Http404("No such action.")
        form = forms.ReasonForm(request.POST)
        form.is_valid()
        try:
            report = report_transition(
                report=report,
                action=action,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                expected_revision=form.cleaned_data.get("revision"),
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, message_after(action, report, request.user))
        return redirect(report)


class BaselineView(ReportFormActionView):
    form_class = forms.BaselineForm
    invalid_message = "Give the new baseline date and the reason for moving it."

    def objects(self, report, **kwargs) -> dict:
        milestone = kwargs["milestone"]
        return {
            "milestone": get_object_or_404(Milestone, pk=milestone, project_id=report.project_id)
        }

    def perform(self, report, data: dict, **objects) -> str:
        milestone = objects["milestone"]
        services.milestone_move_baseline(actor=self.request.user, milestone=milestone, **data)
        return f"Baseline of milestone {milestone.position} moved."
