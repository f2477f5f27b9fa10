import copy
import json
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from projects.enums import ListCoverage, ParticipationRole, ProjectStatus, StateKind
from projects.models import Domain, LifecyclePhase, MemberState, Participation, Project, Wave
from projects.services import pesco_data_load

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def dataset() -> dict:
    return json.loads(settings.PESCO_DATA_FILE.read_text(encoding="utf-8"))


def current(project: Project) -> dict[str, str]:
    return {
        p.state.code: p.role
        for p in project.participations.select_related("state").filter(until__isnull=True)
    }


def test_pesco_data_load_real_data_set_loads_every_state_and_project(dataset):
    pesco_data_load(data=dataset)

    assert MemberState.objects.filter(kind=StateKind.PARTICIPATING).count() == 26
    assert sorted(
        MemberState.objects.filter(kind=StateKind.THIRD_STATE).values_list("code", flat=True)
    ) == ["CA", "CH", "GB", "NO", "US"]
    assert Project.objects.count() == 72
    assert sorted(set(Project.objects.values_list("wave__number", flat=True))) == [1, 2, 3, 4, 5]
    with_coordinator = Project.objects.filter(
        participations__role=ParticipationRole.COORDINATOR
    ).distinct()
    assert with_coordinator.count() == 55
    assert Project.objects.filter(participants_coverage=ListCoverage.COMPLETE).count() == 31
    assert Project.objects.filter(participants_coverage=ListCoverage.PARTIAL).count() == 12
    assert Project.objects.filter(participants_coverage=ListCoverage.NOT_RECORDED).count() == 29
    assert Project.objects.filter(observers_recorded=True).count() == 13
    assert Project.objects.filter(status=ProjectStatus.CLOSED).count() == 2
    assert Project.objects.in_review().count() == 70


def test_pesco_data_load_real_data_set_keeps_each_projects_members(dataset):
    pesco_data_load(data=dataset)

    emc = Project.objects.get(acronym="EMC")
    assert current(emc) == {
        "DE": "coordinator",
        **dict.fromkeys(
            ["BE", "FR", "IT", "NL", "PL", "RO", "SE", "SK", "ES", "CZ"], "participant"
        ),
    }
    assert emc.domain.name == "Enabling, Joint"
    assert emc.wave.number == 1
    assert emc.adopted == date(2018, 3, 6)
    mm = Project.objects.get(acronym="MM")
    assert {c: r for c, r in current(mm).items() if c in {"US", "CA", "NO", "GB", "IE", "NL"}} == {
        "NL": "coordinator",
        "IE": "observer",
        "US": "participant",
        "CA": "participant",
        "NO": "participant",
        "GB": "participant",
    }


def test_pesco_data_load_unknown_values_stay_not_recorded(dataset):
    pesco_data_load(data=dataset)

    # A coordinator known, participants not recorded: only the coordinator row exists.
    tmcc = Project.objects.get(acronym="EU TMCC")
    assert current(tmcc) == {"DE": "coordinator"}
    assert tmcc.participants_coverage == ListCoverage.NOT_RECORDED
    assert tmcc.observers_recorded is False
    # No coordinator in any source: none is invented.
    blos = Project.objects.get(acronym="EU BLOS")
    assert [p for p in current(blos).values() if p == "coordinator"] == []
    # Domain not in the data set: NULL, not a guess.
    assert Project.objects.filter(domain__isnull=True).count() == 3
    # Inferred coordinator: stored, marked as unconfirmed.
    aifv = Project.objects.get(acronym="AIFV/AAV/LAV")
    assert aifv.coordinators_verified is False
    assert aifv.participations.get(role=ParticipationRole.COORDINATOR).verified is False
    assert Project.objects.get(acronym="EMC").status_as_of == "2022-07"
    assert Project.objects.get(acronym="ESSOR").status == ProjectStatus.UNKNOWN


def test_pesco_data_load_twice_changes_nothing(dataset):
    pesco_data_load(data=dataset)
    counts = (
        Project.history.count(),
        Participation.history.count(),
        MemberState.history.count(),
        Participation.objects.count(),
    )

    report = pesco_data_load(data=dataset)

    assert report.lines() == ["projects unchanged: 72"]
    assert (
        Project.history.count(),
        Participation.history.count(),
        MemberState.history.count(),
        Participation.objects.count(),
    ) == counts


def test_pesco_data_load_source_change_updates_rows_and_history(dataset):
    pesco_data_load(data=dataset)
    changed = copy.deepcopy(dataset)
    crrt = next(p for p in changed["projects"] if p["acronym"] == "CRRT")
    crrt["name"] = "Cyber Rapid Response Teams and Mutual Assistance in Cyber Security (renamed)"
    crrt["participants"] = [c for c in crrt["participants"] if c != "RO"] + ["AT"]
    crrt["status"] = "completed"

    report = pesco_data_load(data=changed, today=date(2026, 11, 1))

    project = Project.objects.get(acronym="CRRT")
    assert project.name.endswith("(renamed)")
    assert project.status == ProjectStatus.COMPLETED
    assert current(project)["AT"] == "participant"
    assert "RO" not in current(project)
    ended = project.participations.get(state__code="RO")
    assert ended.until == date(2026, 11, 1)
    latest = project.history.first()
    assert latest.history_change_reason == "load_pesco: public data set: source changed"
    assert latest.prev_record.name != latest.name
    assert Participation.history.filter(project_id=project.pk, state__code="RO").first().until == (
        date(2026, 11, 1)
    )
    assert report.counts["projects updated"] == 1
    assert report.counts["participations created"] == 1
    assert report.counts["participations ended"] == 1


