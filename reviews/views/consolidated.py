"""The consolidated review: build, progress, publish, download; the figures export."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from pesco_review.accounts.client_ip import client_ip
from pesco_review.permissions import RulesPermissionRequiredMixin, may
from pesco_review.security import security_event
from reviews import services
from reviews.enums import BuildState, CycleState, DownloadKind
from reviews.models import ConsolidatedReview, ReviewCycle
from reviews.selectors.consolidated import consolidated_for_download, version_for_figures
from reviews.views._common import show_errors

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReviewBuildView(RulesPermissionRequiredMixin, View):
    """The lead's one button: queue a new version of the cycle's consolidated review."""

    permission_required = "reviews.build_review"
    http_method_names = ["post"]

    def post(self, request, year: int):
        cycle = get_object_or_404(ReviewCycle, year=year)
        try:
            review = services.review_request_build(
                actor=request.user,
                cycle=cycle,
                names_reviewers=request.POST.get("names_reviewers") == "on",
            )
        except services.BuildAlreadyRunningError as error:
            messages.warning(request, error.messages[0])
            return HttpResponseRedirect(f"{cycle.get_absolute_url()}#review-{error.review.pk}")
        messages.success(request, f"Version {review.version} is being built.")
        return HttpResponseRedirect(f"{cycle.get_absolute_url()}#review-{review.pk}")


class ReviewStatusView(RulesPermissionRequiredMixin, View):
    """The build's progress as JSON, for the progress bar (polled without reloading)."""

    permission_required = "reviews.build_review"

    def get(self, request, pk: int):
        review = get_object_or_404(ConsolidatedReview, pk=pk)
        return JsonResponse(
            {
                "state": review.state,
                "state_label": review.get_state_display(),
                "finished": review.state in BuildState.FINISHED,
                "progress": review.progress,
                "step": review.step,
                "status_line": review.status_line,
                "error": review.error,
            }
        )


class ReviewPublishView(RulesPermissionRequiredMixin, View):
    """Publishing asks first: the page says what leadership will get and which reports the
    version lacks; only its form's confirmation publishes."""

    permission_required = "reviews.build_review"

    def get(self, request, pk: int):
        review = get_object_or_404(ConsolidatedReview.objects.select_related("cycle"), pk=pk)
        figures = review.figures or {}
        in_review, approved = (
            figures.get("projects_in_review", 0),
            figures.get("reports_approved", 0),
        )
        return render(
            request,
            "reviews/publish_confirm.html",
            {
                "review": review,
                "approved": approved,
                "in_review": in_review,
                "not_approved": max(0, in_review - approved),
            },
        )

    def post(self, request, pk: int):
        review = get_object_or_404(ConsolidatedReview, pk=pk)
        if request.POST.get("confirm") != "yes":
            return redirect("reviews:review_publish", pk=review.pk)
        try:
            services.review_publish(actor=request.user, review=review)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, f"Version {review.version} is published for leadership.")
        return redirect(review.cycle)


class ReviewDownloadView(View):
    """A built file, through a permission check; never a public URL. Each download is recorded."""

    def get(self, request, pk: int, kind: str):
        if kind not in DownloadKind.values:
            raise Http404("No such format.")
        review = consolidated_for_download(user=request.user, pk=pk)
        services.review_record_download(
            actor=request.user, review=review, kind=kind, address=client_ip(request)
        )
        return FileResponse(
            getattr(review, kind).open("rb"),
            as_attachment=True,
            filename=review.file_name(kind),
            content_type=CONTENT_TYPES[kind],
        )


class FiguresExportView(View):
    """The cycle's figures and milestone table as CSV or XLSX, as its latest built version
    printed them (stored with it, never computed again here): for the lead at any time, for
    leadership once the cycle is closed (from a version built since then)."""

    def get(self, request, year: int, kind: str):
        from reviews.documents import exports  # noqa: PLC0415 - heavy imports stay in documents

        if kind not in {"csv", "xlsx"}:
            raise Http404("No such format.")
        cycle = get_object_or_404(ReviewCycle, year=year)
        if not may(request.user, "reviews.export_figures", cycle):
            raise PermissionDenied("The figures of this cycle are not yours to export.")
        version = version_for_figures(cycle=cycle)
        rows = (
            version.export_rows
            if version is not None
            else exports.no_version_rows(
                year=year,
                marking=cycle.handling_marking,
                since_closed=cycle.state in CycleState.FINAL,
            )
        )
        body = exports.to_csv(rows) if kind == "csv" else exports.to_xlsx(rows)
        response = HttpResponse(body, content_type=CONTENT_TYPES[kind])
        name = f"PESCO-annual-review-{year}-figures.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        security_event("figures_exported", request, cycle=cycle.year, kind=kind)
        return response
