"""The consolidated review's content, its files, and who may get them."""

import csv
import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from reviews import services
from reviews.documents.build import render_documents
from reviews.documents.context import build_context
from reviews.documents.exports import MILESTONE_COLUMNS
from reviews.enums import BuildState, ReportState
from reviews.models import Approval, Comment, ConsolidatedReview
from tests import factories
from tests.reviews.pdf_structure import pages_without_content, tagged

pytestmark = pytest.mark.django_db


def approved(cycle, name: str, acronym: str, domain=None, **values):
    in_domain = {"domain": domain} if domain else {}
    report = factories.StatusReportFactory(
        cycle=cycle,
        project=factories.ProjectFactory(
            name=name, acronym=acronym, slug=acronym.lower(), **in_domain
        ),
        complete=True,
        state=ReportState.APPROVED,
        submitted_at=timezone.now(),
        approved_at=timezone.now(),
        **values,
    )
    factories.MilestoneUpdateFactory(report=report, status="delayed", narrative="Late parts.")
    for body in ("EDA", "EEAS", "EUMS"):
        Approval.objects.create(
            report=report, revision=1, body=body, reviewer=factories.UserFactory(eda=True)
        )
    return report


@pytest.fixture
def cycle(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return factories.ReviewCycleFactory(year=2026, handling_marking="LIMITE")


@pytest.fixture
def reports(cycle):
    first = approved(cycle, "Harbour Protection Network", "HPN", assessment="minor_delays")
    second = approved(cycle, "Mountain Rescue Medical Unit", "MRMU")
    eda = factories.UserFactory(eda=True)
    Comment.objects.create(
        report=first, author=eda, body="SECRET-INTERNAL-REMARK", visibility="internal", revision=1
    )
    Comment.objects.create(
        report=first, author=eda, body="Milestones well explained.", visibility="shared", revision=1
    )
    draft = factories.StatusReportFactory(
        cycle=cycle,
        project=factories.ProjectFactory(name="Unfinished Drone Hangar", acronym="UDH", slug="udh"),
    )
    return first, second, draft


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return re.sub(r"\s+", " ", " ".join(parts))


def built(cycle):
    context = build_context(cycle=cycle, version=1, generated_by="Lead")
    return context, render_documents(context, lambda step, percent: None)


def test_build_writes_the_docx_while_typst_renders_the_pdf_in_its_child(cycle):
    for n in range(60):
        approved(cycle, f"Test project {n}", f"TP{n}")
    context = build_context(cycle=cycle, version=1, generated_by="Lead")
    steps = []

    files = render_documents(context, lambda step, percent: steps.append(percent))

    (pdf_start, pdf_end), (docx_start, docx_end) = files.spans["pdf"], files.spans["docx"]
    assert files.spans["charts"][1] <= docx_start  # the DOCX shows the charts typst drew
    assert docx_start < pdf_end  # the DOCX began before the PDF was done,
    assert pdf_start < docx_end  # and the PDF before the DOCX was: they overlap
    assert steps == [30, 50, 70]
    assert "Test project 59 (TP59)" in pdf_text(files.pdf)
    assert "Test project 59 (TP59)" in docx_text(files.docx)


def test_documents_name_every_approved_project_and_the_computed_figures(reports, cycle):
    context, files = built(cycle)

    for text in (pdf_text(files.pdf), docx_text(files.docx)):
        assert "Harbour Protection Network" in text
        assert "Mountain Rescue Medical Unit" in text
        assert "LIMITE" in text
        assert "Milestones well explained." not in text  # a comment is never printed
    pdf = pdf_text(files.pdf)
    assert "In the 2026 cycle, 2 of the 3 projects under review submitted" in pdf
    assert "Reports approved 2" in pdf
    assert "Facing delays (assessment or a delayed / at-risk milestone) 2" in pdf
    assert (context.figures.reports_approved, context.figures.projects_in_review) == (2, 3)
    assert [c.value for c in context.figures.milestones] == [0, 0, 2, 0, 0, 0]


def test_documents_name_the_missing_report_in_the_annex(reports, cycle):
    _, files = built(cycle)

    annex = pdf_text(files.pdf).split("Annex B")[-1]
    assert "UDH Unfinished Drone Hangar draft" in annex
    assert "Unfinished Drone Hangar" in docx_text(files.docx)


def test_documents_never_contain_internal_comments(reports, cycle):
    _, files = built(cycle)

    assert "SECRET-INTERNAL-REMARK" not in pdf_text(files.pdf)
    assert "SECRET-INTERNAL-REMARK" not in docx_text(files.docx)


def test_documents_print_the_handling_marking_on_every_page(reports, cycle):
    _, files = built(cycle)

    pages = PdfReader(io.BytesIO(files.pdf)).pages
    assert len(pages) > 5
    assert all("LIMITE" in page.extract_text() for page in pages)


# The PDF as a reader with assistive technology gets it (PDF/UA-1), and its layout -------------

AMBER, RED, DARK_RED, ORANGE = "#c77c02", "#c62828", "#7f1010", "#d9531e"


def fills(data: bytes) -> set[str]:
    """Every fill colour the PDF's pages paint with (typst writes `r g b scn`), as #rrggbb."""
    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        stream = page.get_contents().get_data().decode("latin-1")
        for rgb in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) scn", stream):
            found.add("#" + "".join(f"{round(float(v) * 255):02x}" for v in rgb))
    return found


