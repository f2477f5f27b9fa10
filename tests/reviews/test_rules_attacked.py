"""The rules of the review on the paths an attack found: roles only for national points of
contact, closed and published cycles final, provisional versions unpublished, bounds on what is
typed."""

import contextlib
import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from pesco_review.accounts.services import secretariat_group
from projects.models import ProjectRole
from reviews import services
from reviews.enums import CycleState, ReportState
from reviews.models import MilestoneProposal, ReviewCycle, StatusReport
from reviews.workflow import report_transition
from tests import factories
from tests.reviews.test_rules_for_everyone import approve_all, form_data, submit

pytestmark = pytest.mark.django_db

SECRET = "UNSUBMITTED-DRAFT-TEXT-7f3a"


@pytest.fixture
def report(project):
    report = factories.StatusReportFactory(project=project, complete=True)
    factories.MilestoneUpdateFactory(report=report, milestone__position=1)
    return report


@pytest.fixture
def steward(role_users):
    """The secretariat lead as the application sets them up: in the data stewards' group."""
    lead = role_users["lead"]
    lead.groups.add(secretariat_group())
    return lead


# 2. Separation of duties: user administration stays with the superuser -------------------------


@pytest.mark.parametrize("who", ["eda", "leadership"])
def test_lead_cannot_give_a_reviewer_or_leadership_a_project_role_and_so_read_drafts(
    client, steward, report, role_users, who
):
    """Project roles the lead curates are national users' roles; given to a reviewer, a member
    role shows them the coordinator's never-submitted draft."""
    services.report_update(
        actor=role_users["coordinator"],
        report=report,
        expected_version=report.version,
        values={"summary": SECRET},
        updates={},
    )
    person = role_users[who]
    client.force_login(steward)
    client.post(
        reverse("admin:projects_projectrole_add"),
        {"user": person.pk, "project": report.project.pk, "role": "member"},
    )

    given = ProjectRole.objects.filter(user=person).exists()
    client.force_login(person)
    page = client.get(reverse("reviews:report", args=[report.pk]))
    assert (given, SECRET in page.content.decode()) == (False, False)


# 5. Cycles: a closed cycle's reports are read-only -----------------------------------------------


def test_no_milestone_is_proposed_on_a_closed_cycles_report(report, role_users):
    services.cycle_close(actor=role_users["lead"], cycle=report.cycle)

    with pytest.raises((PermissionDenied, ValidationError)):
        services.milestone_propose(
            actor=role_users["coordinator"],
            report=report,
            title="Added after the cycle closed",
            proposed_due=date(2027, 6, 1),
        )
    assert MilestoneProposal.objects.count() == 0


def test_accepting_a_proposal_after_the_cycle_closed_adds_nothing_to_its_report(report, role_users):
    proposal = services.milestone_propose(
        actor=role_users["coordinator"],
        report=report,
        title="Late milestone",
        proposed_due=date(2027, 6, 1),
    )
    services.proposal_send(actor=role_users["coordinator"], proposal=proposal)
    services.cycle_close(actor=role_users["lead"], cycle=report.cycle)
    before = report.updates.count()

    with contextlib.suppress(ValidationError):
        services.proposal_decide(actor=role_users["eda"], proposal=proposal, accept=True)

    assert report.updates.count() == before  # the closed cycle's report is final


def test_no_request_for_changes_sends_a_closed_cycles_report_back(report, role_users):
    """Sent back after closing, the report can never be resubmitted (submissions need an open
    cycle): a closed cycle's report is reopened for editing and stranded."""
    report = submit(report, role_users)
    services.cycle_close(actor=role_users["lead"], cycle=report.cycle)

    with pytest.raises(ValidationError):
        report_transition(
            report=report,
            action="request_changes",
            actor=role_users["eda"],
            reason="Please explain.",
            expected_revision=1,
        )
    assert StatusReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_no_decision_changes_a_report_of_a_published_cycle(report, role_users):
    report = submit(report, role_users)
    cycle = report.cycle
    services.cycle_close(actor=role_users["lead"], cycle=cycle)
    version = factories.ConsolidatedReviewFactory(cycle=cycle, version=1, provisional=False)
    services.review_publish(actor=role_users["lead"], review=version)
    cycle.refresh_from_db()
    assert cycle.state == CycleState.PUBLISHED

    for body in ("eda", "eeas", "eums"):
        with contextlib.suppress(ValidationError):
            report_transition(
                report=report, action="approve", actor=role_users[body], expected_revision=1
            )

    assert StatusReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED


# 5. Only a version built after its cycle closed is published ------------------------------------


