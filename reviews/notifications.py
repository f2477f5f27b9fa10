"""Who is told what: notification mail for workflow steps, and reminders before/after deadlines.

Mail is written to the outbox (pesco_review.outbox) in the transaction of the step that causes
it, and sent after the commit. Internal comments never appear.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from pesco_review.outbox.services import mail_enqueue
from projects.enums import ProjectRoleKind
from reviews.enums import CycleState, ReminderRule, ReportAction, ReportState
from reviews.models import ReminderSent, ReportTransition, StatusReport
from reviews.selectors.content import approved_bodies

log = logging.getLogger(__name__)


def coordinators_of(project_ids) -> dict[int, list]:
    """{project id: [active coordinators with an address]}, in one query."""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            project_roles__project_id__in=list(project_ids),
            project_roles__role=ProjectRoleKind.COORDINATOR,
        )
        .exclude(email="")
        .values_list("project_roles__project_id", "pk", "email")
    )
    found: dict[int, list] = {}
    for project_id, pk, email in users:
        found.setdefault(project_id, []).append((pk, email))
    return found


def reviewers_of(bodies, *, today: date | None = None) -> dict[str, list]:
    """{body: [(user id, address)]} of active reviewers, in one query. An absent reviewer's
    mail goes to their deputy (of the same body) instead."""
    today = today or timezone.localdate()
    users = list(
        get_user_model()
        .objects.filter(is_active=True, secretariat_body__in=list(bodies))
        .select_related("deputy")
    )
    found: dict[str, list] = {}
    for user in users:
        deputy = user.deputy
        if user.is_absent(today) and deputy is not None and deputy.is_active:
            user = deputy
        if user.email and (user.pk, user.email) not in found.get(user.secretariat_body, []):
            found.setdefault(user.secretariat_body, []).append((user.pk, user.email))
    return found


def _link(report: StatusReport) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{report.get_absolute_url()}"


def _send(subject: str, body: str, addresses: list[str], *, kind: str) -> int:
    """Write one message to the outbox (sent once the step commits); 1, or 0 if nobody."""
    mail = mail_enqueue(
        subject=f"[PESCO review] {subject}", body=body, to=sorted(set(addresses)), kind=kind
    )
    return 0 if mail is None else 1


def transition_notify(transition: ReportTransition) -> int:
    """Mail the people the step concerns, in the step's own transaction; the number of messages
    written to the outbox."""
    report = transition.report
    project = report.project
    name = f"{project.name} ({project.acronym})"
    actor = str(transition.actor)
    if transition.action in ReportAction.SUBMISSIONS:
        bodies = report.cycle.required_bodies
        reviewers = reviewers_of(bodies)
        to = [email for body in bodies for _, email in reviewers.get(body, [])]
        again = "re" if transition.action == ReportAction.RESUBMIT else ""
        verb = f"{again}submitted"
        subject = (
            f"{project.acronym} {report.cycle.year} report {verb} (revision {transition.revision})"
        )
        text = (
            f"{actor} {verb} the {report.cycle.year} status report of {name}.\n\n{_link(report)}\n"
        )
        return _send(subject, text, to, kind=f"report {transition.action}")
    to = [email for _, email in coordinators_of([project.pk]).get(project.pk, [])]
    if transition.action == ReportAction.REQUEST_CHANGES:
        subject = f"{project.acronym} {report.cycle.year} report: changes requested"
        text = (
            f"{actor} ({transition.body}) requested changes to the {report.cycle.year} status "
            f"report of {name}:\n\n{transition.reason}\n\n{_link(report)}\n"
        )
    elif transition.action == ReportAction.APPROVE and transition.to_state == ReportState.APPROVED:
        subject = f"{project.acronym} {report.cycle.year} report approved"
        text = (
            f"Every required body has approved revision {transition.revision} of the "
            f"{report.cycle.year} status report of {name}.\n\n{_link(report)}\n"
        )
    elif transition.action == ReportAction.REOPEN:
        subject = f"{project.acronym} {report.cycle.year} report reopened"
        text = (
            f"{actor} reopened the approved {report.cycle.year} status report of {name}:\n\n"
            f"{transition.reason}\n\n{_link(report)}\n"
        )
    else:
        return 0  # one body's approval: the coordinator hears when the report is approved
    return _send(subject, text, to, kind=f"report {transition.action}")


def _latest_due(deadline: date, today: date, before: list[int], after: list[int]) -> str | None:
    """The most recent reminder rule whose day has come, or None."""
    due = [(deadline - timedelta(days=d), ReminderRule.BEFORE_DEADLINE, d) for d in before]
    due += [(deadline + timedelta(days=d), ReminderRule.AFTER_DEADLINE, d) for d in after]
    passed = [(day, kind, days) for day, kind, days in due if day <= today]
    if not passed:
        return None
    _, kind, days = max(passed, key=lambda item: (item[0], item[1].key(item[2])))
    if kind == ReminderRule.BEFORE_DEADLINE and today > deadline:
        return None  # a reminder that the deadline is near, after it has passed, would mislead
    return kind.key(days)


def _claim(report: StatusReport, rule: str, recipient_id: int) -> bool:
    """Record that this reminder goes out; False if it already went."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(report=report, rule=rule, recipient_id=recipient_id)
    except IntegrityError:
        return False
    return True


