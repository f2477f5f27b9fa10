"""`{% project_years project %}`: the reviews app's section of the project page, its reports
across the cycles with their charts. The projects app knows nothing of reviews (the apps' import
order); its page loads this library by name and gives the project it already checked."""

from django import template

from reviews.selectors.years import project_years as project_years_of
from reviews.year_charts import year_charts

register = template.Library()


@register.inclusion_tag("reviews/project_years.html", takes_context=True)
def project_years(context: template.Context, project) -> dict:
    years = project_years_of(user=context["request"].user, project=project)
    return {"years": years, "charts": year_charts(years.rows[::-1])}