def test_pesco_data_load_unchanged_source_keeps_secretariat_edits(dataset):
    pesco_data_load(data=dataset)
    emc = Project.objects.get(acronym="EMC")
    emc.expected_foc = date(2022, 5, 30)
    emc.notes = "Completed by the secretariat."
    emc.save()
    emc.participations.filter(state__code="SK").update(until=date(2025, 1, 1))

    pesco_data_load(data=dataset)

    emc.refresh_from_db()
    assert emc.notes == "Completed by the secretariat."
    assert emc.expected_foc == date(2022, 5, 30)
    assert "SK" not in current(emc)


def test_pesco_data_load_unknown_state_is_refused_by_name(dataset):
    broken = copy.deepcopy(dataset)
    broken["projects"][0]["participants"].append("XX")

    with pytest.raises(ValidationError) as error:
        pesco_data_load(data=broken)

    assert error.value.messages == ["EMC: participants names unknown state 'XX'"]
    assert Project.objects.count() == 0


def test_load_pesco_command_prints_what_it_did(capsys):
    call_command("load_pesco")

    output = capsys.readouterr().out
    assert "projects created: 72" in output
    assert "states created: 31" in output


def test_pesco_data_load_keeps_admin_edits_of_states_waves_and_domains(dataset):
    pesco_data_load(data=dataset)
    denmark = MemberState.objects.get(code="DK")
    denmark.note = "Joined after the 2022 referendum."
    denmark.save()
    Wave.objects.filter(number=1).update(note="Corrected by the secretariat.")
    Domain.objects.filter(name="Maritime").update(name="Maritime domain")

    report = pesco_data_load(data=dataset)

    assert MemberState.objects.get(code="DK").note == "Joined after the 2022 referendum."
    assert Wave.objects.get(number=1).note == "Corrected by the secretariat."
    assert Domain.objects.filter(name__startswith="Maritime").count() == 1
    assert report.lines() == ["projects unchanged: 72"]


def test_pesco_data_load_state_changed_in_source_is_updated_with_history(dataset):
    pesco_data_load(data=dataset)
    changed = copy.deepcopy(dataset)
    next(s for s in changed["member_states"] if s["code"] == "DK")["note"] = "New source note."

    pesco_data_load(data=changed)

    denmark = MemberState.objects.get(code="DK")
    assert denmark.note == "New source note."
    assert denmark.history.first().history_change_reason == (
        "load_pesco: public data set: source changed"
    )


def test_pesco_data_load_role_change_ends_old_participation_and_starts_new(dataset):
    pesco_data_load(data=dataset)
    changed = copy.deepcopy(dataset)
    cidcc = next(p for p in changed["projects"] if p["acronym"] == "CIDCC")
    cidcc["observers"].remove("BE")
    cidcc["participants"].append("BE")

    pesco_data_load(data=changed, today=date(2026, 6, 1))

    rows = list(
        Project.objects.get(acronym="CIDCC")
        .participations.filter(state__code="BE")
        .order_by("pk")
        .values_list("role", "until")
    )
    assert rows == [("observer", date(2026, 6, 1)), ("participant", None)]


def test_pesco_data_load_takes_the_phase_a_source_states_and_invents_none(dataset):
    pesco_data_load(data=dataset)

    phased = {
        p.acronym: (p.phase.slug, p.phase_as_of, bool(p.phase_source))
        for p in Project.objects.filter(phase__isnull=False).select_related("phase")
    }
    assert phased == {
        "EMC": ("full-operating-capability", "2022-05-30", True),
        "CRRT": ("full-operating-capability", "2021-05", True),
    }
    assert Project.objects.filter(phase__isnull=True).count() == 70


def test_pesco_data_load_keeps_a_phase_the_register_moved_while_the_source_is_unchanged(
    dataset,
):
    pesco_data_load(data=dataset)
    execution = LifecyclePhase.objects.get(slug="execution")
    Project.objects.filter(acronym="SATOC").update(phase=execution)

    report = pesco_data_load(data=dataset)

    assert Project.objects.get(acronym="SATOC").phase == execution
    assert "projects updated" not in " ".join(report.lines())


def test_pesco_data_load_an_unknown_phase_is_refused_by_name(dataset):
    changed = copy.deepcopy(dataset)
    changed["projects"][0]["phase"] = "hibernation"

    with pytest.raises(ValidationError, match="unknown lifecycle phase 'hibernation'"):
        pesco_data_load(data=changed)
