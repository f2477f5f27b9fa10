"""Writes to the project register. Every function takes the acting user (None for a command)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from pesco_review.history import attribute
from projects.enums import ListCoverage, ParticipationRole, ProjectStatus, StateKind
from projects.models import Domain, LifecyclePhase, MemberState, Participation, Project, Wave

# Names of the third states that the data set names by code only (ISO 3166-1).
THIRD_STATE_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "NO": "Norway",
    "GB": "United Kingdom",
    "CH": "Switzerland",
}

# The order pesco.europa.eu lists its domains in; a domain not listed here goes last.
DOMAIN_ORDER = (
    "Training, Facilities",
    "Land, Formations, Systems",
    "Maritime",
    "Air, Systems",
    "Cyber, C4ISR",
    "Enabling, Joint",
    "Space",
)

LOAD_REASON = "load_pesco: public data set"


@dataclass
class LoadReport:
    counts: Counter = field(default_factory=Counter)

    def add(self, kind: str, outcome: str) -> None:
        self.counts[f"{kind} {outcome}"] += 1

    def lines(self) -> list[str]:
        return [f"{key}: {value}" for key, value in sorted(self.counts.items())]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _save_changes(instance, values: dict, *, actor, reason: str) -> bool:
    """Set the values that differ, validate, save only those fields; True if any changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean(validate_constraints=False)
    attribute(instance, actor=actor, reason=reason)
    instance.save(update_fields=changed)
    return True


def _create(model, values: dict, *, actor, reason: str):
    instance = model(**values)
    instance.full_clean(validate_constraints=False)
    attribute(instance, actor=actor, reason=reason)
    instance.save()
    return instance


def _validate(data: dict, phases: dict) -> None:
    """Refuse a data set that names an unknown state or phase, with every problem named."""
    known = {entry["code"] for entry in data["member_states"]} | set(THIRD_STATE_NAMES)
    problems = []
    for entry in data["projects"]:
        phase = entry.get("phase")
        if phase and slugify(phase) not in phases:
            problems.append(f"{entry['acronym']}: unknown lifecycle phase {phase!r}")
        for key in ("coordinators", "participants", "observers", "third_state_participants"):
            for code in entry.get(key) or []:
                if code not in known:
                    problems.append(f"{entry['acronym']}: {key} names unknown state {code!r}")
        if entry.get("wave") is None:
            problems.append(f"{entry['acronym']}: no wave")
    if problems:
        raise ValidationError(problems)


def _project_values(entry: dict, *, domains: dict, waves: dict, phases: dict) -> dict:
    participants = entry.get("participants")
    if participants is None:
        coverage = ListCoverage.NOT_RECORDED
    elif entry.get("participants_complete"):
        coverage = ListCoverage.COMPLETE
    else:
        coverage = ListCoverage.PARTIAL
    return {
        "name": entry["name"],
        "name_verified": bool(entry.get("name_verified", True)),
        "domain": domains.get(entry.get("domain")),
        "domain_verified": bool(entry.get("domain_verified")),
        "wave": waves.get(entry["wave"]),
        "adopted": _date(entry.get("adopted")),
        "council_decision": entry.get("council_decision") or "",
        "status": entry.get("status") or ProjectStatus.UNKNOWN,
        "status_as_of": entry.get("status_as_of"),
        "coordinators_verified": entry.get("coordinators_verified") is not False,
        "participants_coverage": coverage,
        "participants_as_of": entry.get("participants_as_of"),
        "observers_recorded": entry.get("observers") is not None,
        "third_states_recorded": entry.get("third_state_participants") is not None,
        "source": entry.get("source") or "",
        "extra_sources": list(entry.get("extra_sources") or []),
        "notes": entry.get("notes") or "",
        # Only where a source states it; never inferred (null stays "not recorded").
        "phase": phases.get(slugify(entry.get("phase") or "")),
        "phase_as_of": entry.get("phase_as_of"),
        "phase_source": entry.get("phase_source") or "",
    }


