"""The milestone register by spreadsheet: a preview of every row that writes nothing, one
transaction on confirm, history naming the import, idempotent, all or nothing."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from onboarding import services
from onboarding.enums import ImportKind, ImportState
from onboarding.models import ImportRun
from projects.models import Milestone
from reviews.enums import ReportState
from reviews.models import MilestoneUpdate
from tests import factories
from tests.onboarding.helpers import (
    MILESTONE_HEADER,
    confirm_at_once,
    csv_upload,
    preview,
    shown,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db
M = ImportKind.MILESTONES


def _register_csv(*rows: str) -> str:
    return "\n".join([",".join(MILESTONE_HEADER), *rows]) + "\n"


THREE = _register_csv(
    "ALPHA,1,Project arrangement signed,,2027-03-31",
    'ALPHA,2,Concept agreed,"Agreed by the steering board, in writing",30/06/2027',
    "alpha ,3,Initial operating capability,,31.12.2027",
)


def _apply(lead, text: str, name="register.csv") -> ImportRun:
    run = preview(lead, M, csv_upload(text, name))
    assert services.import_confirm(actor=lead, run=run) is True
    run.refresh_from_db()
    return run


def test_preview_shows_every_rows_outcome_and_writes_nothing(role_users, project):
    factories.MilestoneFactory(
        project=project,
        position=1,
        title="Project arrangement signed",
        baseline_due=date(2027, 3, 31),
        current_due=date(2027, 3, 31),
    )
    factories.MilestoneFactory(
        project=project,
        position=2,
        title="Old title",
        baseline_due=date(2027, 6, 30),
        current_due=date(2027, 6, 30),
    )
    history_before = Milestone.history.count()

    run = preview(role_users["lead"], M, csv_upload(THREE))

    assert shown(run) == [
        (2, "unchanged", ""),
        (3, "changed", "Title: 'Old title' → 'Concept agreed'."),
        (4, "new", "New milestone, due 31 December 2027."),
    ]
    assert run.counts == {"new": 1, "changed": 1, "unchanged": 1, "error": 0}
    assert Milestone.objects.filter(project=project).count() == 2
    assert Milestone.history.count() == history_before
    assert run.state == ImportState.PREVIEWED


def test_confirm_writes_every_row_with_history_naming_the_import(role_users, project):
    lead = role_users["lead"]

    run = _apply(lead, THREE)

    milestones = list(Milestone.objects.filter(project=project).order_by("position"))
    assert [(m.position, m.title, m.baseline_due, m.current_due) for m in milestones] == [
        (1, "Project arrangement signed", date(2027, 3, 31), date(2027, 3, 31)),
        (2, "Concept agreed", date(2027, 6, 30), date(2027, 6, 30)),
        (3, "Initial operating capability", date(2027, 12, 31), date(2027, 12, 31)),
    ]
    assert milestones[1].description == "Agreed by the steering board, in writing"
    records = Milestone.history.filter(project_id=project.pk)
    assert {(r.history_user_id, r.history_change_reason) for r in records} == {
        (lead.pk, f"Import {run.pk} (register.csv)")
    }
    assert (run.state, run.applied_by, run.applied_at is not None) == (
        ImportState.APPLIED,
        lead,
        True,
    )


def test_importing_the_same_file_twice_changes_nothing_the_second_time(role_users, project):
    lead = role_users["lead"]
    _apply(lead, THREE)
    history_before = Milestone.history.count()

    second = preview(lead, M, csv_upload(THREE))

    assert second.counts == {"new": 0, "changed": 0, "unchanged": 3, "error": 0}
    assert second.rows_to_write == 0
    assert services.import_confirm(actor=lead, run=second) is True
    assert Milestone.history.count() == history_before
    assert Milestone.objects.filter(project=project).count() == 3


def test_one_bad_row_writes_nothing_and_names_the_row_and_the_reason(role_users, project):
    text = _register_csv(
        "ALPHA,1,Project arrangement signed,,2027-03-31",
        "ALPHA,2,Concept agreed,,2027-02-30",
        "ALPHA,3,Initial operating capability,,2027-12-31",
    )
    run = preview(role_users["lead"], M, csv_upload(text))

    assert shown(run)[1] == (
        3,
        "error",
        "The baseline due date '2027-02-30' is not a date: write it as 2027-03-31 "
        "(year-month-day) or 31/03/2027.",
    )
    assert run.has_errors
    assert not run.is_applicable
    with pytest.raises(ValidationError, match="has errors, so nothing of it is written"):
        services.import_confirm(actor=role_users["lead"], run=run)
    assert not Milestone.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            "ALPAH,1,T,,2027-03-31",
            "No project has the acronym 'ALPAH' in the register. Did you mean 'ALPHA'?",
        ),
        (",1,T,,2027-03-31", "The project is missing: give its acronym."),
        ("ALPHA,0,T,,2027-03-31", "The position '0' is not a whole number from 1 to 999."),
        ("ALPHA,two,T,,2027-03-31", "The position 'two' is not a whole number from 1 to 999."),
        ("ALPHA,1,,,2027-03-31", "The title is missing."),
        (f"ALPHA,1,{'x' * 201},,2027-03-31", "The title has 201 characters; at most 200."),
        ("ALPHA,1,T,,", "The baseline due date is missing."),
        (
            "ALPHA,1,T,,2016-01-01",
            "The baseline due date 1 January 2016 is before PESCO began (11 December 2017).",
        ),
    ],
)
def test_each_kind_of_bad_row_is_named_in_words(role_users, project, row, reason):
    run = preview(role_users["lead"], M, csv_upload(_register_csv(row)))

    assert shown(run) == [(2, "error", reason)]


def test_a_position_given_twice_is_an_error_on_the_second_row(role_users, project):
    text = _register_csv("ALPHA,1,First,,2027-03-31", "ALPHA,1,Again,,2027-04-30")

    run = preview(role_users["lead"], M, csv_upload(text))

    assert shown(run)[1] == (3, "error", "Row 2 gives ALPHA position 1 already.")


def test_rows_are_numbered_as_the_spreadsheet_shows_them_blank_rows_included(role_users, project):
    text = (
        "Project;Position;Title;Description;Baseline due date\n"
        'ALPHA;1;First;"two\n\nparagraphs";2027-03-31\n'
        "\n"
        ";;;;\n"
        "ALPHA;2;Second;;not a date\n"
    )

    run = preview(role_users["lead"], M, csv_upload(text))

    assert [(r, o) for r, o, _ in shown(run)] == [(2, "new"), (5, "error")]
    assert run.rows[0]["cells"]["description"] == "two\n\nparagraphs"


def test_an_xlsx_file_with_real_dates_and_numbers_is_read(role_users, project):
    upload = xlsx_upload(MILESTONE_HEADER, [["ALPHA", 1.0, "First", None, date(2027, 3, 31)]])

    run = preview(role_users["lead"], M, upload)

    assert shown(run) == [(2, "new", "New milestone, due 31 March 2027.")]


def test_a_baseline_moved_by_the_import_moves_the_current_date_only_where_it_had_not_slipped(
    role_users, project
):
    factories.MilestoneFactory(
        project=project,
        position=1,
        title="On plan",
        baseline_due=date(2027, 1, 31),
        current_due=date(2027, 1, 31),
    )
    factories.MilestoneFactory(
        project=project,
        position=2,
        title="Slipped",
        baseline_due=date(2027, 1, 31),
        current_due=date(2027, 5, 31),
    )
    text = _register_csv("ALPHA,1,On plan,,2027-02-28", "ALPHA,2,Slipped,,2027-02-28")

    _apply(role_users["lead"], text)

    assert list(
        Milestone.objects.filter(project=project)
        .order_by("position")
        .values_list("current_due", flat=True)
    ) == [date(2027, 2, 28), date(2027, 5, 31)]


def test_a_demo_milestone_replaced_by_an_imported_row_is_no_longer_marked_demo(role_users, project):
    factories.MilestoneFactory(
        project=project,
        position=1,
        title="Invented",
        is_demo=True,
        current_due=date(2027, 9, 30),
        achieved_on=date(2025, 1, 1),
    )

    run = preview(role_users["lead"], M, csv_upload(_register_csv("ALPHA,1,Real,,2027-02-28")))
    assert run.preview[0]["details"][-1] == (
        "Replaces a demonstration milestone: no longer marked demo, and its invented progress "
        "goes (due on the baseline, not achieved)."
    )
    services.import_confirm(actor=role_users["lead"], run=run)

    milestone = Milestone.objects.get(project=project)
    assert (milestone.is_demo, milestone.current_due, milestone.achieved_on) == (
        False,
        date(2027, 2, 28),
        None,
    )


def test_a_new_milestone_joins_the_open_draft_but_not_a_submitted_report(
    role_users, project, other_project
):
    cycle = factories.ReviewCycleFactory(year=2026)
    draft = factories.StatusReportFactory(cycle=cycle, project=project)
    submitted = factories.StatusReportFactory(
        cycle=cycle, project=other_project, state=ReportState.SUBMITTED
    )
    text = _register_csv("ALPHA,1,First,,2027-03-31", "BRAVO,1,First,,2027-03-31")

    _apply(role_users["lead"], text)

    assert list(
        MilestoneUpdate.objects.filter(report=draft).values_list("milestone__title", flat=True)
    ) == ["First"]
    assert not MilestoneUpdate.objects.filter(report=submitted).exists()


def test_the_register_changed_after_the_preview_shows_it_again_and_writes_nothing(
    role_users, project
):
    lead = role_users["lead"]
    run = preview(lead, M, csv_upload(_register_csv("ALPHA,1,First,,2027-03-31")))
    factories.MilestoneFactory(project=project, position=1, title="Typed in the admin meanwhile")

    assert services.import_confirm(actor=lead, run=run) is False

    run.refresh_from_db()
    assert shown(run) == [(2, "changed", "Title: 'Typed in the admin meanwhile' → 'First'.")]
    assert run.state == ImportState.PREVIEWED
    assert Milestone.objects.get(project=project).title == "Typed in the admin meanwhile"


def test_a_run_is_applied_once_and_a_discarded_one_never(role_users, project):
    lead = role_users["lead"]
    run = _apply(lead, THREE)
    with pytest.raises(ValidationError, match="applied already"):
        services.import_confirm(actor=lead, run=run)
    other = preview(lead, M, csv_upload(THREE))
    services.import_discard(actor=lead, run=other)
    with pytest.raises(ValidationError, match="discarded already"):
        services.import_confirm(actor=lead, run=other)


@pytest.mark.parametrize(
    "role", ["coordinator", "member", "eda", "eeas", "eums", "leadership", "superuser", "staff"]
)
def test_nobody_but_the_lead_previews_or_confirms_an_import(role_users, project, role):
    actor = role_users[role]
    with pytest.raises(PermissionDenied):
        preview(actor, M, csv_upload(THREE))
    run = preview(role_users["lead"], M, csv_upload(THREE))
    with pytest.raises(PermissionDenied):
        services.import_confirm(actor=actor, run=run)
    with pytest.raises(PermissionDenied):
        services.import_discard(actor=actor, run=run)
    assert not Milestone.objects.exists()
    assert ImportRun.objects.get().state == ImportState.PREVIEWED


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_run_at_once_apply_it_once(role_users, project):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises every write)")
    lead = role_users["lead"]
    run = preview(lead, M, csv_upload(THREE))
    results = confirm_at_once(lead, [run, run])

    assert sorted(map(str, results)) == ["This import is applied already.", "True"]
    assert Milestone.objects.filter(project=project).count() == 3
    assert Milestone.history.filter(project_id=project.pk).count() == 3
