"""The secretariat's assessment of a report: a body's reviewer or the lead saves theirs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect

from reviews import forms, services
from reviews.selectors.assessments import CONSOLIDATED
from reviews.selectors.reports import report_detail
from reviews.views.reports import ReportDetailView


class AssessmentSaveView(ReportDetailView):
    """Save an assessment; a refused save shows the report page again with the text kept."""

    http_method_names = ["post"]

    def post(self, request, pk: int, kind: str):
        if kind not in {CONSOLIDATED, "body"}:
            raise Http404("No such assessment.")
        report = report_detail(user=request.user, pk=pk)
        form = forms.AssessmentForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.assessment_write(
                    actor=request.user,
                    report=report,
                    text=form.cleaned_data["text"],
                    consolidated=kind == CONSOLIDATED,
                    based_on=form.cleaned_data["version"],
                )
            except services.AssessmentConflictError as error:
                form.add_error("text", error)
                status = 409
            except ValidationError as error:
                form.add_error("text", error)
            else:
                messages.success(request, "Assessment saved.")
                return HttpResponseRedirect(f"{report.get_absolute_url()}#assessment")
        context = self.get_context_data(assessment_form=form, assessment_kind=kind)
        return self.render_to_response(context, status=status)
