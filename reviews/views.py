"""Thin views: bind a form, call one service or the workflow, message, redirect.

Every object is fetched through a selector that answers 404 outside the user's scope, and every
action checks its permission on the object (in the service, the workflow, or here).
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import CreateView, TemplateView, UpdateView

from projects import selectors as project_selectors
from projects.enums import ProjectRoleKind
from projects.models import Domain, Milestone
from projects.rules import project_roles_of
from reviews import forms, selectors, services
from reviews.enums import CycleState, ProposalState, ReportAction, ReportState
from reviews.models import Comment, ConsolidatedReview, MilestoneProposal, ReviewCycle
from reviews.workflow import actions_for, missing_items, report_transition


class HomeView(TemplateView):
    """The projects a user may see, grouped by the user's part in them."""

    template_name = "reviews/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        projects = list(project_selectors.project_list(user=user))
        roles = project_roles_of(user)
        context.update(
            coordinated=[p for p in projects if roles.get(p.pk) == ProjectRoleKind.COORDINATOR],
            membered=[p for p in projects if roles.get(p.pk) == ProjectRoleKind.MEMBER],
            others=[p for p in projects if p.pk not in roles],
            in_review_count=sum(1 for p in projects if p.takes_part_in_reviews),
            **selectors.home_summary(user=user),
        )
        return context


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


class CycleListView(PermissionRequiredMixin, TemplateView):
    permission_required = "reviews.view_cycle_overview"
    template_name = "reviews/cycle_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cycles"] = ReviewCycle.objects.annotate(report_count=Count("reports")).order_by(
            "-year"
        )
        return context


class CycleCreateView(PermissionRequiredMixin, CreateView):
    permission_required = "reviews.manage_cycle"
    template_name = "reviews/cycle_form.html"
    form_class = forms.CycleForm

    def form_valid(self, form):
        try:
            cycle = services.cycle_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The {cycle.year} cycle is planned. Open it when ready.")
        return redirect(cycle)


class CycleUpdateView(PermissionRequiredMixin, UpdateView):
    permission_required = "reviews.manage_cycle"
    template_name = "reviews/cycle_form.html"
    form_class = forms.CycleForm

    def get_object(self, queryset=None):
        return get_object_or_404(ReviewCycle, year=self.kwargs["year"])

    def form_valid(self, form):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            cycle = services.cycle_update(actor=self.request.user, cycle=self.object, **values)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The {cycle.year} cycle is saved.")
        return redirect(cycle)


class CycleActionView(PermissionRequiredMixin, View):
    """Open or close a cycle (POST)."""

    permission_required = "reviews.manage_cycle"
    http_method_names = ["post"]

    def post(self, request, year: int, action: str):
        cycle = get_object_or_404(ReviewCycle, year=year)
        try:
            if action == "open":
                created = services.cycle_open(actor=request.user, cycle=cycle)
                messages.success(
                    request, f"The {year} cycle is open: {created} draft report(s) created."
                )
            elif action == "close":
                services.cycle_close(actor=request.user, cycle=cycle)
                messages.success(request, f"The {year} cycle is closed: no more submissions.")
            else:
                raise Http404("No such action.")
        except ValidationError as error:
            _errors(request, error)
        return redirect(cycle)


class CycleOverviewView(PermissionRequiredMixin, TemplateView):
    """Every project's report in the cycle: state, each body's decision, overdue items."""

    permission_required = "reviews.view_cycle_overview"
    template_name = "reviews/cycle_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cycle = get_object_or_404(ReviewCycle, year=self.kwargs["year"])
        reports = [
            selectors.decide(r) for r in selectors.report_list(user=self.request.user, cycle=cycle)
        ]
        today = timezone.localdate()
        for report in reports:
            unsubmitted = report.state in {ReportState.DRAFT, ReportState.CHANGES_REQUESTED}
            report.is_overdue = (unsubmitted and today > report.deadline) or (
                report.state == ReportState.SUBMITTED and today > cycle.review_deadline
            )
        counts = dict.fromkeys(ReportState.values, 0)
        for report in reports:
            counts[report.state] += 1
        context.update(
            cycle=cycle,
            reports=reports,
            counts=[(ReportState(s).label, s, n) for s, n in counts.items()],
            body_counts=[
                (body, sum(1 for r in reports if body in r.decided_bodies))
                for body in cycle.required_bodies
            ],
            overdue=[r for r in reports if r.is_overdue],
            versions=selectors.consolidated_versions(user=self.request.user, cycle=cycle),
            missing=[r for r in reports if r.state != ReportState.APPROVED]
            if cycle.state != CycleState.OPEN
            else [],
        )
        return context


