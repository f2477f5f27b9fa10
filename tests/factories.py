"""One factory per model. States and roles as traits; no hidden side effects."""

import hashlib
from datetime import date, timedelta

import factory
from django.utils import timezone

from pesco_review.accounts.enums import SecretariatBody
from pesco_review.accounts.models import User
from projects.enums import (
    ListCoverage,
    ParticipationRole,
    ProjectRoleKind,
    ProjectStatus,
    StateKind,
)
from projects.models import (
    Domain,
    LifecyclePhase,
    MemberState,
    Milestone,
    Participation,
    Project,
    ProjectRole,
    Wave,
)
from reviews.enums import (
    Assessment,
    BuildState,
    CycleState,
    EvidenceKind,
    MilestoneStatus,
    ReportState,
)
from reviews.models import (
    Attachment,
    ConsolidatedReview,
    MilestoneUpdate,
    ReviewCycle,
    SecretariatAssessment,
    StatusReport,
)

# Fixture states with fixture codes: tests never depend on the real data set's rows.
_CODES = [a + b for a in "QWXZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]


class MemberStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberState
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: _CODES[n % len(_CODES)])
    name = factory.LazyAttribute(lambda o: f"State {o.code}")
    kind = StateKind.PARTICIPATING
    joined = date(2017, 12, 11)

    class Params:
        third_state = factory.Trait(kind=StateKind.THIRD_STATE, joined=None)


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Domain {n}")
    slug = factory.Sequence(lambda n: f"domain-{n}")


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wave
        django_get_or_create = ("number",)

    number = 1
    adopted = date(2018, 3, 6)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Test project {n}")
    acronym = factory.Sequence(lambda n: f"TP{n}")
    slug = factory.Sequence(lambda n: f"tp{n}")
    domain = factory.SubFactory(DomainFactory)
    domain_verified = True
    wave = factory.SubFactory(WaveFactory)
    adopted = date(2018, 3, 6)
    status = ProjectStatus.ACTIVE
    participants_coverage = ListCoverage.COMPLETE
    source = "https://example.org/source"

    class Params:
        closed = factory.Trait(status=ProjectStatus.CLOSED)
        unknown_status = factory.Trait(status=ProjectStatus.UNKNOWN)


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    project = factory.SubFactory(ProjectFactory)
    state = factory.SubFactory(MemberStateFactory)
    role = ParticipationRole.PARTICIPANT

    class Params:
        coordinator = factory.Trait(role=ParticipationRole.COORDINATOR)
        observer = factory.Trait(role=ParticipationRole.OBSERVER)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    baseline_due = date(2026, 6, 30)
    current_due = date(2026, 6, 30)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    class Params:
        eda = factory.Trait(secretariat_body=SecretariatBody.EDA)
        eeas = factory.Trait(secretariat_body=SecretariatBody.EEAS)
        eums = factory.Trait(secretariat_body=SecretariatBody.EUMS)
        lead = factory.Trait(is_secretariat_lead=True, is_staff=True)
        leadership = factory.Trait(is_leadership=True)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


class ProjectRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectRole

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role = ProjectRoleKind.COORDINATOR

    class Params:
        member = factory.Trait(role=ProjectRoleKind.MEMBER)


class LifecyclePhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifecyclePhase
        django_get_or_create = ("slug",)

    slug = "execution"
    name = "Execution"
    position = 3


# Reviews ---------------------------------------------------------------------------------------


class ReviewCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCycle
        django_get_or_create = ("year",)

    year = 2026
    opens = factory.LazyAttribute(lambda o: date(o.year, 1, 15))
    submission_deadline = factory.LazyAttribute(lambda o: date(o.year, 12, 31))
    review_deadline = factory.LazyAttribute(lambda o: date(o.year + 1, 1, 31))
    state = CycleState.OPEN
    handling_marking = "LIMITE"

    class Params:
        planned = factory.Trait(state=CycleState.PLANNED)
        closed = factory.Trait(state=CycleState.CLOSED)


class StatusReportFactory(factory.django.DjangoModelFactory):
    """A report; `complete=True` fills every field a submission needs."""

    class Meta:
        model = StatusReport

    cycle = factory.SubFactory(ReviewCycleFactory)
    project = factory.SubFactory(ProjectFactory)
    state = ReportState.DRAFT

    class Params:
        complete = factory.Trait(
            assessment=Assessment.ON_TRACK,
            phase_reported=factory.SubFactory(LifecyclePhaseFactory),
            summary="The project progressed as planned.",
            achievements="Initial operating capability declared.",
            risks="Staffing of the headquarters; mitigated by rotation.",
            next_year_plan="Exercise in the spring; full operating capability in the autumn.",
        )


class MilestoneUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneUpdate

    report = factory.SubFactory(StatusReportFactory)
    milestone = factory.SubFactory(
        MilestoneFactory, project=factory.SelfAttribute("..report.project")
    )
    status = MilestoneStatus.ON_TRACK
    percent_complete = 50


class ConsolidatedReviewFactory(factory.django.DjangoModelFactory):
    """A version built successfully (no files), by default after its cycle closed."""

    class Meta:
        model = ConsolidatedReview

    cycle = factory.SubFactory(ReviewCycleFactory)
    version = factory.Sequence(lambda n: n + 1)
    state = BuildState.SUCCEEDED
    progress = 100
    requested_by = factory.SubFactory(UserFactory, lead=True)
    provisional = False


def enrol_totp(user) -> str:
    """Give the person an authenticator app (TOTP) as allauth does; returns its secret, from
    which `pyotp.TOTP(secret).now()` gives the current code."""
    import pyotp  # noqa: PLC0415
    from allauth.mfa.totp.internal.auth import TOTP  # noqa: PLC0415

    secret = pyotp.random_base32()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return secret


class SecretariatAssessmentFactory(factory.django.DjangoModelFactory):
    """The lead's consolidated text unless a `body` is given."""

    class Meta:
        model = SecretariatAssessment

    report = factory.SubFactory(StatusReportFactory)
    body = ""
    text = "The secretariat finds the report complete."
    updated_by = factory.SubFactory(UserFactory, lead=True)


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A PDF attached to a report before its submission (no file is written: only the row)."""

    class Meta:
        model = Attachment

    report = factory.SubFactory(StatusReportFactory)
    file = factory.LazyAttribute(lambda o: f"evidence/{o.report.cycle.year}/{o.report.pk}/x")
    name = "evidence.pdf"
    kind = EvidenceKind.PDF
    size = 2048
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.name.encode()).hexdigest())
    revision = 1
    uploaded_by = factory.SubFactory(UserFactory)
    uploaded_at = factory.LazyAttribute(
        lambda o: (o.report.submitted_at or timezone.now()) - timedelta(hours=1)
    )


def role_users(project) -> dict[str, User]:
    """One user per role; the coordinator and member belong to `project` only. Those whose role
    needs a second factor have an authenticator app (its secret in `user.totp_secret`)."""
    coordinator = ProjectRoleFactory(project=project).user
    member = ProjectRoleFactory(project=project, member=True).user
    users = {
        "coordinator": coordinator,
        "member": member,
        "eda": UserFactory(eda=True),
        "eeas": UserFactory(eeas=True),
        "eums": UserFactory(eums=True),
        "lead": UserFactory(lead=True),
        "leadership": UserFactory(leadership=True),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "staff": UserFactory(is_staff=True),
        "no_role": UserFactory(),
    }
    for name in ("eda", "eeas", "eums", "lead", "leadership", "superuser", "staff"):
        enrol_totp(users[name])
    return users