def test_pdf_declares_pdf_ua_1_its_language_and_a_title_viewers_show(reports, cycle):
    _, files = built(cycle)

    pdf = tagged(files.pdf)

    assert pdf.pdfua_part == "1"
    assert pdf.xmp_title == "PESCO annual progress review 2026"
    assert pdf.catalog["/Lang"] == "en"
    assert pdf.displays_title


def test_pdf_every_table_has_header_cells(reports, cycle):
    _, files = built(cycle)

    tables = tagged(files.pdf).elements("Table")

    assert len(tables) >= 6  # figures, two key-facts blocks, two milestone tables, the annexes
    assert [t for t in tables if t.count("TH") == 0] == []


def test_pdf_charts_are_figures_whose_alternative_text_states_the_values(reports, cycle):
    _, files = built(cycle)

    figures = tagged(files.pdf).elements("Figure")

    assert [f.alt for f in figures][2:] == [
        "Bar chart, overall assessment: On track 1, Minor delays 1, Major delays 0, "
        "Critical 0. Total 2.",
        "Bar chart, milestones: Not started 0, On track 0, Delayed 2, At risk 0, Achieved 0, "
        "Cancelled 0. Total 2.",
    ]
    assert len(figures) == 4
    assert all(f.alt.startswith("Bar chart, ") for f in figures)


@pytest.fixture
def many_domains(cycle):
    """40 approved reports, each in a domain of its own: the domain chart cannot fit below the
    summary table on its page."""
    for index in range(40):
        approved(cycle, f"Project {index:02}", f"P{index:02}")


def test_pdf_no_page_is_blank_but_for_its_header(many_domains, cycle):
    _, files = built(cycle)

    assert pages_without_content(files.pdf) == []


def test_pdf_a_chart_is_never_split_over_two_pages(many_domains, cycle):
    _, files = built(cycle)

    figures = tagged(files.pdf).elements("Figure")

    assert [len(f.pages) for f in figures] == [1, 1, 1, 1]
    assert "Total: 40" in pdf_text(files.pdf)


def test_pdf_chart_colours_follow_the_status(cycle):
    for status in ("at_risk", "on_track", "achieved"):  # besides each report's delayed one
        report = approved(cycle, f"Project {status}", status.upper(), assessment="critical")
        factories.MilestoneUpdateFactory(report=report, status=status)
    approved(cycle, "Major Project", "MAJ", assessment="major_delays")

    _, files = built(cycle)

    painted = fills(files.pdf)
    assert {AMBER, RED, DARK_RED, ORANGE} <= painted  # delayed, at risk, critical, major delays
    assert "Total: 7" in pdf_text(files.pdf)  # 4 reports with a delayed milestone, and 3 others