class ReviewQueueView(PermissionRequiredMixin, TemplateView):
    permission_required = "reviews.view_review_queue"
    template_name = "reviews/queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cycle = selectors.current_cycle()
        get = self.request.GET
        filters = {
            "state": get.get("state", "") if get.get("state") in ReportState.values else "",
            "domain": get.get("domain", "")[:60],
            "undecided": get.get("undecided") == "1",
            "overdue": get.get("overdue") == "1",
        }
        context.update(
            cycle=cycle,
            filters=filters,
            reports=selectors.review_queue(user=self.request.user, cycle=cycle, **filters)
            if cycle
            else [],
            states=[(s, label) for s, label in ReportState.choices if s != ReportState.DRAFT],
            domains=Domain.objects.all(),
        )
        return context


class ReportDetailView(TemplateView):
    template_name = "reviews/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        report = selectors.report_detail(user=user, pk=self.kwargs["pk"])
        comments = selectors.comments_for(user=user, report=report)
        replies: dict[int, list[Comment]] = {}
        by_update: dict[int | None, list[Comment]] = {}
        for comment in comments:
            if comment.parent_id:
                replies.setdefault(comment.parent_id, []).append(comment)
            else:
                by_update.setdefault(comment.update_id, []).append(comment)
        for comment in comments:
            comment.thread_replies = replies.get(comment.pk, [])
        updates = list(report.updates.all())
        as_submitted = not selectors.sees_work_in_progress(user=user, report=report)
        if as_submitted:
            updates = selectors.show_as_submitted(report, updates)
        for update in updates:
            update.thread = by_update.get(update.pk, [])
        diffs = selectors.report_diffs(user=user, report=report)
        selectors.mark_seen(user=user, report=report)
        actions = actions_for(user=user, report=report)
        context.update(
            report=report,
            updates=updates,
            report_comments=by_update.get(None, []),
            comment_count=len(comments),
            actions=actions,
            action_labels={a.value: a.label for a in ReportAction},
            diffs=diffs,
            transitions=selectors.transitions_for(report),
            approvals=sorted(report.approvals.all(), key=lambda a: a.decided_at),
            missing=missing_items(report)
            if report.state in {ReportState.DRAFT, ReportState.CHANGES_REQUESTED}
            else [],
            can=self._can(user, report),
            comment_form=forms.CommentForm(),
            extension_form=forms.ExtensionForm(
                initial={"until": report.extended_deadline, "reason": report.extension_reason}
            ),
            proposal_form=forms.ProposalForm(),
            baseline_form=forms.BaselineForm(),
            proposals=list(report.proposals.all()),
            as_submitted=as_submitted,
        )
        if context["can"]["history"]:
            own = project_roles_of(user).get(report.project_id) is not None
            context["history"] = selectors.report_history(report, drafts=own or user.is_superuser)
        return context

    @staticmethod
    def _can(user, report) -> dict[str, bool]:
        return {
            "edit": user.has_perm("reviews.edit_report", report),
            "comment": user.has_perm("reviews.comment_report", report),
            "comment_internal": user.has_perm("reviews.comment_internal"),
            "resolve": user.has_perm("reviews.resolve_comment", report),
            "extend": user.has_perm("reviews.grant_extension", report),
            "baseline": user.has_perm("reviews.move_baseline"),
            "propose": user.has_perm("reviews.propose_milestone", report),
            "decide": user.has_perm("reviews.decide_proposal"),
            "history": user.has_perm("reviews.view_report_history", report),
        }


