"""The lead's imports: the page with the templates and the recent imports, an upload that
shows the preview, the preview page that confirms or discards."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from onboarding import services
from onboarding.columns import COLUMNS
from onboarding.enums import ImportKind
from onboarding.forms import ImportUploadForm
from onboarding.models import ImportRun
from onboarding.spreadsheets import FORMATS, template_file
from pesco_review.permissions import RulesPermissionRequiredMixin

RECENT = 20


class ImportMixin(RulesPermissionRequiredMixin):
    permission_required = "onboarding.import_register"


class ImportListView(ImportMixin, TemplateView):
    template_name = "onboarding/imports.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        runs = ImportRun.objects.select_related("uploaded_by", "applied_by").defer(
            "rows", "preview"
        )
        context["kinds"] = [
            {
                "kind": kind,
                "columns": COLUMNS[kind],
                "form": form
                if form is not None and form["kind"].value() == kind
                else ImportUploadForm(initial={"kind": kind}),
            }
            for kind in ImportKind
        ]
        context["runs"] = runs[:RECENT]
        return context

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        run = services.import_preview(
            actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
        )
        return redirect(run)


class TemplateDownloadView(ImportMixin, View):
    def get(self, request, kind: str, file_format: str):
        if kind not in ImportKind.values or file_format not in FORMATS:
            raise Http404("No such template.")
        response = HttpResponse(template_file(kind, file_format), content_type=FORMATS[file_format])
        response["Content-Disposition"] = f'attachment; filename="pesco-{kind}.{file_format}"'
        return response


class ImportDetailView(ImportMixin, TemplateView):
    template_name = "onboarding/import_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = get_object_or_404(
            ImportRun.objects.select_related("uploaded_by", "applied_by"), pk=self.kwargs["pk"]
        )
        context["run"] = run
        context["columns"] = COLUMNS[run.kind]
        context["errors_first"] = sorted(run.preview, key=lambda r: r["outcome"] != "error")
        return context

    def post(self, request, pk: int):
        run = get_object_or_404(ImportRun, pk=pk)
        try:
            if request.POST.get("action") == "discard":
                services.import_discard(actor=request.user, run=run)
                messages.success(request, "The import is discarded: nothing of it was written.")
                return redirect("onboarding:imports")
            applied = services.import_confirm(actor=request.user, run=run)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(run)
        if applied:
            run.refresh_from_db()
            messages.success(request, _applied_message(run))
        else:
            messages.warning(
                request,
                "The register changed since this preview, so some rows would now do something "
                "else: nothing was written. Check the rows below again, then confirm.",
            )
        return redirect(run)


def _applied_message(run: ImportRun) -> str:
    counts = run.counts
    text = (
        f"Imported: {counts.get('new', 0)} new, {counts.get('changed', 0)} changed, "
        f"{counts.get('unchanged', 0)} unchanged."
    )
    if run.kind == ImportKind.PEOPLE and counts.get("new"):
        text += " New people receive their invitation by e-mail."
    return text