def test_pdf_a_long_unbroken_word_wraps_inside_its_table_cell(reports, cycle):
    title = "x" * 150
    factories.MilestoneUpdateFactory(report=reports[0], milestone__title=title)

    _, files = built(cycle)

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(files.pdf)).pages)
    pieces = re.findall(r"(?<![A-Za-z])x+(?![A-Za-z])", text)  # a line break ends a piece
    assert "".join(pieces) == title  # all of it printed, over several lines
    assert max(len(piece) for piece in pieces) < 80  # none running off the page


def test_build_context_query_count_same_for_3_and_30_projects(cycle, django_assert_num_queries):
    for index in range(3):
        approved(cycle, f"Project {index}", f"P{index}")
    with django_assert_num_queries(11):
        build_context(cycle=cycle)

    for index in range(3, 30):
        report = approved(cycle, f"Project {index}", f"P{index}")
        for number in range(2):  # evidence, and the lead's consolidated text
            factories.AttachmentFactory(report=report, name=f"file-{number}.pdf")
        factories.SecretariatAssessmentFactory(report=report)
    with django_assert_num_queries(11):
        context = build_context(cycle=cycle)
    assert context.figures.reports_approved == 30
    assert (len(context.evidence), len(context.warnings)) == (54, 3)


def test_review_build_records_files_hashes_and_revisions(reports, cycle, role_users):
    review = ConsolidatedReview.objects.create(
        cycle=cycle, version=1, requested_by=role_users["lead"]
    )

    services.review_build(review_id=review.pk, task_id="task-1")

    review.refresh_from_db()
    assert (review.state, review.progress, review.attempts) == (BuildState.SUCCEEDED, 100, 1)
    assert review.pdf.name == (
        "consolidated-reviews/2026/v1/attempt-1/PESCO-annual-review-2026-v1.pdf"
    )
    assert review.pdf_sha256 == hashlib.sha256(review.pdf.open("rb").read()).hexdigest()
    assert review.docx_sha256 == hashlib.sha256(review.docx.open("rb").read()).hexdigest()
    assert sorted((b["project"], b["revision"]) for b in review.built_from) == [
        ("HPN", 1),
        ("MRMU", 1),
    ]


def test_review_request_build_while_one_is_queued_points_to_it(cycle, role_users):
    lead = role_users["lead"]
    first = services.review_request_build(actor=lead, cycle=cycle)

    with pytest.raises(services.BuildAlreadyRunningError) as error:
        services.review_request_build(actor=lead, cycle=cycle)

    assert error.value.review == first
    assert ConsolidatedReview.objects.count() == 1


def test_review_request_build_by_anyone_but_the_lead_is_refused(cycle, role_users):
    for role in ("eda", "coordinator", "leadership"):
        with pytest.raises(PermissionDenied):
            services.review_request_build(actor=role_users[role], cycle=cycle)
    assert ConsolidatedReview.objects.count() == 0


@pytest.fixture
def succeeded(reports, cycle, role_users):
    """A version built after the cycle closed: final, so it may be published."""
    services.cycle_close(actor=role_users["lead"], cycle=cycle)
    review = ConsolidatedReview.objects.create(
        cycle=cycle, version=1, requested_by=role_users["lead"]
    )
    services.review_build(review_id=review.pk, task_id="task-1")
    review.refresh_from_db()
    return review


def test_review_publish_only_once_and_only_a_built_version(succeeded, cycle, role_users):
    lead = role_users["lead"]
    failed = ConsolidatedReview.objects.create(
        cycle=cycle, version=2, requested_by=lead, state=BuildState.FAILED, error="x"
    )

    services.review_publish(actor=lead, review=succeeded)

    with pytest.raises(ValidationError, match="already published"):
        services.review_publish(actor=lead, review=succeeded)
    with pytest.raises(ValidationError, match="built successfully"):
        services.review_publish(actor=lead, review=failed)


