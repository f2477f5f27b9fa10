"""The secretariat's own assessment of a report: each required body's, and the lead's consolidated
text that the document prints. Comments are the conversation and are never printed as one."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.documents.context import build_context
from reviews.enums import ReportState
from reviews.models import Comment, ConsolidatedReview, SecretariatAssessment
from tests import factories
from tests.reviews.test_documents import approved, built, docx_text, pdf_text

pytestmark = pytest.mark.django_db

CONSOLIDATED = "The network met its milestones; the secretariat notes the late parts."


@pytest.fixture
def cycle(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return factories.ReviewCycleFactory(year=2026, handling_marking="LIMITE")


@pytest.fixture
def report(cycle, project):
    return factories.StatusReportFactory(
        cycle=cycle,
        project=project,
        complete=True,
        state=ReportState.SUBMITTED,
        submitted_at=timezone.now(),
    )


def write(actor, report, text, *, consolidated=False, based_on=None):
    return services.assessment_write(
        actor=actor, report=report, text=text, consolidated=consolidated, based_on=based_on
    )


def test_assessment_write_each_body_its_own_and_the_lead_the_consolidated(report, role_users):
    for name in ("eda", "eeas", "eums"):
        write(role_users[name], report, f"{name.upper()} finds the plan credible.")
    write(role_users["lead"], report, "Consolidated: credible.", consolidated=True)
    write(role_users["eda"], report, "EDA finds the plan credible; funding unclear.")

    rows = {a.body: a for a in SecretariatAssessment.objects.filter(report=report)}
    assert {body: a.text for body, a in rows.items()} == {
        "EDA": "EDA finds the plan credible; funding unclear.",
        "EEAS": "EEAS finds the plan credible.",
        "EUMS": "EUMS finds the plan credible.",
        "": "Consolidated: credible.",
    }
    assert (rows["EDA"].version, rows["EDA"].updated_by) == (2, role_users["eda"])
    eda_history = rows["EDA"].history.order_by("history_date")
    assert [(h.text, h.history_user) for h in eda_history] == [
        ("EDA finds the plan credible.", role_users["eda"]),
        ("EDA finds the plan credible; funding unclear.", role_users["eda"]),
    ]
    assert [h.text for h in rows[""].history.all()] == ["Consolidated: credible."]


def test_assessment_write_same_text_again_writes_no_history(report, role_users):
    write(role_users["eda"], report, "Credible.")
    write(role_users["eda"], report, "Credible.")

    assessment = SecretariatAssessment.objects.get(report=report)
    assert (assessment.version, assessment.history.count()) == (1, 1)


@pytest.mark.parametrize(
    ("role", "consolidated"),
    [
        ("coordinator", False),
        ("coordinator", True),
        ("member", False),
        ("leadership", False),
        ("leadership", True),
        ("superuser", False),
        ("superuser", True),
        ("staff", True),
        ("lead", False),  # the lead holds no body: it writes the consolidated text only
        ("eda", True),  # a body's reviewer does not write the consolidated text
    ],
)
def test_assessment_write_by_anyone_else_is_refused(report, role_users, role, consolidated):
    with pytest.raises(PermissionDenied):
        write(role_users[role], report, "Mine.", consolidated=consolidated)

    assert not SecretariatAssessment.objects.exists()


def test_assessment_write_for_a_body_the_cycle_does_not_require_is_refused(report, role_users):
    report.cycle.required_bodies = ["EDA", "EEAS"]
    report.cycle.save()

    with pytest.raises(PermissionDenied):
        write(role_users["eums"], report, "Mine.")


def test_assessment_write_on_a_draft_is_refused(cycle, role_users, project):
    draft = factories.StatusReportFactory(cycle=cycle, project=project)

    with pytest.raises(ValidationError, match="once it is submitted"):
        write(role_users["lead"], draft, "Too early.", consolidated=True)


def test_assessment_write_over_a_newer_version_is_refused(report, role_users):
    first = write(role_users["lead"], report, "First.", consolidated=True)
    write(role_users["lead"], report, "Second.", consolidated=True, based_on=first.version)

    with pytest.raises(services.AssessmentConflictError, match="since you opened it"):
        write(role_users["lead"], report, "Third.", consolidated=True, based_on=first.version)
    assert SecretariatAssessment.objects.get(report=report).text == "Second."


def test_assessment_write_empty_first_text_is_refused(report, role_users):
    with pytest.raises(ValidationError, match="Write the assessment"):
        write(role_users["eda"], report, "   ")


def _page(client, user, report):
    client.force_login(user)
    return client.get(report.get_absolute_url()).content.decode()


def test_report_page_secretariat_sees_every_body_and_the_consolidated_text(
    client, report, role_users
):
    write(role_users["eeas"], report, "EEAS-TEXT: coherent with CSDP.")
    write(role_users["lead"], report, "LEAD-TEXT: on track.", consolidated=True)

    for name in ("eda", "eeas", "eums", "lead"):
        page = _page(client, role_users[name], report)
        assert "EEAS-TEXT: coherent with CSDP." in page
        assert "LEAD-TEXT: on track." in page
    eda_page = _page(client, role_users["eda"], report)
    assert reverse("reviews:assessment_save", args=[report.pk, "body"]) in eda_page
    assert reverse("reviews:assessment_save", args=[report.pk, "consolidated"]) not in eda_page


@pytest.mark.parametrize("role", ["coordinator", "member", "leadership", "superuser"])
def test_report_page_others_see_the_consolidated_text_only_once_published(
    client, report, role_users, role
):
    write(role_users["eeas"], report, "EEAS-TEXT: working notes.")
    write(role_users["lead"], report, "LEAD-TEXT: as published.", consolidated=True)
    user = role_users[role]

    assert "LEAD-TEXT" not in _page(client, user, report)

    report.state = ReportState.APPROVED
    report.save()
    lead = role_users["lead"]
    review = factories.ConsolidatedReviewFactory(cycle=report.cycle, requested_by=lead)
    review.built_from = build_context(cycle=report.cycle).built_from
    review.save()
    assert "LEAD-TEXT" not in _page(client, user, report)  # built, not yet published

    review.published_at, review.published_by = timezone.now(), role_users["lead"]
    review.save()
    write(role_users["lead"], report, "LEAD-TEXT: edited since.", consolidated=True)

    page = _page(client, user, report)
    assert "LEAD-TEXT: as published." in page
    assert f"version {review.version} of the 2026 annual review" in page
    assert "LEAD-TEXT: edited since." not in page
    assert "EEAS-TEXT" not in page


def test_assessment_save_view_keeps_the_text_of_a_refused_save(client, report, role_users):
    lead = role_users["lead"]
    first = write(lead, report, "Old text.", consolidated=True)
    write(lead, report, "A colleague's text.", consolidated=True)
    client.force_login(lead)

    response = client.post(
        reverse("reviews:assessment_save", args=[report.pk, "consolidated"]),
        {"text": "My long careful paragraph.", "version": first.version},
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "since you opened it" in page
    assert "My long careful paragraph." in page
    assert SecretariatAssessment.objects.get(report=report).text == "A colleague's text."


def test_assessment_save_view_writes_and_goes_back(client, report, role_users):
    client.force_login(role_users["eums"])

    response = client.post(
        reverse("reviews:assessment_save", args=[report.pk, "body"]),
        {"text": "EUMS: military requirements met.", "version": 0},
    )

    assert response.status_code == 302
    assert SecretariatAssessment.objects.get(report=report, body="EUMS").text == (
        "EUMS: military requirements met."
    )


@pytest.mark.parametrize("role", ["coordinator", "no_role"])
def test_assessment_save_view_outside_the_secretariat_changes_nothing(
    client, report, role_users, role
):
    client.force_login(role_users[role])

    response = client.post(
        reverse("reviews:assessment_save", args=[report.pk, "consolidated"]),
        {"text": "Mine.", "version": 0},
    )

    assert response.status_code in {403, 404}
    assert not SecretariatAssessment.objects.exists()


def test_documents_print_the_consolidated_text_and_never_a_comment(cycle, role_users):
    report = approved(cycle, "Harbour Protection Network", "HPN")
    write(role_users["lead"], report, CONSOLIDATED, consolidated=True)
    write(role_users["eda"], report, "EDA-WORKING-TEXT")
    author = factories.UserFactory(eda=True)
    for visibility in ("shared", "internal"):
        Comment.objects.create(
            report=report,
            author=author,
            body=f"COMMENT-{visibility}",
            visibility=visibility,
            revision=1,
        )

    _, files = built(cycle)

    for text in (pdf_text(files.pdf).replace("\u2019", "'"), docx_text(files.docx)):
        assert f"The secretariat's assessment {CONSOLIDATED}" in text
        assert "COMMENT-" not in text
        assert "EDA-WORKING-TEXT" not in text


def test_review_build_warns_of_reports_approved_without_a_consolidated_text(cycle, role_users):
    written = approved(cycle, "Harbour Protection Network", "HPN")
    approved(cycle, "Mountain Rescue Medical Unit", "MRMU")
    write(role_users["lead"], written, CONSOLIDATED, consolidated=True)
    review = ConsolidatedReview.objects.create(
        cycle=cycle, version=1, requested_by=role_users["lead"]
    )

    services.review_build(review_id=review.pk, task_id="task-1")

    review.refresh_from_db()
    assert review.warnings == [
        "Mountain Rescue Medical Unit (MRMU) is approved without a consolidated assessment: "
        "its page says the secretariat wrote none."
    ]
    history_id = written.secretariat_assessments.get().history.get().history_id
    assert {b["project"]: b["assessment"] for b in review.built_from} == {
        "HPN": history_id,
        "MRMU": None,
    }
    _, files = built(cycle)
    assert "The secretariat wrote no consolidated assessment of this report." in pdf_text(files.pdf)


def test_cycle_page_shows_the_lead_the_warnings_of_a_version(client, cycle, role_users):
    factories.ConsolidatedReviewFactory(
        cycle=cycle,
        requested_by=role_users["lead"],
        warnings=[
            "Mountain Rescue Medical Unit (MRMU) is approved without a consolidated "
            "assessment: its page says the secretariat wrote none."
        ],
    )
    client.force_login(role_users["lead"])

    page = client.get(cycle.get_absolute_url()).content.decode()

    assert "1 warning" in page
    assert "Mountain Rescue Medical Unit (MRMU) is approved without a consolidated" in page
