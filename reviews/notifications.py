"""Who is told what: notification mail for workflow steps, and reminders before/after deadlines.

Mail goes through Django's mail API (console in development). Internal comments never appear.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.enums import ProjectRoleKind
from reviews.enums import CycleState, ReportAction, ReportState
from reviews.models import ReminderSent, ReportTransition, StatusReport

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


def _send(subject: str, body: str, addresses: list[str]) -> int:
    if not addresses:
        return 0
    prefix = f"[PESCO review] {subject}"
    return send_mail(prefix, body, None, sorted(set(addresses)))


def transition_notify(transition: ReportTransition) -> int:
    """Mail the people the step concerns; returns the number of messages sent."""
    report = transition.report
    project = report.project
    name = f"{project.name} ({project.acronym})"
    actor = str(transition.actor)
    if transition.action in {ReportAction.SUBMIT, ReportAction.RESUBMIT}:
        bodies = report.cycle.required_bodies
        reviewers = reviewers_of(bodies)
        to = [email for body in bodies for _, email in reviewers.get(body, [])]
        verb = "submitted" if transition.action == ReportAction.SUBMIT else "resubmitted"
        subject = (
            f"{project.acronym} {report.cycle.year} report {verb} (revision {transition.revision})"
        )
        text = (
            f"{actor} {verb} the {report.cycle.year} status report of {name}.\n\n{_link(report)}\n"
        )
        return _send(subject, text, to)
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
    return _send(subject, text, to)


def _latest_due(deadline: date, today: date, before: list[int], after: list[int]) -> str | None:
    """The most recent reminder rule whose day has come, or None."""
    due = [(deadline - timedelta(days=d), f"before-{d}") for d in before]
    due += [(deadline + timedelta(days=d), f"after-{d}") for d in after]
    passed = [(day, rule) for day, rule in due if day <= today]
    if not passed:
        return None
    day, rule = max(passed)
    if rule.startswith("before-") and today > deadline:
        return None  # a reminder that the deadline is near, after it has passed, would mislead
    return rule


def _claim(report: StatusReport, rule: str, recipient_id: int) -> bool:
    """Record that this reminder goes out; False if it already went."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(report=report, rule=rule, recipient_id=recipient_id)
    except IntegrityError:
        return False
    return True


def reminders_send(*, today: date | None = None) -> int:
    """Remind coordinators of unsubmitted reports and reviewers of undecided ones, each once.

    A reminder is recorded in the same transaction as its sending: if the mail fails, it is not
    marked sent, and the task's retry sends it.
    """
    today = today or timezone.localdate()
    sent = 0
    reports = list(
        # Reviews go on after a cycle closes to submissions; coordinators are reminded only
        # while it is open.
        StatusReport.objects.filter(cycle__state__in=[CycleState.OPEN, CycleState.CLOSED])
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
    for report in reports:
        cycle = report.cycle
        if (
            report.state in {ReportState.DRAFT, ReportState.CHANGES_REQUESTED}
            and cycle.state == CycleState.OPEN
        ):
            rule = _latest_due(
                report.deadline, today, cycle.reminder_days_before, cycle.reminder_days_after
            )
            if rule is None:
                continue
            days = (report.deadline - today).days
            span = f"{abs(days)} day{'' if abs(days) == 1 else 's'}"
            when = f"in {span}" if days > 0 else ("today" if days == 0 else f"{span} ago")
            for pk, email in coordinators.get(report.project_id, []):
                if (report.pk, rule, pk) in already:
                    continue
                with transaction.atomic():  # recorded only if it was sent
                    if not _claim(report, rule, pk):
                        continue
                    sent += _send(
                        f"{report.project.acronym} {cycle.year} report due {when}",
                        f"The {cycle.year} status report of {report.project.name} is "
                        f"{report.get_state_display().lower()}. Its deadline, "
                        f"{report.deadline:%-d %B %Y}, is {when}.\n\n{_link(report)}\n",
                        [email],
                    )
        elif report.state == ReportState.SUBMITTED and report.submitted_at is not None:
            waiting = (today - timezone.localdate(report.submitted_at)).days
            if waiting < cycle.reviewer_reminder_after_days:
                continue
            decided = {a.body for a in report.approvals.all() if a.revision == report.revision}
            for body in cycle.required_bodies:
                if body in decided:
                    continue
                rule = f"review-{body}-r{report.revision}"
                for pk, email in reviewers.get(body, []):
                    if (report.pk, rule, pk) in already:
                        continue
                    with transaction.atomic():  # recorded only if it was sent
                        if not _claim(report, rule, pk):
                            continue
                        sent += _send(
                            f"{report.project.acronym} {cycle.year} report awaits the {body}",
                            f"Revision {report.revision} of the {cycle.year} status report of "
                            f"{report.project.name} was submitted {waiting} days ago and "
                            f"the {body} has not decided on it.\n\n{_link(report)}\n",
                            [email],
                        )
    log.info("reminders sent: %s", sent)
    return sent
