"""The report state machine: the only code that changes a report's state.

One declarative table, `TRANSITIONS`: each (state, action) entry carries everything about its
transition — target, who may take it (a rules predicate), the reason it requires and its
wording, its guards, its effects, its button and the message after it. `report_transition`
reads it: locks the report row, checks the permission and the guards, runs the effects, sets
the state, writes the audit record and queues the notification once the transaction commits.
`actions_for` derives the buttons a person is offered from the same table.

    draft --submit--> submitted --request changes--> changes_requested --resubmit--> submitted
    submitted --approve (every required body, this revision)--> approved
    approved --reopen (lead, reason)--> changes_requested
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from pesco_review.accounts.models import User
from pesco_review.history import attribute, save_with_history
from pesco_review.permissions import may
from projects.enums import PhaseSlug, ProjectStatus
from projects.rules import is_secretariat_lead, is_secretariat_reviewer, role_recorded
from reviews.enums import ReportAction, ReportState
from reviews.models import Approval, Comment, ReportTransition, ReviewCycle, StatusReport
from reviews.notifications import transition_notify
from reviews.rules import coordinates_report, reviewer_body_required
from reviews.selectors.content import (
    approvals_of_revision,
    approved_bodies,
    date_problems,
    missing_items,
    snapshot,
    waiting_for,
)


@dataclass
class Step:
    """One transition being taken: what the guards read and the effects write."""

    report: StatusReport
    actor: User
    reason: str
    now: datetime
    fields: list[str] = field(default_factory=lambda: ["state"])
    snapshot: dict | None = None


Guard = Callable[[StatusReport, User], None]
Effect = Callable[[Step], None]


# Guards: each raises ValidationError (or PermissionDenied) with a message a person understands.


def _cycle_guard(holds: Callable[[ReviewCycle], bool], why: str) -> Guard:
    """A guard on the report's cycle: refused, with the cycle's state and `why`, unless
    `holds(cycle)`."""

    def guard(report: StatusReport, actor: User) -> None:
        cycle = report.cycle
        if not holds(cycle):
            state = cycle.get_state_display().lower()
            raise ValidationError(f"The {cycle.year} cycle is {state}: {why}")

    return guard


def _open(cycle: ReviewCycle) -> bool:
    return cycle.is_open


cycle_is_open = _cycle_guard(_open, "reports can be submitted only while it is open.")
# A closed cycle's reports are final: none is reopened.
cycle_not_closed = _cycle_guard(_open, "its reports are final and can no longer be reopened.")
# Sent back, a report must be resubmitted: only while the cycle is open.
cycle_open_for_changes = _cycle_guard(
    _open,
    "a report sent back now could never be resubmitted. Approve it, or leave it undecided.",
)
# Decisions go on after a cycle closes to submissions, until its review is published.
cycle_takes_decisions = _cycle_guard(lambda cycle: cycle.is_in_review, "its reports are final.")


def deadline_not_passed(report: StatusReport, actor: User) -> None:
    """The effective deadline (the extension, or the answer-by date once sent back)."""
    if timezone.localdate() > report.deadline:
        which = "answer-by date" if report.is_sent_back else "submission deadline"
        raise ValidationError(
            f"The {which} was {report.deadline:%-d %B %Y}. Ask the secretariat lead for an "
            "extension."
        )


NOT_YET = "The report cannot be submitted yet:"  # heads the list of what is missing


def report_is_complete(report: StatusReport, actor: User) -> None:
    missing = missing_items(report)
    if missing:
        raise ValidationError([NOT_YET, *missing])


def holds_no_role_in_project(report: StatusReport, actor: User) -> None:
    """Four eyes: nobody approves a report of a project in which a role is recorded for them,
    even one their account no longer gives them (read when the action is taken)."""
    if role := role_recorded(actor, report.project_id):
        raise PermissionDenied(
            f"You are a {role} of {report.project.acronym}: "
            "nobody approves a report of a project they coordinate or are a member of."
        )


def body_may_approve(report: StatusReport, actor: User) -> None:
    """Four eyes: the actor's body is one the cycle requires and has not yet approved this
    revision, and the actor approved it for no body (whatever their body is now)."""
    body = actor.secretariat_body
    if body not in report.cycle.required_bodies:
        raise PermissionDenied("Approvals are given by a reviewer, for a body the cycle requires.")
    given = approvals_of_revision(report)
    mine = [a for a in given if a.reviewer_id == actor.pk]
    if mine:
        raise ValidationError(
            f"You already approved revision {report.revision} for the {mine[0].body}: another "
            "person approves for each other body."
        )
    if body in {a.body for a in given}:
        raise ValidationError(f"{body} has already approved revision {report.revision}.")


def register_dates_valid(report: StatusReport, actor: User) -> None:
    """The dates the register would take from the report are dates it can hold."""
    problems = date_problems(report)
    if problems:
        raise ValidationError(["The report carries dates the register cannot take:", *problems])


# Effects: each writes what its step records, on the locked report.


def stamp_submitted(step: Step) -> None:
    step.report.submitted_at = step.now
    step.fields.append("submitted_at")


def raise_revision(step: Step) -> None:
    step.report.revision += 1
    step.fields.append("revision")


def take_snapshot(step: Step) -> None:
    step.snapshot = snapshot(step.report)


def record_request(step: Step) -> None:
    report = step.report
    Comment.objects.create(
        report=report, author=step.actor, body=step.reason, revision=report.revision
    )


def set_answer_by(step: Step) -> None:
    """The coordinator answers within the cycle's resubmission days."""
    step.report.answer_by = timezone.localdate() + timedelta(
        days=step.report.cycle.resubmission_days
    )
    step.fields.append("answer_by")


