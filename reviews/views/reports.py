"""A status report: its page, workflow actions, baselines (its form: report_form.py)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from projects.models import Milestone
from reviews import forms, services
from reviews.enums import ReportAction
from reviews.selectors.assessments import assessment_panel
from reviews.selectors.evidence import removable_evidence, report_evidence
from reviews.selectors.reports import report_detail, report_page
from reviews.views._common import ReportFormActionView, show_errors
from reviews.workflow import message_after, report_transition


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
