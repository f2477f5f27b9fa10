"""The bench's own pieces (bench/common/): the baselines it measures pages against, and the
ten-times data set. No timing here: the figures are the bench's (bench/pages.py)."""

import pytest

from bench.common import synthetic
from bench.common.site import ADMIN_CHANGELIST, BARE, BARE_BODY
from projects.models import Milestone, Project, ProjectRole
from reviews.enums import ReportAction, ReportState
from reviews.models import Comment, MilestoneUpdate, ReportTransition, StatusReport
from reviews.selectors.content import snapshot
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.urls("bench.common.site")
def test_baseline_changelist_lists_the_reports_100_a_page_to_staff(client):
    cycle = factories.ReviewCycleFactory()
    factories.StatusReportFactory.create_batch(101, cycle=cycle)
    lead = factories.UserFactory(lead=True)
    factories.enrol_totp(lead)
    client.force_login(lead)

    first, second = client.get(ADMIN_CHANGELIST), client.get(ADMIN_CHANGELIST + "?p=2")

    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.context["cl"].result_count, len(first.context["cl"].result_list)) == (101, 100)
    assert len(second.context["cl"].result_list) == 1
    assert first.context["cl"].list_display == ("project", "cycle", "state")


@pytest.mark.urls("bench.common.site")
def test_baseline_changelist_refuses_a_coordinator(client, role_users):
    client.force_login(role_users["coordinator"])

    response = client.get(ADMIN_CHANGELIST)

    assert response.status_code == 302
    assert "/bench/admin/login/" in response["Location"]


@pytest.mark.urls("bench.common.site")
def test_bare_view_answers_a_few_bytes_to_a_signed_in_person_only(client, role_users):
    anonymous = client.get(BARE)
    client.force_login(role_users["coordinator"])

    signed_in = client.get(BARE)

    assert anonymous.status_code == 302
    assert (signed_in.status_code, signed_in.content) == (200, BARE_BODY)


def test_multiply_copies_each_project_with_its_roles_and_reports_as_bench_data(role_users, project):
    milestone = factories.MilestoneFactory(
        project=project, position=1, title="Real milestone title"
    )
    report = factories.StatusReportFactory(
        project=project, complete=True, state=ReportState.SUBMITTED
    )
    factories.MilestoneUpdateFactory(report=report, milestone=milestone, narrative="Real words.")
    asked = Comment.objects.create(
        report=report, author=role_users["eda"], body="Real question?", revision=1
    )
    Comment.objects.create(
        report=report, author=role_users["coordinator"], body="Real answer.", revision=1,
        parent=asked,
    )  # fmt: skip
    ReportTransition.objects.create(
        report=report, action=ReportAction.SUBMIT, from_state=ReportState.DRAFT,
        to_state=ReportState.SUBMITTED, revision=1, actor=role_users["coordinator"],
        snapshot=snapshot(report),
    )  # fmt: skip
    projects_before = Project.objects.count()

    added = synthetic.multiply(3)

    copies = Project.objects.filter(acronym__startswith="TENX-")
    assert (added, copies.count(), Project.objects.count()) == (
        2 * projects_before, 2 * projects_before, 3 * projects_before,
    )  # fmt: skip
    coordinated = ProjectRole.objects.filter(user=role_users["coordinator"])
    assert coordinated.count() == 3
    copied = StatusReport.objects.filter(project__in=copies, project__user_roles__in=coordinated)
    assert sorted(r.state for r in copied) == [ReportState.SUBMITTED] * 2
    for copy in copied:
        assert copy.summary == synthetic.TEXT
        update = MilestoneUpdate.objects.get(report=copy)
        assert (update.milestone.project_id, update.narrative) == (copy.project_id, synthetic.TEXT)
        assert update.milestone.title == "Bench milestone 1"
        reply = Comment.objects.get(report=copy, parent__isnull=False)
        assert (reply.parent.report_id, reply.body) == (copy.pk, synthetic.TEXT)
        assert copy.history.count() == report.history.count()
        submitted = ReportTransition.objects.get(report=copy).snapshot
        assert (submitted["summary"], list(submitted["milestones"])) == (
            synthetic.TEXT, [str(update.milestone_id)],
        )  # fmt: skip
        assert submitted["milestones"][str(update.milestone_id)]["title"] == "Bench milestone 1"
    assert Milestone.objects.filter(title="Real milestone title").count() == 1