def _remind_once(report: StatusReport, rule: str, recipient: tuple[int, str], message) -> int:
    """Write one reminder to the outbox unless it went already: recorded and written together."""
    pk, email = recipient
    with transaction.atomic():
        if not _claim(report, rule, pk):
            return 0
        subject, body = message()
        return _send(subject, body, [email], kind=f"reminder {rule}")


def _coordinator_reminders(report: StatusReport, today: date, coordinators, already) -> int:
    cycle = report.cycle
    rule = _latest_due(
        report.deadline, today, cycle.reminder_days_before, cycle.reminder_days_after
    )
    if rule is None:
        return 0
    days = (report.deadline - today).days
    span = f"{abs(days)} day{'' if abs(days) == 1 else 's'}"
    when = f"in {span}" if days > 0 else ("today" if days == 0 else f"{span} ago")

    def message() -> tuple[str, str]:
        return (
            f"{report.project.acronym} {cycle.year} report due {when}",
            f"The {cycle.year} status report of {report.project.name} is "
            f"{report.get_state_display().lower()}. Its deadline, "
            f"{report.deadline:%-d %B %Y}, is {when}.\n\n{_link(report)}\n",
        )

    return sum(
        _remind_once(report, rule, recipient, message)
        for recipient in coordinators.get(report.project_id, [])
        if (report.pk, rule, recipient[0]) not in already
    )


def _reviewer_reminders(report: StatusReport, today: date, reviewers, already) -> int:
    cycle = report.cycle
    waiting = (today - timezone.localdate(report.submitted_at)).days
    if waiting < cycle.reviewer_reminder_after_days:
        return 0
    sent = 0
    decided = approved_bodies(report)
    for body in cycle.required_bodies:
        if body in decided:
            continue
        rule = ReminderRule.REVIEW.key(body, f"r{report.revision}")

        def message(body: str = body) -> tuple[str, str]:
            return (
                f"{report.project.acronym} {cycle.year} report awaits the {body}",
                f"Revision {report.revision} of the {cycle.year} status report of "
                f"{report.project.name} was submitted {waiting} days ago and "
                f"the {body} has not decided on it.\n\n{_link(report)}\n",
            )

        sent += sum(
            _remind_once(report, rule, recipient, message)
            for recipient in reviewers.get(body, [])
            if (report.pk, rule, recipient[0]) not in already
        )
    return sent


def reminders_send(*, today: date | None = None) -> int:
    """Remind coordinators of unsubmitted reports and reviewers of undecided ones, each once.

    A reminder is recorded in the same transaction as its outbox message: the outbox sends it
    once, retrying while the mail server does not answer.
    """
    today = today or timezone.localdate()
    reports = list(
        # Reviews go on after a cycle closes to submissions; coordinators are reminded only
        # while it is open.
        StatusReport.objects.filter(cycle__state__in=sorted(CycleState.IN_REVIEW))
        .select_related("cycle", "project")
        .prefetch_related("approvals")
    )
    coordinators = coordinators_of({r.project_id for r in reports})
    bodies = {body for r in reports for body in r.cycle.required_bodies}
    reviewers = reviewers_of(bodies, today=today)
    already = set(
        ReminderSent.objects.filter(report__in=reports).values_list(
            "report_id", "rule", "recipient_id"
        )
    )
    sent = 0
    for report in reports:
        if report.is_editable and report.cycle.is_open:
            sent += _coordinator_reminders(report, today, coordinators, already)
        elif report.is_in_review and report.was_submitted:
            sent += _reviewer_reminders(report, today, reviewers, already)
    log.info("reminders sent: %s", sent)
    return sent
