"""What the review's views share: error messages, and the small report forms' view."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.shortcuts import redirect
from django.views import View

from reviews.selectors.reports import report_detail


def show_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


class ReportFormActionView(View):
    """POST a small form about one report: bind it, call one service, say what happened, and
    go back to the report. Subclasses name the form and what to do with it."""

    http_method_names = ["post"]
    form_class: type[Form]
    invalid_message: str

    def objects(self, report, **kwargs) -> dict:
        """Further objects from the URL, looked up (404) before the form is read."""
        return {}

    def perform(self, report, data: dict, **objects) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def post(self, request, pk: int, **kwargs):
        report = report_detail(user=request.user, pk=pk)
        objects = self.objects(report, **kwargs)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, self.invalid_message)
            return redirect(report)
        try:
            message = self.perform(report, form.cleaned_data, **objects)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, message)
        return redirect(report)