def _roles(entry: dict) -> dict[str, tuple[str, bool]]:
    """{state code: (role, verified)} as the data-set entry gives them."""
    roles: dict[str, tuple[str, bool]] = {}
    for code in entry.get("observers") or []:
        roles[code] = (ParticipationRole.OBSERVER, True)
    for code in (entry.get("participants") or []) + (entry.get("third_state_participants") or []):
        roles[code] = (ParticipationRole.PARTICIPANT, True)
    verified = entry.get("coordinators_verified") is not False
    for code in entry.get("coordinators") or []:
        roles[code] = (ParticipationRole.COORDINATOR, verified)
    return roles


def _plain(value):
    """A field value as JSON: dates as ISO text, related rows by primary key."""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _create_from_source(model, identity: dict, values: dict, entry: dict, *, actor):
    record = {"entry": entry, "values": {n: _plain(v) for n, v in values.items()}}
    return _create(
        model, {**identity, **values, "source_record": record}, actor=actor, reason=LOAD_REASON
    )


def _sync(instance, values: dict, entry: dict, *, actor) -> bool:
    """Apply the values whose source changed since the last load (every value the first time).

    `source_record` keeps the entry and the values as last loaded, so a value the secretariat
    corrected in the admin stands until the data set itself changes that value.
    """
    loaded = {name: _plain(value) for name, value in values.items()}
    record = {"entry": entry, "values": loaded}
    previous = instance.source_record
    if previous == record:
        return False
    before = (previous or {}).get("values")
    changed = {
        name: value
        for name, value in values.items()
        if before is None or before.get(name) != loaded[name]
    }
    _save_changes(
        instance,
        {**changed, "source_record": record},
        actor=actor,
        reason=f"{LOAD_REASON}: source changed",
    )
    return True


def _upsert(
    rows: dict,
    key,
    model,
    identity: dict,
    values: dict,
    entry: dict,
    *,
    kind: str,
    actor,
    report: LoadReport,
    count_unchanged: bool = False,
):
    """Create the row for a data-set entry, or apply what changed in the source since the last
    load; count the outcome in the report."""
    if key not in rows:
        rows[key] = _create_from_source(model, identity, values, entry, actor=actor)
        report.add(kind, "created")
    elif _sync(rows[key], values, entry, actor=actor):
        report.add(kind, "updated")
    elif count_unchanged:
        report.add(kind, "unchanged")
    return rows[key]


def _load_states(data: dict, *, actor, report: LoadReport) -> dict[str, MemberState]:
    wanted = {
        entry["code"]: (
            entry,
            {
                "name": entry["name"],
                "kind": StateKind.PARTICIPATING,
                "eu_code": entry.get("eu_code") or "",
                "joined": _date(entry.get("joined")),
                "legal_basis": entry.get("legal_basis") or "",
                "note": entry.get("note") or "",
            },
        )
        for entry in data["member_states"]
    }
    third = {
        code for entry in data["projects"] for code in entry.get("third_state_participants") or []
    }
    for code in sorted(third):
        values = {"name": THIRD_STATE_NAMES[code], "kind": StateKind.THIRD_STATE}
        wanted[code] = ({"code": code, "third_state": True}, values)
    states = MemberState.objects.in_bulk(field_name="code")
    for code, (entry, values) in wanted.items():
        _upsert(
            states,
            code,
            MemberState,
            {"code": code},
            values,
            entry,
            kind="states",
            actor=actor,
            report=report,
        )
    return states


