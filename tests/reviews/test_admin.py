"""The review's records in the administration: every list and record opens for a superuser
with search and filters, nothing can be added, changed or deleted there, and no list costs a
query per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.enums import ReportState
from reviews.models import ConsolidatedReview, ReminderSent, ReviewCycle, StatusReport
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = [ReviewCycle, StatusReport, ConsolidatedReview, ReminderSent]


@pytest.fixture
def admin_client(client):
    user = factories.UserFactory(is_superuser=True, is_staff=True)
    factories.enrol_totp(user)
    client.force_login(user)
    return client


def _records(cycle, n: int) -> None:
    for _ in range(n):
        report = factories.StatusReportFactory(
            cycle=cycle, state=ReportState.SUBMITTED, submitted_at=timezone.now()
        )
        ReminderSent.objects.create(
            report=report, rule="before-7", recipient=factories.UserFactory()
        )
    factories.ConsolidatedReviewFactory(cycle=cycle, error="Rendering failed: x" * 10)


def _changelist(model) -> str:
    return reverse(f"admin:reviews_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_list_costs_the_same_queries_with_one_row_or_twenty(admin_client, model):
    cycle = factories.ReviewCycleFactory(year=2026)
    _records(cycle, 1)
    admin_client.get(_changelist(model))
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(_changelist(model)).status_code == 200
    factories.ReviewCycleFactory(year=2025, state="closed")
    _records(cycle, 19)
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get(_changelist(model))

    assert page.status_code == 200
    assert len(many) == len(one), "\n".join(q["sql"][:160] for q in many.captured_queries)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_records_open_read_only_and_cannot_be_added(admin_client, model):
    cycle = factories.ReviewCycleFactory(year=2026)
    _records(cycle, 1)
    obj = model.objects.first()
    name = model._meta.model_name

    record = admin_client.get(reverse(f"admin:reviews_{name}_change", args=[obj.pk]))
    add = admin_client.get(reverse(f"admin:reviews_{name}_add"))
    delete = admin_client.post(
        reverse(f"admin:reviews_{name}_delete", args=[obj.pk]), {"post": "yes"}
    )

    assert record.status_code == 200
    assert b'name="_save"' not in record.content
    assert (add.status_code, delete.status_code) == (403, 403)
    assert model.objects.filter(pk=obj.pk).exists()


def test_admin_report_list_searches_by_acronym_and_filters_by_state(admin_client):
    cycle = factories.ReviewCycleFactory(year=2026)
    factories.StatusReportFactory(
        cycle=cycle, project=factories.ProjectFactory(acronym="FINDME"), state="submitted"
    )
    factories.StatusReportFactory(cycle=cycle, project=factories.ProjectFactory(acronym="OTHER"))

    found = admin_client.get(_changelist(StatusReport), {"q": "findme"})
    drafts = admin_client.get(_changelist(StatusReport), {"state__exact": "draft"})

    assert [r.project.acronym for r in found.context["cl"].result_list] == ["FINDME"]
    assert [r.project.acronym for r in drafts.context["cl"].result_list] == ["OTHER"]


def test_admin_project_form_costs_no_query_per_inline_row_and_shows_each_rows_choice(
    admin_client,
):
    project = factories.ProjectFactory()
    url = reverse("admin:projects_project_change", args=[project.pk])

    def rows(n: int) -> None:
        for _ in range(n):
            factories.MilestoneFactory(project=project)
            factories.ParticipationFactory(project=project)
            factories.ProjectRoleFactory(project=project)

    rows(1)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(url).status_code == 200
    rows(9)
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get(url)

    assert len(many) == len(one)
    html = page.content.decode()
    for participation in project.participations.select_related("state"):
        state = participation.state
        assert f'<option value="{state.pk}" selected>{state.name}</option>' in html
    for role in project.user_roles.select_related("user"):
        assert f'<option value="{role.user.pk}" selected>{role.user}</option>' in html