# role -> status of (PDF, DOCX) download, for an unpublished and then a published version
DOWNLOADS = {
    "lead": ((200, 200), (200, 200)),
    "leadership": ((404, 404), (200, 200)),
    "eda": ((404, 404), (404, 404)),
    "coordinator": ((404, 404), (404, 404)),
    "no_role": ((404, 404), (404, 404)),
}


@pytest.mark.parametrize("role", sorted(DOWNLOADS))
def test_review_download_per_role_before_and_after_publishing(client, succeeded, role_users, role):
    client.force_login(role_users[role])

    def statuses():
        return tuple(
            client.get(reverse("reviews:review_download", args=[succeeded.pk, kind])).status_code
            for kind in ("pdf", "docx")
        )

    before = statuses()
    services.review_publish(actor=role_users["lead"], review=succeeded)
    after = statuses()

    assert (before, after) == DOWNLOADS[role]


def test_review_download_leadership_gets_the_named_file(client, succeeded, role_users):
    services.review_publish(actor=role_users["lead"], review=succeeded)
    client.force_login(role_users["leadership"])

    response = client.get(reverse("reviews:review_download", args=[succeeded.pk, "pdf"]))

    assert response["Content-Disposition"] == (
        'attachment; filename="PESCO-annual-review-2026-v1.pdf"'
    )
    assert "Harbour Protection Network" in pdf_text(b"".join(response.streaming_content))


def test_cycle_page_leadership_sees_only_published_versions(client, succeeded, cycle, role_users):
    client.force_login(role_users["leadership"])
    before = client.get(cycle.get_absolute_url())
    services.review_publish(actor=role_users["lead"], review=succeeded)
    after = client.get(cycle.get_absolute_url())

    assert before.context["page"].versions == []
    assert after.context["page"].versions == [succeeded]
    assert "Build a new version" not in after.text


def test_figures_export_csv_and_xlsx_hold_figures_and_milestones(client, succeeded, role_users):
    client.force_login(role_users["leadership"])  # a final version, built after the cycle closed

    csv_response = client.get(reverse("reviews:figures_export", args=[2026, "csv"]))
    xlsx_response = client.get(reverse("reviews:figures_export", args=[2026, "xlsx"]))

    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert ["Reports approved", "2"] in rows
    header = rows.index(MILESTONE_COLUMNS)
    hpn = [r for r in rows[header + 1 :] if r[0] == "HPN"]
    assert [r[3:6] for r in hpn] == [[hpn[0][3], "Delayed", "50"]]
    book = load_workbook(io.BytesIO(xlsx_response.content))
    assert book.sheetnames == ["Figures", "Milestones"]
    assert ["Reports approved", 2] in [list(r) for r in book["Figures"].iter_rows(values_only=True)]
    assert {r[0] for r in book["Milestones"].iter_rows(min_row=2, values_only=True)} == {
        "HPN",
        "MRMU",
    }
    client.force_login(role_users["coordinator"])
    assert client.get(reverse("reviews:figures_export", args=[2026, "csv"])).status_code == 403


def export_csv(client, year: int) -> list[list[str]]:
    response = client.get(reverse("reviews:figures_export", args=[year, "csv"]))
    assert response["Content-Disposition"] == (
        f'attachment; filename="PESCO-annual-review-{year}-figures.csv"'
    )
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_figures_export_gives_what_the_version_printed_not_what_changed_since(
    client, succeeded, cycle, role_users
):
    approved(cycle, "Coastal Radar Chain", "CRC")  # approved after the version was built
    client.force_login(role_users["lead"])

    rows = export_csv(client, 2026)

    assert rows[0] == ["PESCO annual progress review 2026, version 1", "LIMITE"]
    with succeeded.pdf.open("rb") as file:
        printed = pdf_text(file.read())
    approved_count, in_review = re.search(
        r"In the 2026 cycle, (\d+) of the (\d+) projects under review", printed
    ).groups()
    assert approved_count == "2"  # not the report approved since
    assert f"Reports approved {approved_count}" in printed
    assert ["Reports approved", approved_count] in rows
    assert ["Projects under review", in_review] in rows
    assert {r[0] for r in rows[rows.index(MILESTONE_COLUMNS) + 1 :]} == {"HPN", "MRMU"}


