from django.http import Http404
from django.views.generic import DetailView, TemplateView

from pesco_review.permissions import may
from projects import selectors
from projects.enums import ParticipationRole
from projects.models import Project


class ProjectListView(TemplateView):
    """The projects a user may see, a page at a time: search, filters and sort in the URL."""

    template_name = "projects/project_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = selectors.project_list_page(
            user=self.request.user, params=self.request.GET, page=self.request.GET.get("page")
        )
        return context


class ProjectDetailView(DetailView):
    """A project a user may see; any other answers 404, whether it exists or not."""

    template_name = "projects/project_detail.html"
    context_object_name = "project"

    def get_object(self, queryset=None) -> Project:
        try:
            project = selectors.project_detail(user=self.request.user, slug=self.kwargs["slug"])
        except Project.DoesNotExist as error:
            raise Http404("No such project.") from error
        if not may(self.request.user, "projects.view_project", project):
            raise Http404("No such project.")
        return project

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.object
        participations = list(project.participations.all())
        current = [p for p in participations if p.is_current]
        context.update(
            coordinators=[p for p in current if p.role == ParticipationRole.COORDINATOR],
            participants=[p for p in current if p.role == ParticipationRole.PARTICIPANT],
            observers=[p for p in current if p.role == ParticipationRole.OBSERVER],
            former=[p for p in participations if not p.is_current],
            milestones=list(project.milestones.all()),
        )
        if may(self.request.user, "projects.view_project_history", project):
            context["history"] = selectors.project_history(project=project)
        return context
