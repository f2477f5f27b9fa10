"""Imports: read and preview a file (nothing in the register is written), confirm it (every
row, in one transaction, planned again under lock), or discard it. Every row written names the
import in its history; a second run of the same file finds every row unchanged."""

import hashlib
from collections.abc import Callable
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from onboarding.columns import COLUMNS, SHEET_TITLES
from onboarding.enums import ImportKind, ImportState, RowOutcome
from onboarding.models import ImportRun
from onboarding.planning import Planned, ProjectIndex, plan
from onboarding.reading import MAX_IMPORT_BYTES, read_rows
from pesco_review.accounts.invitations import invitation_send
from pesco_review.accounts.models import User
from pesco_review.history import save_with_history
from projects.models import Milestone, Project, ProjectRole
from reviews.services import milestone_add_to_open_draft
from reviews.services._common import require

PERMISSION = "onboarding.import_register"
REFUSED = "Only the secretariat lead imports the register and the national points of contact."


def import_preview(*, actor: User, kind: str, upload: UploadedFile) -> ImportRun:
    """Read the file and plan every row; the register is not touched."""
    require(actor, PERMISSION, message=REFUSED)
    content = upload.read(MAX_IMPORT_BYTES + 1)
    name = PurePath((upload.name or "upload").replace("\\", "/")).name[:200]
    sheet = read_rows(content, name=name, columns=COLUMNS[kind], sheet=SHEET_TITLES[kind])
    run = ImportRun(
        kind=kind,
        file_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=sheet.rows,
        file_errors=sheet.errors,
        notes=sheet.notes,
        uploaded_by=actor,
    )
    _show(run, plan(kind, run.rows))
    run.save()
    return run


def _show(run: ImportRun, planned: list[Planned]) -> None:
    run.preview = [p.shown() for p in planned]
    run.counts = {o: sum(p.outcome == o for p in planned) for o in RowOutcome.values}


@transaction.atomic
def import_confirm(*, actor: User, run: ImportRun) -> bool:
    """Apply every row, or none. False (and the run's preview shown again) when the register
    changed since the preview so that a row's outcome would differ: nothing is written."""
    require(actor, PERMISSION, message=REFUSED)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.state != ImportState.PREVIEWED:
        raise ValidationError(f"This import is {run.get_state_display().lower()} already.")
    if run.has_errors:
        raise ValidationError(
            "This import has errors, so nothing of it is written. Correct the file and upload "
            "it again."
        )
    # Imports that touch the same projects wait for each other, so each plans what is there.
    ids = sorted(ProjectIndex().ids(run.rows))
    list(Project.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    planned = plan(run.kind, run.rows)
    if [p.shown() for p in planned] != run.preview:
        _show(run, planned)
        run.save(update_fields=["preview", "counts"])
        return False
    try:
        with transaction.atomic():
            APPLY[run.kind](planned, actor=actor, reason=run.history_reason)
    except IntegrityError as error:
        raise ValidationError(
            "Another change to the register was saved at the same moment: nothing of this "
            "import is written. Upload the file again to see the rows as they are now."
        ) from error
    run.state, run.applied_by, run.applied_at = ImportState.APPLIED, actor, timezone.now()
    run.save(update_fields=["state", "applied_by", "applied_at"])
    return True


def import_discard(*, actor: User, run: ImportRun) -> None:
    require(actor, PERMISSION, message=REFUSED)
    updated = ImportRun.objects.filter(pk=run.pk, state=ImportState.PREVIEWED).update(
        state=ImportState.DISCARDED
    )
    if not updated:
        raise ValidationError("This import was applied or discarded already.")


def _apply_milestones(planned: list[Planned], *, actor: User, reason: str) -> None:
    for row in planned:
        values = row.values
        if row.outcome == RowOutcome.NEW:
            milestone = Milestone(**values, current_due=values["baseline_due"])
            save_with_history(milestone, actor=actor, reason=reason, validate=False)
            milestone_add_to_open_draft(milestone=milestone, actor=actor, reason=reason)
        elif row.outcome == RowOutcome.CHANGED:
            milestone = _milestone(row)
            if milestone.current_due == milestone.baseline_due or milestone.is_demo:
                milestone.current_due = values["baseline_due"]
            if milestone.is_demo:  # the secretariat's row replaces an invented one
                milestone.is_demo, milestone.achieved_on = False, None
            for name, value in values.items():
                setattr(milestone, name, value)
            fields = [*values, "current_due", "achieved_on", "is_demo"]
            save_with_history(milestone, actor=actor, reason=reason, fields=fields, validate=False)


def _milestone(row: Planned) -> Milestone:
    assert isinstance(row.existing, Milestone)
    return row.existing


def _apply_people(planned: list[Planned], *, actor: User, reason: str) -> None:
    invited: dict[str, tuple[User, list[ProjectRole]]] = {}
    for row in planned:
        if row.outcome == RowOutcome.UNCHANGED:
            continue
        values = row.values
        user = row.existing if isinstance(row.existing, User) else None
        if user is None and values["email"] not in invited:
            user = _person_create(values, actor=actor, reason=reason)
            invited[values["email"]] = (user, [])
        elif user is None:
            user = invited[values["email"]][0]
        else:
            _person_update(user, values, actor=actor, reason=reason)
        role = row.role or ProjectRole(user=user, project=values["project"])
        role.role = values["role"]
        save_with_history(role, actor=actor, reason=reason, fields=["role"] if row.role else None)
        if values["email"] in invited:
            invited[values["email"]][1].append(role)
    for user, roles in invited.values():
        invitation_send(user=user, roles=roles, invited_by=actor)


def _person_create(values: dict, *, actor: User, reason: str) -> User:
    """A national account: no password (the invitation sets it), no body, no flag."""
    user = User(
        username=values["email"],
        email=values["email"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        member_state=values["state"],
    )
    user.set_unusable_password()
    save_with_history(user, actor=actor, reason=reason)
    return user


def _person_update(user: User, values: dict, *, actor: User, reason: str) -> None:
    wanted = {
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "member_state_id": values["state"].pk,
    }
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, wanted[name])
        save_with_history(user, actor=actor, reason=reason, fields=changed, validate=False)


APPLY: dict[str, Callable[..., None]] = {
    ImportKind.MILESTONES: _apply_milestones,
    ImportKind.PEOPLE: _apply_people,
}
