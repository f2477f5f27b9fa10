"""Evidence: the coordinator's upload to a report, and every download (permission-checked)."""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.views import View

from pesco_review.security import security_event
from reviews import services
from reviews.evidence import CONTENT_TYPES
from reviews.selectors.evidence import attachment_for_download
from reviews.selectors.reports import report_detail
from reviews.views._common import show_errors


class AttachmentUploadView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        report = report_detail(user=request.user, pk=pk)
        back = HttpResponseRedirect(f"{report.get_absolute_url()}#evidence")
        uploads = request.FILES.getlist("files")
        if not uploads:
            messages.error(request, "Choose a file to attach.")
            return back
        try:
            added = services.attachments_add(actor=request.user, report=report, uploads=uploads)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, f"Attached: {', '.join(a.name for a in added)}.")
        return back


class AttachmentRemoveView(View):
    """The coordinator removes a file no submission has carried yet."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        attachment = attachment_for_download(user=request.user, pk=pk)
        report = attachment.report
        try:
            services.attachment_remove(actor=request.user, attachment=attachment)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, f"Removed: {attachment.name}.")
        return HttpResponseRedirect(f"{report.get_absolute_url()}#evidence")


class AttachmentDownloadView(View):
    """Always a download, never shown inline: attachment disposition, its type from its
    content, no sniffing, and a sandbox should a browser render it anyway."""

    def get(self, request, pk: int):
        attachment = attachment_for_download(user=request.user, pk=pk)
        response = FileResponse(
            attachment.file.open("rb"),
            content_type=CONTENT_TYPES[attachment.kind],
        )
        ascii_name = attachment.name.encode("ascii", "replace").decode().replace('"', "'")
        response["Content-Disposition"] = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.name)}"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        security_event(
            "evidence_downloaded", request, attachment=attachment.pk, sha256=attachment.sha256
        )
        return response
