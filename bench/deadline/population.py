"""The people and reports of the deadline-day bench, in the bench's own database, on top of the
real data set and the demo (load_pesco, seed_demo): twice the people expected on the last day
before the deadline, each coordinator with a report of their own to fill in and submit.

Made through the application's services where it has them (opening the cycle again for the
projects added, moving the submission deadline); accounts and project roles are validated and
saved with their history, as seed_demo does. Every account is flagged `is_demo`, has no usable
password, and reviewers, leads and leadership hold a real authenticator app (allauth's TOTP),
so the second-factor check that every page makes is the real one.

Signing in is not what the bench measures: each person's session is made here, by Django's own
`login()` (the test client's force_login), which runs the application's sign-in receivers (the
session's clocks, whether the person holds a second factor). See bench/deadline_day.py.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone

from bench.common.synthetic import bench_project
from demo.milestones import demo_milestones_seed
from pesco_review.accounts.enums import SecretariatBody
from pesco_review.accounts.models import User
from pesco_review.accounts.services import secretariat_group
from pesco_review.history import attribute
from projects.enums import ProjectRoleKind, StateKind
from projects.models import MemberState, Project, ProjectRole
from reviews import services
from reviews.enums import ReportState
from reviews.models import ReportTransition, ReviewCycle, StatusReport

# People at work on the last day before the deadline (issue 10); the bench runs `factor` times as
# many.
EXPECTED = {"coordinator": 72, "reviewer": 9, "lead": 2, "leadership": 10}
REASON = "deadline-day bench"


@dataclass(frozen=True)
class Person:
    role: str
    username: str
    session: str  # the session cookie's value
    report: int | None = None  # a coordinator's report
    body: str = ""  # a reviewer's body
    sent_back: bool = False  # a coordinator's report waits for a resubmission


def _account(username: str, last_name: str, **flags) -> User:
    user = User(
        username=username,
        first_name="Bench",
        last_name=last_name,
        email=f"{username}@bench.pesco-review.invalid",
        is_demo=True,
        **flags,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    attribute(user, actor=None, reason=REASON)
    user.save()
    return user


def _bench_projects(count: int) -> list[Project]:
    """Projects named as bench data, spread over the real domains and waves."""
    return [
        bench_project(
            n, name=f"Deadline-day bench project {n}", acronym=f"DDB-{n}", slug=f"ddb-{n}"
        )
        for n in range(1, count + 1)
    ]


def _reports_to_file(cycle: ReviewCycle, lead: User, count: int) -> list[StatusReport]:
    """`count` reports waiting for their coordinator (drafts, or sent back): the demo's, and
    drafts of bench projects, opened as the lead opens a cycle again for new projects."""
    editable = list(
        cycle.reports.filter(state__in=ReportState.EDITABLE).order_by("-state", "project__name")
    )
    missing = count - len(editable)
    if missing > 0:
        projects = _bench_projects(missing)
        demo_milestones_seed(actor=lead)
        services.cycle_open(actor=lead, cycle=cycle)
        # Invented content: approving these reports changes no real project.
        cycle.reports.filter(project__in=projects).update(is_demo=True)
        editable += list(cycle.reports.filter(project__in=projects).order_by("project__name"))
    return editable[:count]


def _coordinators(reports: list[StatusReport]) -> list[tuple[User, StatusReport]]:
    states = list(MemberState.objects.filter(kind=StateKind.PARTICIPATING).order_by("code"))
    people = []
    for n, report in enumerate(reports, start=1):
        state = states[n % len(states)]
        user = _account(f"bench-coordinator-{n:03d}", f"coordinator {n} ({state.name})",
                        member_state=state)  # fmt: skip
        role = ProjectRole(user=user, project=report.project, role=ProjectRoleKind.COORDINATOR)
        role.full_clean()
        attribute(role, actor=None, reason=REASON)
        role.save()
        people.append((user, report))
    return people


def _secretariat_and_leadership(counts: dict[str, int]) -> list[tuple[str, User]]:
    """Reviewers spread over the three bodies, leads, leadership: each with an authenticator."""
    bodies = list(SecretariatBody)
    people = [
        (
            "reviewer",
            _account(
                f"bench-{body.lower()}-{n:02d}", f"{body} reviewer {n}", secretariat_body=body
            ),
        )  # fmt: skip
        for i in range(counts["reviewer"])
        for n, body in [(i // len(bodies) + 1, bodies[i % len(bodies)])]
    ]
    group = secretariat_group()
    for n in range(1, counts["lead"] + 1):
        lead = _account(f"bench-lead-{n}", f"lead {n}", is_secretariat_lead=True, is_staff=True)
        lead.groups.add(group)
        people.append(("lead", lead))
    people += [
        ("leadership", _account(f"bench-leadership-{n:02d}", f"leadership {n}", is_leadership=True))
        for n in range(1, counts["leadership"] + 1)
    ]
    for _, user in people:
        TOTP.activate(user, generate_totp_secret())
    return people


def _session(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@transaction.atomic
def _populate(factor: int) -> tuple[ReviewCycle, list[tuple[str, User, StatusReport | None]]]:
    counts = {role: n * factor for role, n in EXPECTED.items()}
    lead = User.objects.get(username="secretariat", is_secretariat_lead=True)  # the demo's lead
    cycle = ReviewCycle.objects.get(state="open")
    # The last day before the deadline: submissions close at the end of tomorrow.
    services.cycle_update(actor=lead, cycle=cycle, submission_deadline=today() + timedelta(days=1))
    reports = _reports_to_file(cycle, lead, counts["coordinator"])
    people = [("coordinator", user, report) for user, report in _coordinators(reports)]
    people += [(role, user, None) for role, user in _secretariat_and_leadership(counts)]
    return cycle, people


def prepare(*, factor: int) -> tuple[int, list[Person]]:
    """Add the bench's people and reports; returns the open cycle's year and every person with
    a signed-in session."""
    cycle, people = _populate(factor)
    persons = [
        Person(
            role=role,
            username=user.username,
            session=_session(user),
            report=report.pk if report else None,
            body=user.secretariat_body,
            sent_back=bool(report and report.state == ReportState.CHANGES_REQUESTED),
        )
        for role, user, report in people
    ]
    return cycle.year, persons


def today() -> date:
    """Today in Brussels, as the application counts deadlines."""
    return timezone.localdate()


def as_json(persons: list[Person]) -> list[dict]:
    return [asdict(person) for person in persons]


def reports_by_state(year: int) -> dict[str, int]:
    reports = StatusReport.objects.filter(cycle__year=year)
    return {state.label: reports.filter(state=state).count() for state in ReportState}


def submissions_lost(successes: list[dict]) -> list[str]:
    """Every submission the bench was told succeeded, checked in the database: the report is
    not a draft and has a (re)submission by that person for each success. Returns what is
    missing, in words (nothing when none was lost)."""
    lost = []
    wanted: dict[tuple[int, str], int] = {}
    for success in successes:
        key = (success["report"], success["user"])
        wanted[key] = wanted.get(key, 0) + 1
    for (report_id, username), count in sorted(wanted.items()):
        report = StatusReport.objects.get(pk=report_id)
        recorded = ReportTransition.objects.filter(
            report_id=report_id, actor__username=username, action__in=["submit", "resubmit"]
        ).count()
        if recorded < count or report.state == ReportState.DRAFT:
            lost.append(
                f"report {report_id} ({report.project.acronym}) by {username}: {count} "
                f"submission(s) answered as done, {recorded} recorded, state {report.state}"
            )
    return lost
