"""One status report as its own PDF, for the secretariat to send to the project."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views import View

from pesco_review.permissions import may
from pesco_review.security import security_event
from reviews.selectors.reports import report_detail


class ReportPdfView(View):
    """One submitted report as its own PDF, for the secretariat to send to the project: the
    annual review's project page with the cycle's handling marking, PDF/UA like the review.
    Rendered in the request (one page, well under a second) in a child process, as every typst
    render is (reviews.documents.isolated: typst's caches leave with the child)."""

    def get(self, request, pk: int):
        from reviews.documents.context import build_report_context  # noqa: PLC0415 - heavy
        from reviews.documents.isolated import run_forked  # noqa: PLC0415 - imports stay
        from reviews.documents.pdf import render_report_pdf  # noqa: PLC0415 - in documents

        report = report_detail(user=request.user, pk=pk)  # 404 outside the user's scope
        if not may(request.user, "reviews.export_report", report):
            raise PermissionDenied("Exporting a report is the secretariat's task.")
        if report.is_editable:
            messages.error(
                request,
                "This report was sent back for changes and the coordinator is revising it: "
                "export it once it is resubmitted.",
            )
            return redirect(report)
        document = build_report_context(report_id=report.pk, generated_by=str(request.user))
        body = run_forked(render_report_pdf, document)
        security_event("report_exported", request, report=report.pk, revision=report.revision)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report_pdf_name(report)}"'
        return response


def report_pdf_name(report) -> str:
    acronym = re.sub(r"[^A-Za-z0-9]+", "-", report.project.acronym).strip("-") or "report"
    return f"PESCO-status-report-{report.cycle.year}-{acronym}-r{report.revision}.pdf"
