"""One status report as its own PDF, for the secretariat to send to one project."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reviews.documents.context import build_report_context
from reviews.enums import ReportState
from reviews.models import Approval, Comment
from tests import factories
from tests.reviews.pdf_structure import tagged
from tests.reviews.test_documents import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(project, role_users, settings, tmp_path):
    """ALPHA's 2026 report, submitted and approved by the EDA only, with an internal comment."""
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, handling_marking="LIMITE")
    report = factories.StatusReportFactory(
        cycle=cycle,
        project=project,
        complete=True,
        state=ReportState.SUBMITTED,
        submitted_at=timezone.now(),
    )
    factories.MilestoneUpdateFactory(report=report, status="delayed", narrative="Late parts.")
    Approval.objects.create(report=report, revision=1, body="EDA", reviewer=role_users["eda"])
    Comment.objects.create(
        report=report,
        author=role_users["eda"],
        body="SECRET-INTERNAL-REMARK",
        visibility="internal",
        revision=1,
    )
    return report


def url(report) -> str:
    return reverse("reviews:report_pdf", args=[report.pk])


@pytest.mark.parametrize("role", ["lead", "eda"])
def test_report_pdf_the_secretariat_downloads_one_report_marked_on_every_page(
    client, submitted, role_users, role
):
    client.force_login(role_users[role])

    response = client.get(url(submitted))

    assert response["Content-Disposition"] == (
        'attachment; filename="PESCO-status-report-2026-ALPHA-r1.pdf"'
    )
    data = response.content
    pages = PdfReader(io.BytesIO(data)).pages
    assert all("LIMITE" in page.extract_text() for page in pages)
    text = pdf_text(data)
    assert "Status report of Alpha Project (ALPHA) in the 2026 PESCO annual review cycle" in text
    assert "Submitted, revision 1: not yet approved by every required secretariat body" in text
    assert "SECRET-INTERNAL-REMARK" not in text
    assert "approved by EDA" in text
    pdf = tagged(data)
    assert (pdf.pdfua_part, pdf.xmp_title) == ("1", "PESCO status report 2026: Alpha Project")
    assert [t for t in pdf.elements("Table") if t.count("TH") == 0] == []


def test_report_pdf_of_a_report_sent_back_is_refused_with_a_message(client, submitted, role_users):
    submitted.state = ReportState.CHANGES_REQUESTED  # the coordinator is revising it
    submitted.save()
    client.force_login(role_users["lead"])

    response = client.get(url(submitted), follow=True)

    assert response.redirect_chain == [(submitted.get_absolute_url(), 302)]
    assert "sent back for changes" in response.text
    assert "Download this report as a PDF" not in response.text


def test_report_pdf_of_a_draft_is_never_exported(client, submitted, role_users):
    submitted.state, submitted.submitted_at = ReportState.DRAFT, None
    submitted.save()

    answers = {}
    for role in ("coordinator", "lead", "eda"):
        client.force_login(role_users[role])
        answers[role] = client.get(url(submitted)).status_code

    assert answers == {"coordinator": 403, "lead": 404, "eda": 404}


def test_report_page_links_the_pdf_for_the_secretariat_only(client, submitted, role_users):
    shown = {}
    for role in ("lead", "eda", "coordinator", "member", "leadership"):
        client.force_login(role_users[role])
        shown[role] = url(submitted) in client.get(submitted.get_absolute_url()).text

    assert shown == {
        "lead": True,
        "eda": True,
        "coordinator": False,
        "member": False,
        "leadership": False,
    }


def test_build_report_context_same_queries_for_one_and_many_rows(
    submitted, role_users, django_assert_num_queries
):
    with django_assert_num_queries(7):
        one = build_report_context(report_id=submitted.pk)

    for _ in range(4):
        factories.MilestoneUpdateFactory(report=submitted)
    for body in ("EEAS", "EUMS"):
        Approval.objects.create(
            report=submitted, revision=1, body=body, reviewer=factories.UserFactory(eeas=True)
        )
    factories.SecretariatAssessmentFactory(report=submitted)
    factories.ParticipationFactory(project=submitted.project, coordinator=True)
    with django_assert_num_queries(7):
        many = build_report_context(report_id=submitted.pk)

    assert (len(one.project.milestones), len(many.project.milestones)) == (1, 5)
    assert (len(one.project.approvals), len(many.project.approvals)) == (1, 3)
    assert (one.year, one.marking, one.state) == (2026, "LIMITE", "Submitted")
    assert len(many.project.coordinators) == 1
