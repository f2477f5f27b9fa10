from django.urls import path

from onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("", views.ImportListView.as_view(), name="imports"),
    path(
        "templates/<str:kind>.<str:file_format>",
        views.TemplateDownloadView.as_view(),
        name="template",
    ),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="import"),
]
