"""Thin views, by area: bind a form, call one service or the workflow, message, redirect. A
page's data comes from one selector; every object is fetched through a selector that answers 404
outside the user's scope, and every action checks its permission on the object."""

from reviews.views.assessments import AssessmentSaveView
from reviews.views.consolidated import (
    FiguresExportView,
    ReviewBuildView,
    ReviewDownloadView,
    ReviewPublishView,
    ReviewStatusView,
)
from reviews.views.cycles import (
    CycleActionView,
    CycleCreateView,
    CycleListView,
    CycleOverviewView,
    CycleUpdateView,
    ReviewQueueView,
)
from reviews.views.deadlines import ExtensionView
from reviews.views.discussion import (
    CommentCreateView,
    CommentResolveView,
    ProposalCreateView,
    ProposalDecideView,
    ProposalListView,
    ProposalSendView,
)
from reviews.views.evidence import (
    AttachmentDownloadView,
    AttachmentRemoveView,
    AttachmentUploadView,
)
from reviews.views.home import HomeView
from reviews.views.report_form import ReportEditView
from reviews.views.report_pdf import ReportPdfView
from reviews.views.reports import (
    BaselineView,
    ReportActionView,
    ReportDetailView,
)

__all__ = [
    "AssessmentSaveView",
    "AttachmentDownloadView",
    "AttachmentRemoveView",
    "AttachmentUploadView",
    "BaselineView",
    "CommentCreateView",
    "CommentResolveView",
    "CycleActionView",
    "CycleCreateView",
    "CycleListView",
    "CycleOverviewView",
    "CycleUpdateView",
    "ExtensionView",
    "FiguresExportView",
    "HomeView",
    "ProposalCreateView",
    "ProposalDecideView",
    "ProposalListView",
    "ProposalSendView",
    "ReportActionView",
    "ReportDetailView",
    "ReportEditView",
    "ReportPdfView",
    "ReviewBuildView",
    "ReviewDownloadView",
    "ReviewPublishView",
    "ReviewQueueView",
    "ReviewStatusView",
]
