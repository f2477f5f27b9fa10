"""The conversation about a report: comments, replies, resolving; milestone proposals."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from pesco_review.permissions import RulesPermissionRequiredMixin, may
from reviews import forms, services
from reviews.enums import CommentVisibility
from reviews.models import Comment, MilestoneProposal
from reviews.selectors.proposals import proposals_to_decide
from reviews.selectors.reports import report_detail
from reviews.views._common import ReportFormActionView, show_errors
from reviews.views.reports import ReportDetailView


def _readable(request, comment: Comment) -> None:
    """An internal comment does not exist for whoever may not read it."""
    if comment.is_internal and not may(request.user, "reviews.view_internal_comments"):
        raise Http404("No such comment.")


class CommentCreateView(ReportDetailView):
    """Post a comment (a reviewer's with files); a refused one shows the page with it kept."""

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
            services.comment_add_with_files(
                actor=request.user,
                report=report,
                uploads=request.FILES.getlist("files"),
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data["visibility"] or CommentVisibility.SHARED,
                update=update,
                parent=parent,
            )
        except ValidationError as error:
            show_errors(request, error)
            return self.render_to_response(self.get_context_data(comment_form=form), status=400)
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
        return "The proposal is saved: send it to the secretariat when it is ready."


class ProposalSendView(View):
    """The coordinator sends a proposal to the secretariat."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        proposal = get_object_or_404(MilestoneProposal, pk=pk)
        report = report_detail(user=request.user, pk=proposal.report_id)
        try:
            services.proposal_send(actor=request.user, proposal=proposal)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, f"“{proposal.title}” is sent to the secretariat.")
        return redirect(report)


class ProposalListView(RulesPermissionRequiredMixin, TemplateView):
    """The proposals sent to the secretariat and not yet decided, drafts' included: only each
    proposal's own fields are shown."""

    permission_required = "reviews.decide_proposal"
    template_name = "reviews/proposals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["proposals"] = proposals_to_decide()
        return context


class ProposalDecideView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        proposal = get_object_or_404(MilestoneProposal, pk=pk)
        if not (proposal.is_sent and may(request.user, "reviews.decide_proposal")):
            raise Http404("No such proposal.")
        accept = request.POST.get("accept") == "1"
        try:
            services.proposal_decide(actor=request.user, proposal=proposal, accept=accept)
        except ValidationError as error:  # decided meanwhile by somebody else
            show_errors(request, error)
        else:
            messages.success(request, "Milestone added." if accept else "Proposal declined.")
        report = proposal.report
        if may(request.user, "reviews.view_report", report):
            return redirect(report)
        return redirect("reviews:proposals")
