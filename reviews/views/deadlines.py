"""Extensions: the lead moves a report's deadline, draft included, from the cycle overview."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from reviews import forms, services
from reviews.selectors.deadlines import DeadlinePage, deadline_page
from reviews.views._common import show_errors


def _back(page: DeadlinePage):
    """To the report where the lead may read it; to the cycle overview otherwise (a draft)."""
    if page.may_open:
        return redirect(page.report)
    return redirect(page.report.cycle)


class ExtensionView(TemplateView):
    template_name = "reviews/extension.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = deadline_page(user=self.request.user, pk=self.kwargs["pk"])
        report = page.report
        context.update(
            page=page,
            form=kwargs.get("form")
            or forms.ExtensionForm(
                initial={"until": report.deadline, "reason": report.extension_reason}
            ),
        )
        return context

    def post(self, request, pk: int):
        page = deadline_page(user=request.user, pk=pk)
        form = forms.ExtensionForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.report_grant_extension(
                actor=request.user, report=page.report, **form.cleaned_data
            )
        except ValidationError as error:
            show_errors(request, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, f"Deadline extended to {form.cleaned_data['until']:%-d %B %Y}.")
        return _back(page)
