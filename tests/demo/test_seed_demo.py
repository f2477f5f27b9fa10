"""seed_demo on the real data set. The data is loaded and seeded once for the module (the
`seeded` fixture) and rolled back at its end; each test runs in a savepoint inside it, so the
tests only read the seeded result, and one that writes (the second run) is undone after it."""

from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test.utils import override_settings
from django.urls import reverse

from demo.cycles import DEMO
from pesco_review.accounts.models import User
from pesco_review.outbox.models import OutboxMail
from projects.enums import ParticipationRole, ProjectRoleKind
from projects.models import Milestone, Participation, Project, ProjectRole
from reviews.enums import CycleState, ReportAction, ReportState
from reviews.models import Approval, Comment, ReportTransition, ReviewCycle, StatusReport

pytestmark = pytest.mark.django_db

PASSWORD = "another-demo-password"
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]

NAMED_ACCOUNTS = [
    "coordinator",
    "member",
    "eda-reviewer",
    "eeas-reviewer",
    "eums-reviewer",
    "secretariat",
    "leadership",
    "admin",
]
# The projects each state's demo coordinator coordinates: those the loaded data gives the state
# as (first by name) coordinator, less EMC and CIDCC, which the named `coordinator` keeps.
STATE_COORDINATORS = {
    "AT": ("Austria", ["CBRN SaaS"]),
    "BE": ("Belgium", ["MAS MCM"]),
    "BG": ("Bulgaria", ["DIVEPACK"]),
    "CY": ("Cyprus", ["JEIS", "Network of LogHubs"]),
    "CZ": ("Czechia", ["JISR EW"]),
    "DE": (
        "Germany",
        ["ATT", "EU TMCC", "EUFOR CROC", "Eurodrone", "FSRM", "GMSCE", "SATOC"],
    ),
    "EE": ("Estonia", ["CRF", "UGS", "iUGS 2"]),
    "ES": ("Spain", ["4E", "AEA", "NGSR", "ROLE 2F", "Strategic C2"]),
    "FI": ("Finland", ["ACCESS"]),
    "FR": ("France", ["CoBaS", "EDA-TA", "EOF", "ESSOR", "NGMH", "TIGER Mk III", "TWISTER"]),
    "GR": ("Greece", ["CTIRISP", "H3 Training", "SOCC for SJO", "UMS"]),
    "HU": ("Hungary", ["EUROSIM"]),
    "IT": (
        "Italy",
        [
            "AIFV/AAV/LAV",
            "CSIP",
            "DMDRCP",
            "EPC",
            "ETCCEA",
            "EU-SSA-N",
            "GlobE",
            "HARMSPRO",
            "IMLAMD",
            "RDSD",
        ],
    ),
    "LT": ("Lithuania", ["CRRT"]),
    "NL": ("Netherlands", ["MM"]),
    "PL": ("Poland", ["SMTC"]),
    "PT": ("Portugal", ["EU CAIH", "MUSAS"]),
    "RO": ("Romania", ["CBRNDTR", "EUNDC"]),
    "SE": ("Sweden", ["ROCOMIN"]),
    "SK": ("Slovakia", ["EuroArtillery"]),
}
# Projects in review whose coordinator the data set does not record: nobody submits for them.
UNCOORDINATED = [
    "AMIDA-UT",
    "Air Power",
    "C-UAS",
    "Co-basing",
    "CoHGI",
    "DoSA",
    "ECoWAR",
    "EHAAP",
    "EU BLOS",
    "EU MilPart",
    "EU TEC",
    "EURAS",
    "FMTC",
    "M-SASV",
    "MAC-EU",
    "MBT-SIMTEC",
    "SSW",
]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The real data set loaded and seed_demo run once for the module, inside a transaction
    that is rolled back at the module's end, so that the next module starts empty."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, DEMO_PASSWORD=PASSWORD, PASSWORD_HASHERS=FAST_HASHING):
            call_command("load_pesco", verbosity=0)
            call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    """Rows of every model of the project's apps (history tables included) and of auth."""
    labels = {"accounts", "projects", "reviews", "auth", "outbox"}
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def cycle_states(year_offset: int) -> dict[str, int]:
    cycle = ReviewCycle.objects.order_by("-year")[year_offset]
    return dict(Counter(cycle.reports.values_list("state", flat=True)))


def test_seed_demo_with_debug_off_refuses_before_touching_the_database(
    seeded, settings, django_assert_num_queries
):
    settings.DEBUG = False
    before = row_counts()

    with (
        django_assert_num_queries(0),
        pytest.raises(CommandError, match="refuses to run with DJANGO_DEBUG off"),
    ):
        call_command("seed_demo")

    assert row_counts() == before