def record_approval(step: Step) -> None:
    report = step.report
    Approval.objects.create(
        report=report,
        revision=report.revision,
        body=step.actor.secretariat_body,
        reviewer=step.actor,
        note=step.reason,
    )


def stamp_approved(step: Step) -> None:
    step.report.approved_at = step.now
    step.fields.append("approved_at")


# A project whose approved report states one of these phases takes part in no later cycle.
FINAL_PHASES: dict[str, str] = {
    PhaseSlug.COMPLETED: ProjectStatus.COMPLETED,
    PhaseSlug.CLOSED: ProjectStatus.CLOSED,
}


def _project_follows(report: StatusReport, actor: User) -> None:
    """The project's phase, and its status once the phase is final. Never from a demo report:
    it invents its phase, and a real project's record must not follow it."""
    project, phase = report.project, report.phase_reported
    if report.is_demo or phase is None:
        return
    fields = []
    if project.phase_id != phase.pk:
        project.phase = phase
        fields.append("phase")
    status = FINAL_PHASES.get(phase.slug)
    if status is not None and project.status != status:
        project.status = status
        fields.append("status")
    if fields:
        reason = f"Phase reached, per the approved {report.cycle.year} report"
        save_with_history(project, actor=actor, reason=reason, fields=fields)


def _milestones_follow(report: StatusReport, actor: User) -> None:
    """Achieved dates, and the forecasts as the milestones' current due dates, so that the
    register's slippage is true."""
    name = f"the approved {report.cycle.year} report of {report.project.acronym}"
    for update in report.updates.select_related("milestone"):
        milestone = update.milestone
        if update.is_achieved and update.achieved_on:
            if milestone.achieved_on != update.achieved_on:
                milestone.achieved_on = update.achieved_on
                save_with_history(
                    milestone, actor=actor, reason=f"Achieved, per {name}", fields=["achieved_on"]
                )
        elif update.forecast_date and milestone.current_due != update.forecast_date:
            milestone.current_due = update.forecast_date
            save_with_history(
                milestone, actor=actor, reason=f"Forecast, per {name}", fields=["current_due"]
            )


def register_follows(step: Step) -> None:
    """Once approved, the register follows the report."""
    _project_follows(step.report, step.actor)
    _milestones_follow(step.report, step.actor)


def every_required_body_approved(report: StatusReport) -> bool:
    return set(report.cycle.required_bodies) <= approved_bodies(report, fresh=True)


def _now_state(report: StatusReport) -> str:
    return f"{report.get_state_display().lower()}"


