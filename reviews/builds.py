"""The build job's own state machine: the only code that changes a consolidated version's state.

    queued --claim--> running --succeed--> succeeded
                      running --fail-----> failed
    queued --hand_over--> queued              (the broker took its task message)
    queued | running --requeue--> queued      (the sweep: the worker went silent)
    queued | running --give_up--> failed      (attempts exhausted)
    running --beat / note_error--> running    (progress and heartbeat; a transient error)

Each step is one conditional UPDATE: it moves the version only from the step's states and, for
the steps a run takes on its own build, only while that run still holds it (its task id).
"""

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from reviews.enums import BuildState
from reviews.models import MAX_BUILD_ATTEMPTS, ConsolidatedReview

__all__ = ["MAX_BUILD_ATTEMPTS", "STEPS", "build_transition"]


@dataclass(frozen=True)
class BuildStep:
    sources: frozenset[str]
    target: str | None = None  # None: the state stays
    owned: bool = False  # only the run that holds the version (by task id) may take it


_ANY_ACTIVE = frozenset(BuildState.ACTIVE)
_RUNNING = frozenset({BuildState.RUNNING})
_QUEUED = frozenset({BuildState.QUEUED})

STEPS: dict[str, BuildStep] = {
    "hand_over": BuildStep(_QUEUED),
    "claim": BuildStep(_ANY_ACTIVE, BuildState.RUNNING),
    "beat": BuildStep(_RUNNING, owned=True),
    "note_error": BuildStep(_RUNNING),
    "succeed": BuildStep(_RUNNING, BuildState.SUCCEEDED, owned=True),
    "fail": BuildStep(_RUNNING, BuildState.FAILED, owned=True),
    "requeue": BuildStep(_ANY_ACTIVE, BuildState.QUEUED),
    "give_up": BuildStep(_ANY_ACTIVE, BuildState.FAILED),
}


def build_transition(review: ConsolidatedReview, name: str, *, task_id: str = "", **values) -> bool:
    """Take one step of the build's state machine; True if the version moved.

    Finishing stamps `finished_at`; claiming counts an attempt and starts the heartbeat. The
    instance is updated with what was written.
    """
    rule = STEPS[name]
    now = timezone.now()
    if rule.target is not None:
        values["state"] = rule.target
    if rule.target in BuildState.FINISHED:
        values.setdefault("finished_at", now)
    if name in {"claim", "beat"}:
        values["heartbeat_at"] = now
    if name == "requeue":
        values["task_id"] = ""  # no run holds it until a worker claims it again
        values["dispatched_at"] = None  # and no message is known to carry it
    if name == "hand_over":
        values["dispatched_at"] = now
    rows = ConsolidatedReview.objects.filter(pk=review.pk, state__in=sorted(rule.sources))
    if rule.owned:
        rows = rows.filter(task_id=task_id)
    if name == "claim":
        values.update(task_id=task_id, started_at=review.started_at or now)
        moved = rows.update(attempts=F("attempts") + 1, **values) == 1
        if moved:
            review.attempts += 1
    else:
        moved = rows.update(**values) == 1
    if moved:
        for name, value in values.items():
            setattr(review, name, value)
    return moved