class ReportEditView(TemplateView):
    """The coordinator's form. Save as draft any time; a conflicting save keeps the text."""

    template_name = "reviews/report_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.report = selectors.report_detail(user=request.user, pk=kwargs["pk"])
        if not request.user.has_perm("reviews.edit_report", self.report):
            if not request.user.has_perm("reviews.view_report", self.report):
                raise Http404("No such report.")
            state = self.report.get_state_display().lower()
            if request.method == "POST" and request.user.has_perm(
                "reviews.submit_report", self.report
            ):
                # A co-coordinator submitted meanwhile: keep this person's text on the page.
                messages.error(
                    request,
                    f"The report was {state} since you opened it and can no longer be edited. "
                    "Your text is below: copy what you need into a comment.",
                )
                form, formset = self.get_forms(request.POST)
                return self.render_to_response(
                    self.get_context_data(form=form, formset=formset, locked=True)
                )
            messages.error(request, f"This report is {state}: it cannot be edited now.")
            return redirect(self.report)
        return super().dispatch(request, *args, **kwargs)

    def get_forms(self, data=None):
        report = self.report
        form = forms.ReportForm(data, instance=report, initial={"version": report.version})
        formset = forms.MilestoneUpdateFormSet(
            data,
            queryset=report.updates.select_related("milestone").order_by("milestone__position"),
            prefix="m",
        )
        return form, formset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in context:
            context["form"], context["formset"] = self.get_forms()
        context["report"] = self.report
        context["milestones"] = {u.pk: u.milestone for u in self.report.updates.all()}
        context["submit_action"] = (
            ReportAction.SUBMIT if self.report.state == ReportState.DRAFT else ReportAction.RESUBMIT
        )
        return context

    def post(self, request, pk: int):
        form, formset = self.get_forms(request.POST)
        if not (form.is_valid() and formset.is_valid()):
            messages.error(request, "Some fields need attention: see the messages beside them.")
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        if any(f.instance.pk is None for f in formset.forms):
            # An id that is not one of this report's updates (or a form added by hand).
            messages.error(
                request, "The form no longer matches this report's milestones: reload the page."
            )
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        updates = {
            f.instance.pk: {
                name: f.cleaned_data[name] for name in forms.MilestoneUpdateForm.Meta.fields
            }
            for f in formset.forms
        }
        values = {name: form.cleaned_data[name] for name in forms.ReportForm.Meta.fields}
        try:
            report = services.report_update(
                actor=request.user,
                report=self.report,
                expected_version=form.cleaned_data["version"],
                values=values,
                updates=updates,
            )
        except services.EditConflictError as conflict:
            # Two copies: the form writes the user's text into its instance while validating.
            saved = selectors.report_detail(user=request.user, pk=pk)
            self.report = selectors.report_detail(user=request.user, pk=pk)
            messages.error(request, conflict.messages[0])
            data = request.POST.copy()
            data["version"] = saved.version  # saving again, after merging, is deliberate
            form, formset = self.get_forms(data)
            form.is_valid()
            formset.is_valid()
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset, conflict=saved)
            )
        if "submit" in request.POST:
            action = (
                ReportAction.SUBMIT if report.state == ReportState.DRAFT else ReportAction.RESUBMIT
            )
            try:
                report_transition(report=report, action=action, actor=request.user)
            except ValidationError as error:
                messages.warning(
                    request, "Your changes are saved, but the report was not submitted."
                )
                _errors(request, error)
                return redirect("reviews:report_edit", pk=pk)
            messages.success(request, "Saved and submitted. The secretariat has been told.")
            return redirect(report)
        messages.success(request, "Draft saved.")
        return redirect("reviews:report_edit", pk=pk)


class ReportActionView(View):
    """One workflow action (POST); the workflow checks permission and guards."""

    http_method_names = ["post"]

    def post(self, request, pk: int, action: str):
        report = selectors.report_detail(user=request.user, pk=pk)
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
            _errors(request, error)
        else:
            state = report.get_state_display().lower()
            messages.success(request, f"{ReportAction(action).label}: the report is now {state}.")
        return redirect(report)


class CommentCreateView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        report = selectors.report_detail(user=request.user, pk=pk)
        form = forms.CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, "A comment cannot be empty.")
            return redirect(report)
        update = parent = None
        if form.cleaned_data["update"]:
            update = get_object_or_404(report.updates, pk=form.cleaned_data["update"])
        if form.cleaned_data["parent"]:
            parent = get_object_or_404(report.comments, pk=form.cleaned_data["parent"])
            if parent.is_internal and not request.user.has_perm("reviews.view_internal_comments"):
                raise Http404("No such comment.")
        try:
            services.comment_add(
                actor=request.user,
                report=report,
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data["visibility"] or "shared",
                update=update,
                parent=parent,
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, "Comment added.")
        return HttpResponseRedirect(f"{report.get_absolute_url()}#comments")


