from django.views.generic import TemplateView

from reviews.selectors.home import home_page


class HomeView(TemplateView):
    """The projects a user may see, grouped by the user's part in them, and their cycle."""

    template_name = "reviews/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = home_page(user=self.request.user)
        return context