def test_figures_export_costs_the_same_queries_whatever_the_number_of_reports(
    client, reports, cycle, role_users, django_assert_num_queries
):
    client.force_login(role_users["lead"])
    lead = role_users["lead"]
    counts = []
    for version, more in ((1, 0), (2, 5)):
        for n in range(more):
            approved(cycle, f"Test project {n}", f"TP{n}")
        review = ConsolidatedReview.objects.create(cycle=cycle, version=version, requested_by=lead)
        services.review_build(review_id=review.pk, task_id=f"task-{version}")
        with django_assert_num_queries(4):  # session, user, cycle, version
            rows = export_csv(client, 2026)
        counts.append(next(int(r[1]) for r in rows if r[:1] == ["Reports approved"]))
    assert counts == [2, 7]


def test_figures_export_without_a_built_version_says_so(client, reports, cycle, role_users):
    lead = role_users["lead"]
    client.force_login(lead)
    nothing_built = export_csv(client, 2026)
    review = ConsolidatedReview.objects.create(cycle=cycle, version=1, requested_by=lead)
    services.review_build(review_id=review.pk, task_id="task-1")  # while the cycle is open
    provisional = export_csv(client, 2026)
    services.cycle_close(actor=lead, cycle=cycle)

    closed = export_csv(client, 2026)

    assert nothing_built[:3] == [
        ["PESCO annual progress review 2026", "LIMITE"],
        ["Figure", "Projects"],
        [
            "No version of the 2026 review has been built yet: the figures are those of a "
            "built version. Build one, then export again."
        ],
    ]
    assert nothing_built[4:] == [MILESTONE_COLUMNS]
    assert provisional[0] == ["PESCO annual progress review 2026, version 1, provisional", "LIMITE"]
    assert ["Reports approved", "2"] in provisional
    assert closed[2] == [
        "No version of the 2026 review has been built since the cycle closed: the figures are "
        "those of a built version. Build one, then export again."
    ]


def test_build_review_command_writes_both_files(reports, cycle, tmp_path):
    out = io.StringIO()

    call_command("build_review", "2026", "--output", str(tmp_path / "out"), stdout=out)

    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "PESCO-annual-review-2026.docx",
        "PESCO-annual-review-2026.pdf",
    ]
    assert "Built the 2026 review from 2 approved report(s)" in out.getvalue()
    assert "[ 30 %] Drawing the charts and rendering the PDF" in out.getvalue()


def test_home_leadership_sees_the_latest_published_review(client, succeeded, role_users):
    client.force_login(role_users["leadership"])
    assert client.get(reverse("home")).context["page"].published_review is None

    services.review_publish(actor=role_users["lead"], review=succeeded)
    response = client.get(reverse("home"))

    assert response.context["page"].published_review == succeeded
    assert reverse("reviews:review_download", args=[succeeded.pk, "pdf"]) in response.text


