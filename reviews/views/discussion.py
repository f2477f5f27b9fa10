"""The conversation about a report: comments, replies, resolving; milestone proposals."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from reviews import forms, services
from reviews.enums import CommentVisibility
from reviews.models import Comment, MilestoneProposal
from reviews.selectors.reports import report_detail
from reviews.views._common import ReportFormActionView, show_errors


def _readable(request, comment: Comment) -> None:
    """An internal comment does not exist for whoever may not read it."""
    if comment.is_internal and not request.user.has_perm("reviews.view_internal_comments"):
        raise Http404("No such comment.")


class CommentCreateView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        report = report_detail(user=request.user, pk=pk)
        form = forms.CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, "A comment cannot be empty.")
            return redirect(report)
        update = parent = None
        if form.cleaned_data["update"]:
            update = get_object_or_404(report.updates, pk=form.cleaned_data["update"])
        if form.cleaned_data["parent"]:
            parent = get_object_or_404(report.comments, pk=form.cleaned_data["parent"])
            _readable(request, parent)
        try:
            services.comment_add(
                actor=request.user,
                report=report,
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data["visibility"] or CommentVisibility.SHARED,
                update=update,
                parent=parent,
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, "Comment added.")
        return HttpResponseRedirect(f"{report.get_absolute_url()}#comments")


class CommentResolveView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        comment = get_object_or_404(Comment, pk=pk)
        report = report_detail(user=request.user, pk=comment.report_id)
        _readable(request, comment)
        resolved = request.POST.get("resolved") == "1"
        services.comment_resolve(actor=request.user, comment=comment, resolved=resolved)
        messages.success(request, "Comment resolved." if resolved else "Comment reopened.")
        return HttpResponseRedirect(f"{report.get_absolute_url()}#comment-{comment.pk}")


class ProposalCreateView(ReportFormActionView):
    form_class = forms.ProposalForm
    invalid_message = "A proposed milestone needs a title and a due date."

    def perform(self, report, data: dict, **objects) -> str:
        services.milestone_propose(actor=self.request.user, report=report, **data)
        return "Milestone proposed to the secretariat."


class ProposalDecideView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        proposal = get_object_or_404(MilestoneProposal, pk=pk)
        report = report_detail(user=request.user, pk=proposal.report_id)
        if not proposal.is_pending:
            messages.error(request, "This proposal was already decided.")
            return redirect(report)
        accept = request.POST.get("accept") == "1"
        services.proposal_decide(actor=request.user, proposal=proposal, accept=accept)
        messages.success(request, "Milestone added." if accept else "Proposal declined.")
        return redirect(report)
