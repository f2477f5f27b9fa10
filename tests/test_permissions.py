"""Every page, as every role: one matrix of expected answers.

Objects outside a user's scope answer 404; pages of another role answer 403; the admin sends
non-staff users to the login page. Actions (POST) are checked per service and view elsewhere.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from onboarding.enums import ImportKind
from onboarding.models import ImportRun
from pesco_review.accounts.services import secretariat_group
from reviews.enums import BuildState, ReportState
from reviews.models import ConsolidatedReview
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "member", "eda", "lead", "leadership", "no_role", "superuser", "staff"]

# page -> expected status per role, in the order of ROLES. A superuser gets what the rules give
# them (no report to write, no body to approve for, no draft to read); staff only the admin.
MATRIX = {
    "home": (200, 200, 200, 200, 200, 200, 200, 200),
    "project list": (200, 200, 200, 200, 200, 200, 200, 200),
    "own project": (200, 200, 200, 200, 200, 404, 200, 404),
    "other project": (404, 404, 200, 200, 200, 404, 200, 404),
    "cycle list": (403, 403, 200, 200, 200, 403, 200, 403),
    "plan a cycle": (403, 403, 403, 200, 403, 403, 403, 403),
    "cycle overview": (403, 403, 200, 200, 200, 403, 200, 403),
    "edit a cycle": (403, 403, 403, 200, 403, 403, 403, 403),
    "close a cycle": (403, 403, 403, 200, 403, 403, 403, 403),
    "review queue": (403, 403, 200, 200, 403, 403, 200, 403),
    "own submitted report": (200, 200, 200, 200, 200, 404, 200, 404),
    "other submitted report": (404, 404, 200, 200, 200, 404, 200, 404),
    # One report as a PDF, for the secretariat to send to the project (reviews.export_report).
    "own submitted report, PDF": (403, 403, 200, 200, 403, 404, 403, 404),
    "own draft, PDF": (403, 403, 404, 404, 404, 404, 404, 404),
    "own draft, edit page": (200, 302, 404, 404, 404, 404, 404, 404),
    "own draft, report page": (200, 200, 404, 404, 404, 404, 404, 404),
    "own draft, deadline": (404, 404, 404, 200, 404, 404, 404, 404),
    "proposals to decide": (403, 403, 200, 200, 403, 403, 403, 403),
    "build progress": (403, 403, 403, 200, 403, 403, 403, 403),
    "unpublished review": (404, 404, 404, 200, 404, 404, 404, 404),
    "publish a version": (403, 403, 403, 200, 403, 403, 403, 403),
    "published review": (404, 404, 404, 200, 200, 404, 200, 404),
    "figures export, open cycle": (403, 403, 403, 200, 403, 403, 403, 403),
    "figures export, closed cycle": (403, 403, 403, 200, 200, 403, 200, 403),
    "absence and deputy": (403, 403, 200, 403, 403, 403, 403, 403),
    "imports": (403, 403, 403, 200, 403, 403, 403, 403),
    "import template": (403, 403, 403, 200, 403, 403, 403, 403),
    "an import's preview": (403, 403, 403, 200, 403, 403, 403, 403),
    "admin": (302, 302, 302, 200, 302, 302, 200, 200),
    "health check": (200, 200, 200, 200, 200, 200, 200, 200),
}


@pytest.fixture
def pages(project, other_project, role_users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    role_users["lead"].groups.add(secretariat_group())
    now = timezone.now()
    current = factories.ReviewCycleFactory(year=2026)
    earlier = factories.ReviewCycleFactory(year=2025, closed=True)
    own = factories.StatusReportFactory(
        cycle=current, project=project, state=ReportState.SUBMITTED, submitted_at=now
    )
    other = factories.StatusReportFactory(
        cycle=current, project=other_project, state=ReportState.SUBMITTED, submitted_at=now
    )
    third = factories.ProjectFactory(name="Charlie Project", acronym="CHARLIE", slug="charlie")
    factories.ProjectRoleFactory(user=role_users["coordinator"], project=third)
    factories.ProjectRoleFactory(user=role_users["member"], project=third, member=True)
    draft = factories.StatusReportFactory(cycle=current, project=third)
    factories.StatusReportFactory(cycle=earlier, project=project)
    versions = []
    for version, published in ((1, None), (2, now)):
        review = ConsolidatedReview(
            cycle=current,
            version=version,
            requested_by=role_users["lead"],
            state=BuildState.SUCCEEDED,
            published_at=published,
        )
        review.pdf.save(f"v{version}.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        review.docx.save(f"v{version}.docx", ContentFile(b"PK test"), save=False)
        review.save()
        versions.append(review)
    return {
        "home": reverse("home"),
        "project list": reverse("projects:list"),
        "own project": project.get_absolute_url(),
        "other project": other_project.get_absolute_url(),
        "cycle list": reverse("reviews:cycles"),
        "plan a cycle": reverse("reviews:cycle_create"),
        "cycle overview": current.get_absolute_url(),
        "edit a cycle": reverse("reviews:cycle_edit", args=[2026]),
        "close a cycle": reverse("reviews:cycle_action", args=[2026, "close"]),
        "review queue": reverse("reviews:queue"),
        "own submitted report": own.get_absolute_url(),
        "other submitted report": other.get_absolute_url(),
        "own submitted report, PDF": reverse("reviews:report_pdf", args=[own.pk]),
        "own draft, PDF": reverse("reviews:report_pdf", args=[draft.pk]),
        "own draft, edit page": reverse("reviews:report_edit", args=[draft.pk]),
        "own draft, report page": draft.get_absolute_url(),
        "own draft, deadline": reverse("reviews:extension", args=[draft.pk]),
        "proposals to decide": reverse("reviews:proposals"),
        "build progress": reverse("reviews:review_status", args=[versions[0].pk]),
        "unpublished review": reverse("reviews:review_download", args=[versions[0].pk, "pdf"]),
        "publish a version": reverse("reviews:review_publish", args=[versions[0].pk]),
        "published review": reverse("reviews:review_download", args=[versions[1].pk, "pdf"]),
        "figures export, open cycle": reverse("reviews:figures_export", args=[2026, "csv"]),
        "figures export, closed cycle": reverse("reviews:figures_export", args=[2025, "csv"]),
        "absence and deputy": reverse("absence"),
        "imports": reverse("onboarding:imports"),
        "import template": reverse("onboarding:template", args=["people", "xlsx"]),
        "an import's preview": ImportRun.objects.create(
            kind=ImportKind.PEOPLE,
            file_name="people.csv",
            sha256="0" * 64,
            uploaded_by=role_users["lead"],
        ).get_absolute_url(),
        "admin": reverse("admin:index"),
        "health check": reverse("healthz"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role_answers_as_the_matrix_says(client, role_users, pages, role):
    client.force_login(role_users[role])
    column = ROLES.index(role)

    answered = {name: client.get(url).status_code for name, url in pages.items()}

    assert answered == {name: statuses[column] for name, statuses in MATRIX.items()}
