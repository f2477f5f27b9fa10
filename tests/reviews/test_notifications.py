"""Who is mailed about workflow steps, and reminders before and after deadlines. A step writes
its mail to the outbox in its own transaction; `deliver_mail` runs the outbox's periodic job."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from pesco_review.outbox.models import OutboxMail
from pesco_review.outbox.services import mail_drain
from reviews import services
from reviews.enums import CommentVisibility, CycleState, ReportState
from reviews.models import Approval, ReminderSent, ReportTransition, StatusReport
from reviews.notifications import reminders_send, transition_notify
from reviews.workflow import report_transition
from tests import factories

pytestmark = pytest.mark.django_db

PREFIX = "[PESCO review] "


@pytest.fixture
def people(role_users, other_project):
    """Every role with an address, and a coordinator of the other project."""
    for name, user in role_users.items():
        user.email = f"{name}@example.org"
        user.save()
    other = factories.ProjectRoleFactory(
        project=other_project, user__email="bravo-coordinator@example.org"
    ).user
    return {**role_users, "bravo_coordinator": other}


def link(report: StatusReport) -> str:
    return f"https://review.example.org{report.get_absolute_url()}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://review.example.org/"


# Workflow steps --------------------------------------------------------------------------------


@pytest.fixture
def report(project, people):
    """A complete draft of `project`, in an open 2026 cycle whose deadline is still ahead."""
    today = timezone.localdate()
    cycle = factories.ReviewCycleFactory(
        opens=today - timedelta(days=10),
        submission_deadline=today + timedelta(days=30),
        review_deadline=today + timedelta(days=60),
    )
    report = factories.StatusReportFactory(cycle=cycle, project=project, complete=True)
    factories.MilestoneUpdateFactory(report=report)
    return report


def take(report: StatusReport, action: str, actor, reason: str = "") -> ReportTransition:
    """Take a workflow step (its mail waits in the outbox) and return its record."""
    revision = StatusReport.objects.get(pk=report.pk).revision  # as the page would send it
    report_transition(
        report=report, action=action, actor=actor, reason=reason, expected_revision=revision
    )
    return ReportTransition.objects.filter(report=report).last()


def test_transition_notify_submit_mails_active_reviewers_of_required_bodies(
    report, people, deliver_mail
):
    report.cycle.required_bodies = ["EDA", "EEAS"]
    report.cycle.save()
    factories.UserFactory(eda=True, email="away@example.org", is_active=False)
    factories.UserFactory(eeas=True, email="")
    people["coordinator"].first_name, people["coordinator"].last_name = "Ana", "Silva"
    people["coordinator"].save()
    take(report, "submit", people["coordinator"])

    mailoutbox = deliver_mail()

    assert [(m.subject, m.to, m.body) for m in mailoutbox] == [
        (
            f"{PREFIX}ALPHA 2026 report submitted (revision 1)",
            ["eda@example.org", "eeas@example.org"],
            f"Ana Silva submitted the 2026 status report of Alpha Project (ALPHA).\n\n"
            f"{link(report)}\n",
        )
    ]


def test_transition_notify_every_step_mails_the_right_people_and_no_internal_comment(
    report, people, deliver_mail
):
    reviewers = ["eda@example.org", "eeas@example.org", "eums@example.org"]
    coordinators = ["coordinator@example.org"]
    steps = [take(report, "submit", people["coordinator"])]
    services.comment_add(
        actor=people["eda"],
        report=StatusReport.objects.get(pk=report.pk),
        body="INTERNAL: the coordinator is bluffing.",
        visibility=CommentVisibility.INTERNAL,
    )
    steps.append(take(report, "request_changes", people["eda"], "Add the risks."))
    steps.append(take(report, "resubmit", people["coordinator"]))
    steps += [take(report, "approve", people[body]) for body in ("eda", "eeas", "eums")]
    steps.append(take(report, "reopen", people["lead"], "A figure was wrong."))

    mailoutbox = deliver_mail()

    assert [step.action for step in steps] == [
        "submit",
        "request_changes",
        "resubmit",
        "approve",
        "approve",
        "approve",
        "reopen",
    ]  # one body's approval mails nobody: only the last one, which approves the report
    assert [(m.subject.removeprefix(PREFIX), m.to) for m in mailoutbox] == [
        ("ALPHA 2026 report submitted (revision 1)", reviewers),
        ("ALPHA 2026 report: changes requested", coordinators),
        ("ALPHA 2026 report resubmitted (revision 2)", reviewers),
        ("ALPHA 2026 report approved", coordinators),
        ("ALPHA 2026 report reopened", coordinators),
    ]
    assert [m for m in mailoutbox if "bluffing" in m.subject + m.body] == []


def test_transition_notify_request_changes_gives_body_and_reason(report, people, deliver_mail):
    reviewer = people["eda"]
    reviewer.first_name, reviewer.last_name = "Eva", "Diaz"
    reviewer.save()
    take(report, "submit", people["coordinator"])
    take(report, "request_changes", reviewer, "Add the risks.")

    mailoutbox = deliver_mail()

    assert [m.body for m in mailoutbox[1:]] == [
        "Eva Diaz (EDA) requested changes to the 2026 status report of Alpha Project (ALPHA):"
        f"\n\nAdd the risks.\n\n{link(report)}\n"
    ]


def test_transition_notify_reopen_mails_active_coordinators_the_reason(
    report, people, deliver_mail
):
    report.cycle.required_bodies = ["EDA"]
    report.cycle.save()
    lead = people["lead"]
    lead.first_name, lead.last_name = "Lea", "Dupont"
    lead.save()
    factories.ProjectRoleFactory(
        project=report.project, user__email="gone@example.org", user__is_active=False
    )
    factories.ProjectRoleFactory(project=report.project, user__email="")
    take(report, "submit", people["coordinator"])
    take(report, "approve", people["eda"])
    take(report, "reopen", lead, "A figure was wrong.")

    mailoutbox = deliver_mail()

    assert [(m.to, m.body) for m in mailoutbox[2:]] == [
        (
            ["coordinator@example.org"],
            "Lea Dupont reopened the approved 2026 status report of Alpha Project (ALPHA):\n\n"
            f"A figure was wrong.\n\n{link(report)}\n",
        )
    ]


def test_transition_notify_late_names_the_revision_of_its_step(report, people, deliver_mail):
    first = take(report, "submit", people["coordinator"])
    take(report, "request_changes", people["eda"], "Add the risks.")
    take(report, "resubmit", people["coordinator"])
    OutboxMail.objects.all().delete()

    written = transition_notify(first)  # the first step's mail, written after the resubmission

    mailoutbox = deliver_mail()
    assert written == 1
    assert [m.subject for m in mailoutbox] == [f"{PREFIX}ALPHA 2026 report submitted (revision 1)"]


# Reminders to coordinators ---------------------------------------------------------------------
# The default 2026 cycle: deadline 31 December 2026, reminders 14 and 3 days before, 1 and 7 after.


@pytest.fixture
def draft(project, people):
    return factories.StatusReportFactory(project=project)


def test_reminders_send_coordinator_gets_most_recent_due_rule_only(draft, people, deliver_mail):
    sent = reminders_send(today=date(2026, 12, 29))  # 14 and 3 days before have both passed

    assert sent == 1
    mailoutbox = deliver_mail()
    assert [(m.subject, m.to, m.body) for m in mailoutbox] == [
        (
            f"{PREFIX}ALPHA 2026 report due in 2 days",
            ["coordinator@example.org"],
            "The 2026 status report of Alpha Project is draft. Its deadline, 31 December 2026, "
            f"is in 2 days.\n\n{link(draft)}\n",
        )
    ]
    assert list(ReminderSent.objects.values_list("report", "rule", "recipient")) == [
        (draft.pk, "before-3", people["coordinator"].pk)
    ]


def test_reminders_send_twice_on_one_day_sends_nothing_the_second_time(draft, deliver_mail):
    first = reminders_send(today=date(2026, 12, 29))

    second = reminders_send(today=date(2026, 12, 29))

    mailoutbox = deliver_mail()
    assert (first, second, len(mailoutbox)) == (1, 0, 1)


def test_reminders_send_day_by_day_sends_each_rule_once(draft, deliver_mail):
    days = [
        date(2026, 12, 10),
        date(2026, 12, 17),
        date(2026, 12, 20),
        date(2026, 12, 28),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 5),
        date(2027, 1, 7),
        date(2027, 1, 30),
    ]

    sent = [reminders_send(today=day) for day in days]

    assert sent == [0, 1, 0, 1, 0, 1, 0, 1, 0]
    mailoutbox = deliver_mail()
    assert [m.subject.removeprefix(PREFIX) for m in mailoutbox] == [
        "ALPHA 2026 report due in 14 days",
        "ALPHA 2026 report due in 3 days",
        "ALPHA 2026 report due 1 day ago",
        "ALPHA 2026 report due 7 days ago",
    ]
    assert list(ReminderSent.objects.order_by("pk").values_list("rule", flat=True)) == [
        "before-14",
        "before-3",
        "after-1",
        "after-7",
    ]


def test_reminders_send_after_deadline_never_sends_a_before_rule(draft, deliver_mail):
    draft.cycle.reminder_days_after = [7]
    draft.cycle.save()

    sent = reminders_send(today=date(2027, 1, 2))  # before-3 is the latest rule passed

    mailoutbox = deliver_mail()
    assert (sent, mailoutbox, ReminderSent.objects.count()) == (0, [], 0)


def test_reminders_send_counts_from_the_extended_deadline(draft, deliver_mail):
    draft.extended_deadline = date(2027, 1, 20)
    draft.save()

    sent = [reminders_send(today=day) for day in (date(2027, 1, 1), date(2027, 1, 17))]

    assert sent == [0, 1]
    mailoutbox = deliver_mail()
    assert [m.subject.removeprefix(PREFIX) for m in mailoutbox] == [
        "ALPHA 2026 report due in 3 days"
    ]


@pytest.mark.parametrize(
    ("state", "cycle_state", "expected"),
    [
        (ReportState.DRAFT, CycleState.OPEN, ["coordinator@example.org"]),
        (ReportState.CHANGES_REQUESTED, CycleState.OPEN, ["coordinator@example.org"]),
        (ReportState.SUBMITTED, CycleState.OPEN, []),
        (ReportState.APPROVED, CycleState.OPEN, []),
        (ReportState.DRAFT, CycleState.CLOSED, []),
    ],
)
def test_reminders_send_coordinators_only_of_unsubmitted_reports_in_open_cycles(
    draft, deliver_mail, state, cycle_state, expected
):
    draft.state = state
    if state != ReportState.DRAFT:
        draft.submitted_at = timezone.make_aware(datetime(2026, 12, 28, 9))
    draft.save()
    draft.cycle.state = cycle_state
    draft.cycle.save()

    reminders_send(today=date(2026, 12, 29))

    mailoutbox = deliver_mail()
    assert [address for m in mailoutbox for address in m.to] == expected


# Reminders to reviewers ------------------------------------------------------------------------
# The default 2026 cycle reminds reviewers of a report submitted 7 days ago.


@pytest.fixture
def submitted(project, people):
    return factories.StatusReportFactory(
        project=project,
        complete=True,
        state=ReportState.SUBMITTED,
        submitted_at=timezone.make_aware(datetime(2026, 6, 1, 10)),
    )


def test_reminders_send_reviewers_whose_body_has_not_approved(submitted, people, deliver_mail):
    Approval.objects.create(report=submitted, revision=1, body="EDA", reviewer=people["eda"])
    factories.UserFactory(eeas=True, email="away@example.org", is_active=False)

    sent = reminders_send(today=date(2026, 6, 8))

    assert sent == 2
    mailoutbox = deliver_mail()
    assert [(m.subject.removeprefix(PREFIX), m.to) for m in mailoutbox] == [
        ("ALPHA 2026 report awaits the EEAS", ["eeas@example.org"]),
        ("ALPHA 2026 report awaits the EUMS", ["eums@example.org"]),
    ]
    assert mailoutbox[0].body == (
        "Revision 1 of the 2026 status report of Alpha Project was submitted 7 days ago and the "
        f"EEAS has not decided on it.\n\n{link(submitted)}\n"
    )


def test_reminders_send_reviewers_not_before_the_waiting_days(submitted, deliver_mail):
    sent = reminders_send(today=date(2026, 6, 7))

    mailoutbox = deliver_mail()
    assert (sent, mailoutbox) == (0, [])


def test_reminders_send_reviewers_once_per_body_and_revision(submitted, people, deliver_mail):
    Approval.objects.create(report=submitted, revision=1, body="EDA", reviewer=people["eda"])
    sent = [reminders_send(today=date(2026, 6, 8)), reminders_send(today=date(2026, 6, 9))]
    submitted.revision = 2  # resubmitted: the EDA approved revision 1 only
    submitted.submitted_at = timezone.make_aware(datetime(2026, 6, 10, 10))
    submitted.save()

    sent += [reminders_send(today=date(2026, 6, 17)), reminders_send(today=date(2026, 6, 18))]

    assert sent == [2, 0, 3, 0]
    assert sorted(ReminderSent.objects.values_list("rule", flat=True)) == [
        "review-EDA-r2",
        "review-EEAS-r1",
        "review-EEAS-r2",
        "review-EUMS-r1",
        "review-EUMS-r2",
    ]


def test_reminders_send_mail_server_down_keeps_the_reminder_for_the_retry(draft, settings):
    reminders_send(today=date(2026, 12, 29))
    # A real SMTP connection to a port where nothing listens.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }

    assert mail_drain() == 0

    [mail] = OutboxMail.objects.all()
    assert (mail.state, mail.attempts, mail.last_error.split(":")[0]) == (
        "pending",
        1,
        "ConnectionRefusedError",
    )
    assert ReminderSent.objects.count() == 1  # recorded with its message: never written twice
    assert reminders_send(today=date(2026, 12, 29)) == 0


def test_reminders_send_reviewers_still_reminded_after_the_cycle_closes(
    submitted, people, deliver_mail
):
    submitted.cycle.state = CycleState.CLOSED
    submitted.cycle.save()
    draft = factories.StatusReportFactory(cycle=submitted.cycle)  # its coordinator: not reminded

    sent = reminders_send(today=date(2026, 6, 8))

    assert sent == 3
    mailoutbox = deliver_mail()
    assert sorted(m.to[0] for m in mailoutbox) == [
        "eda@example.org",
        "eeas@example.org",
        "eums@example.org",
    ]
    assert not ReminderSent.objects.filter(report=draft).exists()