def test_a_version_built_before_the_cycle_closed_is_never_published(role_users):
    from reviews.builds import build_transition
    from reviews.models import ConsolidatedReview
    from reviews.services.building import _claim

    lead = role_users["lead"]
    cycle = factories.ReviewCycleFactory(year=2027, planned=True)
    with pytest.raises(ValidationError, match="not open yet"):
        services.review_request_build(actor=lead, cycle=cycle)
    version = ConsolidatedReview.objects.create(cycle=cycle, version=1, requested_by=lead)
    claimed = _claim(version.pk, "run-1")  # what the worker does first, the cycle still planned
    build_transition(claimed, "succeed", task_id="run-1", progress=100, step="Done")
    services.cycle_open(actor=lead, cycle=cycle)
    services.cycle_close(actor=lead, cycle=cycle)

    with pytest.raises(ValidationError, match="provisional"):
        services.review_publish(actor=lead, review=version)


def test_a_superuser_downloads_no_provisional_version(client, role_users, tmp_path, settings):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026)
    version = factories.ConsolidatedReviewFactory(cycle=cycle, version=1, provisional=True)
    version.pdf.save("v1.pdf", ContentFile(b"%PDF-1.4 provisional"), save=True)
    client.force_login(role_users["superuser"])

    response = client.get(reverse("reviews:review_download", args=[version.pk, "pdf"]))

    assert response.status_code == 404  # for the secretariat only


def test_leadership_gets_no_figures_of_an_open_cycle(client, report, role_users):
    """A version built while its cycle is open is for the secretariat only; the figures export
    builds the same figures on the spot and gives them to leadership."""
    approve_all(submit(report, role_users), role_users)
    client.force_login(role_users["leadership"])

    response = client.get(reverse("reviews:figures_export", args=[report.cycle.year, "csv"]))

    assert response.status_code in (403, 404)


# 5./6. Two open cycles; a database constraint is never the first to notice ----------------------


@pytest.mark.django_db(transaction=True)
def test_two_cycles_opened_at_once_give_a_message_not_an_integrity_error(role_users, monkeypatch):
    """Each opening locks only its own cycle: both pass the "another cycle is open" check, and the
    second is stopped by the partial unique constraint (IntegrityError: a 500 on the page)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises every write)")
    from reviews.services import cycles as cycle_services

    original = cycle_services.save_with_history
    barrier = threading.Barrier(2, timeout=3)

    def interleaved(instance, **kwargs):
        if isinstance(instance, ReviewCycle) and instance.state == CycleState.OPEN:
            instance.full_clean()  # the model's own check, as save_with_history does
            # Both openings pass every check before either writes (or, once the first holds
            # a lock the second waits for, the barrier times out and the first goes on).
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            kwargs["validate"] = False
        return original(instance, **kwargs)

    monkeypatch.setattr(cycle_services, "save_with_history", interleaved)
    first = factories.ReviewCycleFactory(year=2027, planned=True)
    second = factories.ReviewCycleFactory(year=2028, planned=True)
    lead = role_users["lead"]
    errors = []

    def open_cycle(cycle):
        try:
            services.cycle_open(actor=lead, cycle=cycle)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_cycle, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert ReviewCycle.objects.filter(state=CycleState.OPEN).count() == 1
    assert [type(e).__name__ for e in errors] == ["ValidationError"]


# 6. Bad input never breaks a step ---------------------------------------------------------------


def test_a_cycle_year_typed_with_one_digit_too_many_is_refused_beside_the_field(client, role_users):
    """A year like 20266 (one digit too many) would break every date computed from it."""
    client.force_login(role_users["lead"])

    response = client.post(
        reverse("reviews:cycle_create"),
        {
            "year": "20266",
            "opens": "2026-01-15",
            "submission_deadline": "2026-12-31",
            "review_deadline": "2027-01-31",
            "required_bodies": ["EDA", "EEAS", "EUMS"],
            "handling_marking": "",
            "reminder_days_before": "14, 3",
            "reminder_days_after": "1, 7",
            "reviewer_reminder_after_days": "7",
            "resubmission_days": "14",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["year"] == [
        "Ensure this value is less than or equal to 2100."
    ]
    assert not ReviewCycle.objects.filter(year=20266).exists()


def test_a_milestone_narrative_over_the_length_limit_is_refused(
    client, report, role_users, settings
):
    settings.REPORT_NARRATIVE_MAX_LENGTH = 100
    client.force_login(role_users["coordinator"])
    update = report.updates.get()
    data = form_data(report, **{"m-0-narrative": "y" * 101})

    client.post(reverse("reviews:report_edit", args=[report.pk]), data)

    update.refresh_from_db()
    assert len(update.narrative) <= 100