def approved_message(report: StatusReport, actor: User) -> str:
    """ "Approved for the EDA; waiting for the EEAS and the EUMS." """
    waiting = waiting_for(report)
    if not waiting:
        return (
            f"Approved for the {actor.secretariat_body}: every required body has approved "
            f"revision {report.revision}, and the report is approved."
        )
    names = (
        waiting[0] if len(waiting) == 1 else f"{', the '.join(waiting[:-1])} and the {waiting[-1]}"
    )
    return f"Approved for the {actor.secretariat_body}; waiting for the {names}."


@dataclass(frozen=True)
class Transition:
    source: ReportState
    action: ReportAction
    target: ReportState
    permission: rules.Predicate
    # The button; "{body}" is the actor's secretariat body.
    button: str
    style: str = "primary-inline"
    # A reason is required when `reason_label` is set; `reason_missing` says so.
    reason_label: str = ""
    reason_missing: str = ""
    # What the action will do, said on the page before it is taken: set, the page asks first.
    confirm: str = ""
    # An optional note the action may carry (in the step's reason), when `note_label` is set.
    note_label: str = ""
    # A decision names the revision it was taken on (the page sends it).
    needs_revision: bool = False
    # Guards that keep the action off the page when they fail (about who acts, not content).
    preconditions: tuple[Guard, ...] = ()
    # Guards checked when the action is taken (the page offers it and explains what is missing).
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    # The report reaches `target` only once this holds after the effects; it stays otherwise.
    moves_when: Callable[[StatusReport], bool] | None = None
    arrival_effects: tuple[Effect, ...] = ()
    # What the person is told afterwards: a text ({action}, {state}) or a function.
    done: str | Callable[[StatusReport, User], str] = "{action}: the report is now {state}."

    @property
    def permission_name(self) -> str:
        return f"reviews.{self.action}_report"

    @property
    def reason_required(self) -> bool:
        return bool(self.reason_label)

    def button_label(self, actor: User) -> str:
        return self.button.format(body=actor.secretariat_body)

    def message(self, report: StatusReport, actor: User) -> str:
        if callable(self.done):
            return self.done(report, actor)
        return self.done.format(action=self.action.label, state=_now_state(report))


_SUBMISSION_GUARDS: tuple[Guard, ...] = (cycle_is_open, deadline_not_passed, report_is_complete)

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.action): t
    for t in (
        Transition(
            ReportState.DRAFT,
            ReportAction.SUBMIT,
            ReportState.SUBMITTED,
            permission=coordinates_report,
            button="Submit",
            guards=_SUBMISSION_GUARDS,
            effects=(stamp_submitted, take_snapshot),
            done="Submitted. The secretariat has been told.",
        ),
        Transition(
            ReportState.CHANGES_REQUESTED,
            ReportAction.RESUBMIT,
            ReportState.SUBMITTED,
            permission=coordinates_report,
            button="Resubmit",
            guards=_SUBMISSION_GUARDS,
            effects=(raise_revision, stamp_submitted, take_snapshot),
            done="Resubmitted. The secretariat has been told.",
        ),
        Transition(
            ReportState.SUBMITTED,
            ReportAction.REQUEST_CHANGES,
            ReportState.CHANGES_REQUESTED,
            permission=is_secretariat_reviewer & reviewer_body_required,
            button="Request changes",
            style="warn",
            reason_label="What should change (shared with the coordinator)",
            reason_missing="Say what should change: a comment is required.",
            needs_revision=True,
            guards=(cycle_open_for_changes,),
            effects=(record_request, set_answer_by),
        ),
        Transition(
            ReportState.SUBMITTED,
            ReportAction.APPROVE,
            ReportState.APPROVED,
            permission=is_secretariat_reviewer & reviewer_body_required,
            button="Approve for the {body}",
            note_label="Note with your approval (optional; shown with it on the report page)",
            needs_revision=True,
            preconditions=(body_may_approve,),
            guards=(holds_no_role_in_project, cycle_takes_decisions, register_dates_valid),
            effects=(record_approval,),
            moves_when=every_required_body_approved,
            arrival_effects=(stamp_approved, register_follows),
            done=approved_message,
        ),
        Transition(
            ReportState.APPROVED,
            ReportAction.REOPEN,
            ReportState.CHANGES_REQUESTED,
            permission=is_secretariat_lead,
            button="Reopen",
            style="danger",
            reason_label="Reason for reopening",
            reason_missing="Give the reason for reopening this approved report.",
            confirm=(
                "Reopening sends the approved report back to its coordinator, as a request for"
                " changes with a new date to answer by, and tells them your reason. Once"
                " resubmitted, it needs the approval of every required body again. The versions"
                " of the consolidated review already built keep the revision they were built from."
            ),
            guards=(cycle_not_closed,),
            effects=(set_answer_by,),
        ),
    )
}

