"""A consolidated review that tells the truth about itself (issue 12, items 1–5): the marks it
carries, the comparisons it makes and only those, third states as their own item, what the
data does not know, and the EU's drafting conventions. Asserted on the extracted text."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from projects.enums import ListCoverage, ParticipationRole, PhaseSlug
from reviews.documents.build import render_documents
from reviews.documents.context import build_context
from reviews.enums import CycleState, ReportState
from reviews.models import Approval
from tests import factories

pytestmark = pytest.mark.django_db


def pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


def pdf(cycle, **options) -> list[str]:
    context = build_context(cycle=cycle, version=1, **options)
    return pages(render_documents(context, lambda step, percent: None).pdf)


def approved(cycle, project, phase=None, **values):
    report = factories.StatusReportFactory(
        cycle=cycle,
        project=project,
        complete=True,
        state=ReportState.APPROVED,
        submitted_at=timezone.now(),
        approved_at=timezone.now(),
        phase_reported=phase,
        **values,
    )
    for body in ("EDA", "EEAS", "EUMS"):
        Approval.objects.create(
            report=report,
            revision=1,
            body=body,
            reviewer=factories.UserFactory(first_name="Named", last_name=f"Reviewer {body}"),
        )
    return report


@pytest.fixture
def phases():
    return {
        slug: factories.LifecyclePhaseFactory(slug=slug, name=slug.title(), position=n)
        for n, slug in enumerate(
            [PhaseSlug.PLANNING, PhaseSlug.EXECUTION, PhaseSlug.FULL_OPERATING_CAPABILITY], 10
        )
    }


@pytest.fixture
def states():
    """Member States in an order that is not protocol order, GR and GB by their ISO codes."""
    codes = {"FR": "France", "GR": "Greece", "DE": "Germany", "BE": "Belgium", "ES": "Spain"}
    member = {c: factories.MemberStateFactory(code=c, name=n) for c, n in codes.items()}
    third = {
        c: factories.MemberStateFactory(code=c, name=n, third_state=True)
        for c, n in {"US": "United States", "GB": "United Kingdom"}.items()
    }
    return member | third


def test_an_open_cycles_version_is_marked_provisional_on_every_page(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.OPEN)
    approved(cycle, factories.ProjectFactory(name="Harbour Protection", acronym="HP"))

    text = pdf(cycle)

    assert all("Provisional — cycle still open" in page for page in text)
    assert "Demonstration data" not in " ".join(text)


def test_a_closed_cycles_version_of_demo_data_is_marked_demo_on_every_page_and_per_value(
    settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    report = approved(
        cycle, factories.ProjectFactory(name="Harbour Protection", acronym="HP"), is_demo=True
    )
    factories.MilestoneUpdateFactory(report=report, status="delayed")

    text = pdf(cycle)

    assert all("Demonstration data" in page for page in text)
    assert not any("Provisional" in page for page in text)
    whole = " ".join(text)
    assert "Demonstration report: its assessment, phase, milestone progress" in whole
    assert "Delayed (demo)" in whole


def test_a_first_cycle_makes_no_comparison_it_cannot(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    approved(cycle, factories.ProjectFactory(name="Harbour Protection", acronym="HP"))

    whole = " ".join(pdf(cycle))

    assert re.search(r"\bnone\b", whole, re.IGNORECASE) is None
    assert "no change" not in whole.lower()
    assert "Moved to a next phase: no previous cycle to compare with" in whole
    assert "Moved to a next lifecycle phase this year —" in whole
    assert "There is no previous cycle to compare with. The figures above" in whole


def test_a_previous_cycle_without_approved_reports_is_no_comparison(settings, tmp_path):
    factories.ReviewCycleFactory(year=2025, state=CycleState.CLOSED)
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    approved(cycle, factories.ProjectFactory(name="Harbour Protection", acronym="HP"))

    context = build_context(cycle=cycle)

    assert context.figures.comparable is False
    assert context.figures.year_on_year == []


def test_phase_changes_are_counted_both_ways_and_the_project_that_went_back_is_named(
    settings, tmp_path, phases
):
    settings.MEDIA_ROOT = tmp_path
    before = factories.ReviewCycleFactory(year=2025, state=CycleState.CLOSED)
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    up = factories.ProjectFactory(name="Going Up", acronym="UP")
    down = factories.ProjectFactory(name="Going Down", acronym="DOWN")
    approved(before, up, phases[PhaseSlug.PLANNING])
    approved(before, down, phases[PhaseSlug.EXECUTION])
    approved(cycle, up, phases[PhaseSlug.EXECUTION])
    approved(cycle, down, phases[PhaseSlug.PLANNING])

    context = build_context(cycle=cycle)
    whole = " ".join(pdf(cycle))

    assert (context.figures.moved_phase, context.figures.moved_back) == (["UP"], ["DOWN"])
    assert "Went back to an earlier phase: DOWN" in whole
    assert "Went back to an earlier lifecycle phase this year 1" in whole


def test_third_states_are_their_own_item_never_counted_among_the_member_states(
    settings, tmp_path, states
):
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    mobility = factories.ProjectFactory(
        name="Military Mobility", acronym="MM", domain_verified=False, coordinators_verified=False
    )
    factories.ParticipationFactory(
        project=mobility, state=states["ES"], role=ParticipationRole.COORDINATOR
    )
    for code in ("FR", "DE", "BE"):
        factories.ParticipationFactory(project=mobility, state=states[code])
    for code in ("US", "GB"):
        factories.ParticipationFactory(project=mobility, state=states[code])
    approved(cycle, mobility)

    context = build_context(cycle=cycle)
    whole = " ".join(pdf(cycle))

    page = context.domains[0].projects[0]
    assert (page.member_states, page.third_states) == (4, ["United Kingdom", "United States"])
    assert f"{page.domain} (unconfirmed)" in whole
    assert "Spain (unconfirmed)" in whole
    assert [t["code"] for t in context.third_states] == ["UK", "US"]
    assert "UK" not in context.participation_states
    assert "US" not in context.participation_states
    assert "Participating Member States Third states (not counted among them) Domain" in whole
    assert f"4 United Kingdom, United States {page.domain}" in whole
    assert "United Kingdom (UK) MM United States (US) MM" in whole


def test_member_states_in_protocol_order_with_the_eu_codes(states):
    cycle = factories.ReviewCycleFactory(year=2026)

    context = build_context(cycle=cycle)

    assert context.participation_states == ["BE", "DE", "EL", "ES", "FR"]


def test_a_membership_not_recorded_says_so_in_the_matrix_and_the_rows_are_labelled_by_acronym(
    states,
):
    cycle = factories.ReviewCycleFactory(year=2026)
    factories.ProjectFactory(
        name="Zulu Project", acronym="ZULU", participants_coverage=ListCoverage.NOT_RECORDED
    )
    alpha = factories.ProjectFactory(name="Alpha Network", acronym="ALPHA")
    factories.ParticipationFactory(
        project=alpha, state=states["FR"], role=ParticipationRole.COORDINATOR, verified=False
    )

    rows = build_context(cycle=cycle).participation_matrix

    assert [(r["acronym"], r["label"], r["recorded"], r["note"]) for r in rows] == [
        ("ALPHA", "Alpha Network (ALPHA)", True, ""),
        ("ZULU", "Zulu Project (ZULU)", False, "membership not recorded"),
    ]
    assert rows[0]["cells"] == ["", "", "", "", "C?"]


def test_eu_conventions_dates_titles_and_reviewers_named_by_body(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    report = approved(cycle, factories.ProjectFactory(name="Air Power", acronym="Air Power"))
    factories.MilestoneUpdateFactory(
        report=report,
        milestone=factories.MilestoneFactory(
            project=report.project, baseline_due=date(2027, 3, 1), current_due=date(2027, 3, 1)
        ),
        forecast_date=date(2027, 5, 2),
        narrative="Parts arrive late.",
    )

    by_body = " ".join(pdf(cycle))
    named = " ".join(pdf(cycle, names_reviewers=True))

    assert "Air Power (Air Power)" not in by_body
    assert "1 March 2027" in by_body
    assert "2 May 2027" in by_body
    assert re.search(r"\d{4}-\d{2}-\d{2}", by_body) is None
    assert "Named Reviewer EDA" not in by_body
    assert "approved by EDA (" in by_body
    assert "Named Reviewer EDA" in named
    milestone = by_body.index("2 May 2027")
    assert milestone < by_body.index("Parts arrive late.") < by_body.index("Summary.")


def test_figures_that_contradict_each_other_are_warnings(phases):
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    project = factories.ProjectFactory(name="Harbour Protection", acronym="HP")
    report = approved(
        cycle, project, phases[PhaseSlug.FULL_OPERATING_CAPABILITY], assessment="on_track"
    )
    factories.MilestoneUpdateFactory(
        report=report,
        milestone=factories.MilestoneFactory(
            project=project, position=4, title="Full operating capability"
        ),
        status="at_risk",
    )
    factories.MilestoneUpdateFactory(
        report=report,
        milestone=factories.MilestoneFactory(
            project=project,
            position=2,
            title="Trials",
            baseline_due=date(2026, 1, 31),
            current_due=date(2026, 1, 31),
        ),
        status="delayed",
        forecast_date=date(2026, 12, 31),
    )

    warnings = build_context(cycle=cycle).warnings

    assert warnings[1:] == [
        "Harbour Protection (HP): at full operating capability, but its milestone 4 'Full "
        "operating capability' is at risk.",
        "Harbour Protection (HP): assessed on track, but milestone 2 'Trials' is 334 days later "
        "than its baseline.",
    ]


def test_publishing_asks_first_and_says_how_many_reports_are_not_approved(client, role_users):
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    review = factories.ConsolidatedReviewFactory(
        cycle=cycle, figures={"projects_in_review": 70, "reports_approved": 53}
    )
    client.force_login(role_users["lead"])
    url = reverse("reviews:review_publish", args=[review.pk])

    page = client.get(url)
    unconfirmed = client.post(url)
    review.refresh_from_db()
    assert review.published_at is None
    confirmed = client.post(url, {"confirm": "yes"})

    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert "53 of the 70 projects under review have an approved report in it." in text
    assert "The other 17 are named in Annex B as missing or not approved." in text
    assert unconfirmed.url == url
    assert confirmed.status_code == 302
    review.refresh_from_db()
    assert review.published_at is not None


def test_the_lead_chooses_to_name_the_reviewers_when_building(client, role_users):
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.CLOSED)
    client.force_login(role_users["lead"])

    client.post(reverse("reviews:review_build", args=[2026]), {"names_reviewers": "on"})

    assert cycle.consolidated.get().names_reviewers is True


def test_the_docx_says_the_same_marks_third_states_and_comparisons_as_the_pdf(
    settings, tmp_path, states
):
    settings.MEDIA_ROOT = tmp_path
    cycle = factories.ReviewCycleFactory(year=2026, state=CycleState.OPEN)
    mobility = factories.ProjectFactory(name="Military Mobility", acronym="MM")
    for code in ("FR", "GB"):
        factories.ParticipationFactory(project=mobility, state=states[code])
    report = approved(cycle, mobility, is_demo=True)
    factories.MilestoneUpdateFactory(report=report, narrative="Parts arrive late.")

    context = build_context(cycle=cycle, version=1)
    document = Document(io.BytesIO(render_documents(context, lambda s, p: None).docx))

    header = document.sections[0].header.paragraphs[0].text
    text = " ".join(p.text for p in document.paragraphs)
    cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert header == "LIMITE · Provisional — cycle still open · Demonstration data"
    assert "Moved to a next phase: no previous cycle to compare with" in text
    assert "Demonstration report: its assessment, phase, milestone progress" in text
    assert "Participating Member States: 1" in text
    assert "Third states (not counted among them): United Kingdom" in text
    assert ": Parts arrive late." in text
    assert "United Kingdom (UK) MM" in cells
    assert "Military Mobility (MM)" in text
