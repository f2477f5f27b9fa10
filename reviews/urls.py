from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("cycles/", views.CycleListView.as_view(), name="cycles"),
    path("cycles/new/", views.CycleCreateView.as_view(), name="cycle_create"),
    path("cycles/<int:year>/", views.CycleOverviewView.as_view(), name="cycle"),
    path("cycles/<int:year>/edit/", views.CycleUpdateView.as_view(), name="cycle_edit"),
    path("cycles/<int:year>/review/build/", views.ReviewBuildView.as_view(), name="review_build"),
    path(
        "cycles/<int:year>/figures.<str:kind>",
        views.FiguresExportView.as_view(),
        name="figures_export",
    ),
    path("cycles/<int:year>/<str:action>/", views.CycleActionView.as_view(), name="cycle_action"),
    path("consolidated/<int:pk>/status/", views.ReviewStatusView.as_view(), name="review_status"),
    path(
        "consolidated/<int:pk>/publish/", views.ReviewPublishView.as_view(), name="review_publish"
    ),
    path(
        "consolidated/<int:pk>/download/<str:kind>/",
        views.ReviewDownloadView.as_view(),
        name="review_download",
    ),
    path("queue/", views.ReviewQueueView.as_view(), name="queue"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report"),
    path("reports/<int:pk>/edit/", views.ReportEditView.as_view(), name="report_edit"),
    path("reports/<int:pk>/pdf/", views.ReportPdfView.as_view(), name="report_pdf"),
    path(
        "reports/<int:pk>/action/<str:action>/",
        views.ReportActionView.as_view(),
        name="report_action",
    ),
    path(
        "reports/<int:pk>/assessment/<str:kind>/",
        views.AssessmentSaveView.as_view(),
        name="assessment_save",
    ),
    path(
        "reports/<int:pk>/attachments/", views.AttachmentUploadView.as_view(), name="attachment_add"
    ),
    path(
        "attachments/<int:pk>/remove/",
        views.AttachmentRemoveView.as_view(),
        name="attachment_remove",
    ),
    path(
        "attachments/<int:pk>/download/",
        views.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path("reports/<int:pk>/comments/", views.CommentCreateView.as_view(), name="comment_create"),
    path("reports/<int:pk>/extension/", views.ExtensionView.as_view(), name="extension"),
    path(
        "reports/<int:pk>/milestones/<int:milestone>/baseline/",
        views.BaselineView.as_view(),
        name="baseline",
    ),
    path("reports/<int:pk>/proposals/", views.ProposalCreateView.as_view(), name="proposal_create"),
    path("comments/<int:pk>/resolve/", views.CommentResolveView.as_view(), name="comment_resolve"),
    path("proposals/", views.ProposalListView.as_view(), name="proposals"),
    path("proposals/<int:pk>/send/", views.ProposalSendView.as_view(), name="proposal_send"),
    path("proposals/<int:pk>/decide/", views.ProposalDecideView.as_view(), name="proposal_decide"),
]