# Each action is taken from one state only: its permission, button and message are its own.
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS.values()}
assert len(BY_ACTION) == len(TRANSITIONS), "an action appears twice in the table"  # noqa: S101

# One permission per action, from the table (the workflow checks them; so do the pages).
for _transition in TRANSITIONS.values():
    rules.add_perm(_transition.permission_name, _transition.permission)


def message_after(action: str, report: StatusReport, actor: User) -> str:
    """What the person is told once the action was taken on the report."""
    return BY_ACTION[action].message(report, actor)


def _passes(guards: tuple[Guard, ...], report: StatusReport, actor: User) -> bool:
    try:
        for guard in guards:
            guard(report, actor)
    except (ValidationError, PermissionDenied):
        return False
    return True


def actions_for(*, user: User, report: StatusReport) -> list[Transition]:
    """The transitions this user may take on this report now, in the table's order."""
    return [
        transition
        for (state, _), transition in TRANSITIONS.items()
        if state == report.state
        and may(user, transition.permission_name, report)
        and _passes(transition.preconditions, report, user)
    ]


def transition_of(report: StatusReport, action: str) -> Transition:
    """The table's entry for this action from the report's state, or a ValidationError."""
    transition = TRANSITIONS.get((report.state, action))
    if transition is None:
        label = ReportAction(action).label.lower() if action in ReportAction else action
        raise ValidationError(
            f"A report that is {report.get_state_display().lower()} cannot be given “{label}”."
        )
    return transition


def report_transition(
    *,
    report: StatusReport,
    action: str,
    actor: User,
    reason: str = "",
    expected_revision: int | None = None,
) -> StatusReport:
    """Take one workflow action on a report, or raise and change nothing.

    Raises PermissionDenied if the actor may not take the action, ValidationError (with a
    message a person understands) if the report's state or content does not allow it, or if
    it is no longer the revision the actor decided on (`expected_revision`, from the page).
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        report = (
            StatusReport.objects.select_for_update(of=("self",))
            .select_related("cycle", "project", "phase_reported")
            .get(pk=report.pk)
        )
        transition = transition_of(report, action)
        if not may(actor, transition.permission_name, report):
            raise PermissionDenied(f"You may not {transition.action.label.lower()} this report.")
        if transition.needs_revision and expected_revision is None:
            raise ValidationError(
                "Say which revision you decided on: open the report again and decide from there."
            )
        if expected_revision is not None and expected_revision != report.revision:
            raise ValidationError(
                f"The report was resubmitted as revision {report.revision} since you opened "
                f"revision {expected_revision}: read it again before deciding."
            )
        if transition.reason_required and not reason:
            raise ValidationError(transition.reason_missing)
        for guard in (*transition.preconditions, *transition.guards):
            guard(report, actor)
        _take(transition, Step(report=report, actor=actor, reason=reason, now=timezone.now()))
    return report


def _take(transition: Transition, step: Step) -> None:
    """Run the effects, move the state, save, and write the audit record."""
    report = step.report
    from_state = report.state
    for effect in transition.effects:
        effect(step)
    arrived = transition.moves_when is None or transition.moves_when(report)
    report.state = transition.target if arrived else from_state
    if arrived:
        for effect in transition.arrival_effects:
            effect(step)
    label = transition.action.label
    attribute(report, actor=step.actor, reason=f"{label}: {step.reason}" if step.reason else label)
    report.save(update_fields=step.fields)
    audit = ReportTransition.objects.create(
        report=report,
        action=transition.action,
        from_state=from_state,
        to_state=report.state,
        revision=report.revision,
        actor=step.actor,
        body=step.actor.secretariat_body if transition.action in ReportAction.FOR_A_BODY else "",
        reason=step.reason,
        snapshot=step.snapshot,
    )
    transition_notify(audit)  # into the outbox, in this transaction: sent once it commits