def _load_domains_and_waves(data: dict, *, actor, report: LoadReport) -> tuple[dict, dict]:
    """Domains by name (or slug, if the secretariat renamed one); waves by number."""
    domains = {}
    existing = list(Domain.objects.all())
    names = {entry["domain"] for entry in data["projects"] if entry.get("domain")}
    for name in sorted(
        names, key=lambda n: (DOMAIN_ORDER.index(n) if n in DOMAIN_ORDER else 99, n)
    ):
        slug = slugify(name)
        found = next((d for d in existing if d.name == name), None) or next(
            (d for d in existing if d.slug == slug), None
        )
        if found is None:
            position = DOMAIN_ORDER.index(name) + 1 if name in DOMAIN_ORDER else 99
            found = Domain.objects.create(name=name, slug=slug, position=position)
            report.add("domains", "created")
        domains[name] = found
    waves = {}
    described = {entry["wave"]: entry for entry in data.get("waves", []) if entry.get("wave")}
    current = Wave.objects.in_bulk(field_name="number")
    for number in sorted({entry["wave"] for entry in data["projects"]}):
        about = described.get(number, {"wave": number})
        values = {
            "adopted": _date(about.get("adopted")),
            "council_decision": about.get("decision") or "",
            "note": about.get("note") or "",
        }
        waves[number] = _upsert(
            current,
            number,
            Wave,
            {"number": number},
            values,
            about,
            kind="waves",
            actor=actor,
            report=report,
        )
    return domains, waves


def _load_participations(
    project: Project, entry: dict, previous: dict | None, states: dict, *, actor, today, report
) -> None:
    """Participations change only where the data set changed for that state. A changed role
    ends the old participation and starts a new one, so the register shows both."""
    wanted = _roles(entry)
    before = _roles(previous) if previous is not None else {}
    current = {p.state.code: p for p in project.participations.all() if p.until is None}

    def end(participation, reason: str) -> None:
        since = participation.since
        until = today if since is None or since <= today else since
        _save_changes(
            participation, {"until": until}, actor=actor, reason=f"{LOAD_REASON}: {reason}"
        )

    for code, (role, verified) in wanted.items():
        if previous is not None and before.get(code) == (role, verified):
            continue  # unchanged in the source: what the secretariat recorded since stands
        existing = current.get(code)
        if existing is not None and existing.role == role:
            if _save_changes(existing, {"verified": verified}, actor=actor, reason=LOAD_REASON):
                report.add("participations", "updated")
            continue
        if existing is not None:
            end(existing, f"role changed to {ParticipationRole(role).label.lower()}")
            report.add("participations", "ended")
        _create(
            Participation,
            {
                "project": project,
                "state": states[code],
                "role": role,
                "verified": verified,
                "from_dataset": True,
            },
            actor=actor,
            reason=LOAD_REASON,
        )
        report.add("participations", "created")
    for code in set(before) - set(wanted):
        existing = current.get(code)
        if existing is not None and existing.from_dataset:
            end(existing, "no longer listed by the source")
            report.add("participations", "ended")


@transaction.atomic
def pesco_data_load(*, data: dict, actor=None, today: date | None = None) -> LoadReport:
    """Load or update the public PESCO data set: states, domains, waves, projects, participations.

    Idempotent: loading the same data again changes nothing. A row's values and a project's
    participations change only where the data set itself changed since the last load, so what
    the secretariat completed in the admin is not overwritten by an unchanged source.
    """
    phases = LifecyclePhase.objects.in_bulk(field_name="slug")
    _validate(data, phases)
    today = today or timezone.localdate()
    report = LoadReport()
    states = _load_states(data, actor=actor, report=report)
    domains, waves = _load_domains_and_waves(data, actor=actor, report=report)
    projects = {p.acronym: p for p in Project.objects.prefetch_related("participations__state")}
    for entry in data["projects"]:
        values = _project_values(entry, domains=domains, waves=waves, phases=phases)
        acronym = entry["acronym"]
        known = projects.get(acronym)
        previous = (known.source_record or {}).get("entry") if known is not None else None
        project = _upsert(
            projects,
            acronym,
            Project,
            {"acronym": acronym, "slug": slugify(acronym)},
            values,
            entry,
            kind="projects",
            actor=actor,
            report=report,
            count_unchanged=True,
        )
        _load_participations(
            project, entry, previous, states, actor=actor, today=today, report=report
        )
    return report