class CommentResolveView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        comment = get_object_or_404(Comment, pk=pk)
        report = selectors.report_detail(user=request.user, pk=comment.report_id)
        if comment.is_internal and not request.user.has_perm("reviews.view_internal_comments"):
            raise Http404("No such comment.")
        resolved = request.POST.get("resolved") == "1"
        services.comment_resolve(actor=request.user, comment=comment, resolved=resolved)
        messages.success(request, "Comment resolved." if resolved else "Comment reopened.")
        return HttpResponseRedirect(f"{report.get_absolute_url()}#comment-{comment.pk}")


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
        report = selectors.report_detail(user=request.user, pk=pk)
        objects = self.objects(report, **kwargs)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, self.invalid_message)
            return redirect(report)
        try:
            message = self.perform(report, form.cleaned_data, **objects)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, message)
        return redirect(report)


class ExtensionView(ReportFormActionView):
    form_class = forms.ExtensionForm
    invalid_message = "Give the new deadline and the reason for the extension."

    def perform(self, report, data: dict, **objects) -> str:
        services.report_grant_extension(actor=self.request.user, report=report, **data)
        return f"Deadline extended to {data['until']:%-d %B %Y}."


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
        report = selectors.report_detail(user=request.user, pk=proposal.report_id)
        if proposal.state != ProposalState.PENDING:
            messages.error(request, "This proposal was already decided.")
            return redirect(report)
        accept = request.POST.get("accept") == "1"
        services.proposal_decide(actor=request.user, proposal=proposal, accept=accept)
        messages.success(request, "Milestone added." if accept else "Proposal declined.")
        return redirect(report)


class ReviewBuildView(PermissionRequiredMixin, View):
    """The lead's one button: queue a new version of the cycle's consolidated review."""

    permission_required = "reviews.build_review"
    http_method_names = ["post"]

    def post(self, request, year: int):
        cycle = get_object_or_404(ReviewCycle, year=year)
        try:
            review = services.review_request_build(actor=request.user, cycle=cycle)
        except services.BuildAlreadyRunningError as error:
            messages.warning(request, error.messages[0])
            return HttpResponseRedirect(f"{cycle.get_absolute_url()}#review-{error.review.pk}")
        messages.success(request, f"Version {review.version} is being built.")
        return HttpResponseRedirect(f"{cycle.get_absolute_url()}#review-{review.pk}")


class ReviewStatusView(PermissionRequiredMixin, View):
    """The build's progress as JSON, for the progress bar (polled without reloading)."""

    permission_required = "reviews.build_review"

    def get(self, request, pk: int):
        review = get_object_or_404(ConsolidatedReview, pk=pk)
        return JsonResponse(
            {
                "state": review.state,
                "state_label": review.get_state_display(),
                "progress": review.progress,
                "step": review.step,
                "error": review.error,
            }
        )


class ReviewPublishView(PermissionRequiredMixin, View):
    permission_required = "reviews.build_review"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        review = get_object_or_404(ConsolidatedReview, pk=pk)
        try:
            services.review_publish(actor=request.user, review=review)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, f"Version {review.version} is published for leadership.")
        return redirect(review.cycle)


class ReviewDownloadView(View):
    """A built file, through a permission check; never a public URL."""

    def get(self, request, pk: int, kind: str):
        if kind not in {"pdf", "docx"}:
            raise Http404("No such format.")
        review = selectors.consolidated_for_download(user=request.user, pk=pk)
        stored = getattr(review, kind)
        content_type = {
            "pdf": "application/pdf",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }[kind]
        return FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=review.file_name(kind),
            content_type=content_type,
        )


class FiguresExportView(PermissionRequiredMixin, View):
    """The cycle's figures and milestone table, from its approved reports, as CSV or XLSX."""

    permission_required = "reviews.export_figures"

    def get(self, request, year: int, kind: str):
        from reviews.documents import exports  # noqa: PLC0415 - heavy imports stay in documents
        from reviews.documents.context import build_context  # noqa: PLC0415

        cycle = get_object_or_404(ReviewCycle, year=year)
        context = build_context(cycle=cycle)
        if kind == "csv":
            body, content_type = exports.to_csv(context), "text/csv; charset=utf-8"
        elif kind == "xlsx":
            body = exports.to_xlsx(context)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise Http404("No such format.")
        response = HttpResponse(body, content_type=content_type)
        name = f"PESCO-annual-review-{year}-figures.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