def test_seed_demo_creates_exactly_the_demo_accounts_all_flagged_demo(seeded):
    users = {u.username: u for u in User.objects.select_related("member_state")}

    state_accounts = [f"coordinator-{code.lower()}" for code in STATE_COORDINATORS]
    assert sorted(users) == sorted(NAMED_ACCOUNTS + state_accounts)
    assert len(users) == 28
    assert [name for name, user in users.items() if not user.is_demo] == []
    assert [name for name, user in users.items() if not user.check_password(PASSWORD)] == []
    assert {
        name: (u.first_name, u.last_name, u.member_state.code if u.member_state else "")
        for name, u in users.items()
        if name in NAMED_ACCOUNTS
    } == {
        "coordinator": ("Anna", "Becker", "DE"),
        "member": ("Julien", "Moreau", "FR"),
        "eda-reviewer": ("Elena", "Dragan", ""),
        "eeas-reviewer": ("Pieter", "Janssens", ""),
        "eums-reviewer": ("Marco", "Rossi", ""),
        "secretariat": ("Sofia", "Lindqvist", ""),
        "leadership": ("Katarina", "Novak", ""),
        "admin": ("System", "Administrator", ""),
    }
    assert [users[f"{b}-reviewer"].secretariat_body for b in ("eda", "eeas", "eums")] == [
        "EDA",
        "EEAS",
        "EUMS",
    ]
    assert (users["secretariat"].is_secretariat_lead, users["secretariat"].is_staff) == (
        True,
        True,
    )
    assert users["leadership"].is_leadership
    assert [name for name, user in users.items() if user.is_superuser] == ["admin"]


def test_seed_demo_named_accounts_keep_their_project_roles(seeded):
    roles = ProjectRole.objects.filter(user__username__in=["coordinator", "member"])

    assert sorted(roles.values_list("user__username", "project__acronym", "role")) == [
        ("coordinator", "CIDCC", "coordinator"),
        ("coordinator", "EMC", "coordinator"),
        ("coordinator", "MM", "member"),
        ("member", "CIDCC", "member"),
        ("member", "EMC", "member"),
    ]


def test_seed_demo_state_coordinators_coordinate_their_states_projects(seeded):
    accounts = User.objects.filter(username__startswith="coordinator-").select_related(
        "member_state"
    )

    found = {
        user.member_state.code: (
            user.get_full_name(),
            sorted(user.project_roles.values_list("project__acronym", "role")),
        )
        for user in accounts
    }
    assert found == {
        code: (
            f"Demo coordinator ({name})",
            [(acronym, ProjectRoleKind.COORDINATOR) for acronym in sorted(acronyms)],
        )
        for code, (name, acronyms) in STATE_COORDINATORS.items()
    }


def test_seed_demo_every_project_with_a_recorded_coordinator_has_one_demo_coordinator(seeded):
    coordinated = Participation.objects.filter(
        role=ParticipationRole.COORDINATOR, until__isnull=True
    ).values("project_id")
    projects = Project.objects.annotate(
        demo_coordinators=Count(
            "user_roles", filter=Q(user_roles__role=ProjectRoleKind.COORDINATOR), distinct=True
        )
    )

    with_coordinator = projects.filter(pk__in=coordinated)
    assert dict(Counter(with_coordinator.values_list("demo_coordinators", flat=True))) == {1: 55}
    assert sorted(
        projects.in_review().exclude(pk__in=coordinated).values_list("acronym", "demo_coordinators")
    ) == [(acronym, 0) for acronym in sorted(UNCOORDINATED)]


def test_seed_demo_previous_cycle_closes_with_uncoordinated_reports_unsubmitted(seeded):
    previous = ReviewCycle.objects.order_by("-year")[1]

    assert previous.state == CycleState.CLOSED
    assert cycle_states(1) == {ReportState.APPROVED: 53, ReportState.DRAFT: 17}
    drafts = previous.reports.filter(state=ReportState.DRAFT)
    assert sorted(drafts.values_list("project__acronym", flat=True)) == sorted(UNCOORDINATED)
    assert drafts.filter(submitted_at__isnull=False).count() == 0
    assert ReportTransition.objects.filter(report__in=drafts).count() == 0