def test_review_sweep_queues_a_silent_build_again_and_fails_one_out_of_attempts(
    cycle, role_users, settings, django_capture_on_commit_callbacks
):
    lead = role_users["lead"]
    silent = ConsolidatedReview.objects.create(
        cycle=cycle,
        version=1,
        requested_by=lead,
        state=BuildState.RUNNING,
        attempts=1,
        task_id="dead-task",
        heartbeat_at=timezone.now() - timedelta(seconds=settings.REVIEW_BUILD_STALE_SECONDS + 5),
    )
    other_cycle = factories.ReviewCycleFactory(year=2025, closed=True)
    exhausted = ConsolidatedReview.objects.create(
        cycle=other_cycle,
        version=1,
        requested_by=lead,
        state=BuildState.RUNNING,
        attempts=3,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    live = ConsolidatedReview.objects.create(
        cycle=factories.ReviewCycleFactory(year=2024, closed=True),
        version=1,
        requested_by=lead,
        state=BuildState.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks() as queued:
        swept = services.review_sweep_stuck()

    for review in (silent, exhausted, live):
        review.refresh_from_db()
    assert swept == 2
    assert len(queued) == 1  # the silent build's task, sent once the sweep commits
    assert (silent.state, silent.task_id) == (BuildState.QUEUED, "")
    assert exhausted.state == BuildState.FAILED
    assert exhausted.error == "Gave up after 3 attempts: the worker stopped responding."
    assert live.state == BuildState.RUNNING


def test_review_build_claimed_by_a_live_run_is_left_alone(cycle, role_users):
    review = ConsolidatedReview.objects.create(
        cycle=cycle,
        version=1,
        requested_by=role_users["lead"],
        state=BuildState.RUNNING,
        attempts=1,
        task_id="the-live-run",
        heartbeat_at=timezone.now(),
    )

    result = services.review_build(review_id=review.pk, task_id="a-duplicate-delivery")

    review.refresh_from_db()
    assert result is None
    assert (review.state, review.attempts, review.task_id) == (
        BuildState.RUNNING,
        1,
        "the-live-run",
    )


def test_build_context_figures_compare_with_the_previous_cycle(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    phases = {
        slug: factories.LifecyclePhaseFactory(slug=slug, name=name, position=position)
        for slug, name, position in [
            ("planning", "Planning", 2),
            ("execution", "Execution", 3),
            ("full-operating-capability", "Full operating capability", 4),
        ]
    }
    previous = factories.ReviewCycleFactory(year=2025, state="closed")
    previous.opened_at = timezone.now() - timedelta(days=300)
    previous.save()
    current = factories.ReviewCycleFactory(year=2026)
    a_before = approved(previous, "Alpha Air Lift", "AAL", phase_reported=phases["planning"])
    b_before = approved(previous, "Bravo Base", "BRB", phase_reported=phases["execution"])
    approved(
        current, "Alpha Air Lift 2", "AAL2", phase_reported=phases["execution"]
    )  # another project: no previous report, so no move
    a_now = factories.StatusReportFactory(
        cycle=current,
        project=a_before.project,
        complete=True,
        state=ReportState.APPROVED,
        phase_reported=phases["execution"],
        assessment="critical",
    )
    b_now = factories.StatusReportFactory(
        cycle=current,
        project=b_before.project,
        complete=True,
        state=ReportState.APPROVED,
        phase_reported=phases["full-operating-capability"],
    )
    for report in (a_now, b_now):
        factories.MilestoneUpdateFactory(report=report, status="achieved")
    latvia = factories.MemberStateFactory(code="QL", name="Latvia (test)")
    factories.ParticipationFactory(project=a_before.project, state=latvia)  # joined now
    gone = factories.ParticipationFactory(
        project=b_before.project, observer=True, until=timezone.localdate()
    )
    factories.ParticipationFactory(  # ended long before the previous cycle: not a change
        project=b_before.project, until=date_before(previous)
    )

    figures = build_context(cycle=current).figures
    changes = build_context(cycle=current).participation_changes

    assert figures.moved_phase == ["AAL", "BRB"]
    assert figures.reached_execution_or_foc == ["AAL", "BRB"]
    assert figures.at_foc == ["BRB"]
    assert figures.critical == ["AAL"]
    assert figures.year_on_year[0] == {"label": "Reports approved", "previous": 2, "current": 3}
    assert {
        "state": "Latvia (test)",
        "project": "AAL",
        "change": "joined as participant",
    } in changes
    assert any(
        c["state"] == gone.state.name and c["change"].startswith("left (observer") for c in changes
    )
    assert len([c for c in changes if c["change"].startswith("left")]) == 1


def date_before(cycle):
    return timezone.localdate(cycle.opened_at) - timedelta(days=30)