def test_seed_demo_current_cycle_has_reports_in_every_state(seeded):
    current = ReviewCycle.objects.order_by("-year").first()
    submitted = current.reports.filter(state=ReportState.SUBMITTED).annotate(
        bodies=Count("approvals")
    )

    assert current.state == CycleState.OPEN
    assert cycle_states(0) == {
        ReportState.DRAFT: 27,
        ReportState.SUBMITTED: 26,
        ReportState.CHANGES_REQUESTED: 9,
        ReportState.APPROVED: 8,
    }
    assert sorted(Counter(submitted.values_list("bodies", flat=True)).items()) == [
        (0, 9),
        (1, 9),
        (2, 8),
    ]
    by_acronym = {r.project.acronym: r for r in current.reports.select_related("project")}
    assert by_acronym["EMC"].state == ReportState.DRAFT
    assert by_acronym["CIDCC"].state == ReportState.CHANGES_REQUESTED
    assert list(
        by_acronym["CIDCC"]
        .transitions.filter(action=ReportAction.REQUEST_CHANGES)
        .values_list("actor__username", "body")
    ) == [("eda-reviewer", "EDA")]
    assert (
        sorted(
            r.project.acronym
            for r in by_acronym.values()
            if r.project.acronym in UNCOORDINATED and r.state != ReportState.DRAFT
        )
        == []
    )


def test_seed_demo_every_submission_is_by_a_coordinator_of_the_project(seeded):
    submissions = ReportTransition.objects.filter(
        action__in=[ReportAction.SUBMIT, ReportAction.RESUBMIT]
    ).select_related("actor", "report")
    coordinators = set(
        ProjectRole.objects.filter(role=ProjectRoleKind.COORDINATOR).values_list(
            "user_id", "project_id"
        )
    )

    assert submissions.count() == 96
    assert [t.pk for t in submissions if t.actor.username == "admin" or t.actor.is_superuser] == []
    assert [
        (t.actor.username, t.report.project_id)
        for t in submissions
        if (t.actor_id, t.report.project_id) not in coordinators or not t.actor.is_demo
    ] == []
    assert sorted(
        Counter(
            submissions.filter(actor__username="coordinator").values_list(
                "report__project__acronym", flat=True
            )
        ).items()
    ) == [("CIDCC", 2), ("EMC", 1)]
    assert (
        StatusReport.objects.filter(submitted_at__isnull=False)
        .exclude(transitions__action=ReportAction.SUBMIT)
        .count()
        == 0
    )


def test_seed_demo_reviewers_decide_only_for_their_own_body(seeded):
    decisions = ReportTransition.objects.filter(
        action__in=[ReportAction.APPROVE, ReportAction.REQUEST_CHANGES]
    )

    assert sorted(set(decisions.values_list("actor__username", "actor__secretariat_body"))) == [
        ("eda-reviewer", "EDA"),
        ("eeas-reviewer", "EEAS"),
        ("eums-reviewer", "EUMS"),
    ]
    assert Approval.objects.exclude(body=F("reviewer__secretariat_body")).count() == 0
    assert sorted(set(Approval.objects.values_list("reviewer__username", "body"))) == [
        ("eda-reviewer", "EDA"),
        ("eeas-reviewer", "EEAS"),
        ("eums-reviewer", "EUMS"),
    ]
    assert ReportTransition.objects.exclude(actor__is_demo=True).count() == 0


def test_seed_demo_everything_invented_is_marked_demo(seeded):
    filled = StatusReport.objects.exclude(summary="")

    # Last year's 53 submitted; this year the same 53, filled in or pre-filled from last year.
    assert filled.count() == 53 + 53
    for name in StatusReport.NARRATIVE_FIELDS:
        assert filled.exclude(**{f"{name}__endswith": DEMO}).count() == 0, name
    assert Milestone.objects.filter(is_demo=False).count() == 0
    assert Comment.objects.exclude(body__endswith=DEMO).count() == 0
    reasons = ReportTransition.objects.exclude(reason="")
    assert reasons.count() > 0
    assert reasons.exclude(reason__endswith=DEMO).count() == 0


def test_seed_demo_coordinator_home_shows_european_medical_command(client, seeded):
    client.post(reverse("login"), {"login": "coordinator", "password": PASSWORD})

    response = client.get(reverse("home"))

    assert "Projects you coordinate" in response.text
    assert "European Medical Command" in response.text
    assert "Cyber and Information Domain Coordination Cent" in response.text


def test_seed_demo_second_run_changes_nothing(seeded, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = PASSWORD
    before = row_counts()
    users = list(User.objects.order_by("pk").values())
    roles = list(ProjectRole.objects.order_by("pk").values())
    output = StringIO()

    call_command("seed_demo", stdout=output)

    assert row_counts() == before
    assert list(User.objects.order_by("pk").values()) == users
    assert list(ProjectRole.objects.order_by("pk").values()) == roles
    assert "demo milestones created: 0" in output.getvalue()
    assert "demo review cycles: already there" in output.getvalue()


def test_seed_demo_writes_no_mail_to_the_outbox(seeded):
    submissions = ReportTransition.objects.filter(action__in=sorted(ReportAction.SUBMISSIONS))

    assert (submissions.exists(), OutboxMail.objects.count()) == (True, 0)
