"""Every write of the review except a report's state (reviews.workflow) and a build's state
(reviews.builds), by area: cycles, reports, discussion (comments and proposals), the
secretariat's assessments, the consolidated review."""

from reviews.builds import MAX_BUILD_ATTEMPTS
from reviews.services.assessments import AssessmentConflictError, assessment_write
from reviews.services.building import TRANSIENT_BUILD_ERRORS, review_build, review_sweep_stuck
from reviews.services.consolidated import (
    BuildAlreadyRunningError,
    review_publish,
    review_record_download,
    review_request_build,
)
from reviews.services.cycles import (
    CYCLE_EDITABLE,
    cycle_close,
    cycle_create,
    cycle_open,
    cycle_update,
)
from reviews.services.discussion import (
    comment_add,
    comment_resolve,
    milestone_add_to_open_draft,
    milestone_propose,
    proposal_decide,
    proposal_send,
)
from reviews.services.evidence import (
    attachment_add,
    attachment_remove,
    attachments_add,
    comment_add_with_files,
    evidence_check,
)
from reviews.services.reports import (
    REPORT_FIELDS,
    UPDATE_FIELDS,
    EditConflictError,
    milestone_move_baseline,
    report_grant_extension,
    report_update,
)

__all__ = [
    "CYCLE_EDITABLE",
    "MAX_BUILD_ATTEMPTS",
    "REPORT_FIELDS",
    "TRANSIENT_BUILD_ERRORS",
    "UPDATE_FIELDS",
    "AssessmentConflictError",
    "BuildAlreadyRunningError",
    "EditConflictError",
    "assessment_write",
    "attachment_add",
    "attachment_remove",
    "attachments_add",
    "comment_add",
    "comment_add_with_files",
    "comment_resolve",
    "cycle_close",
    "cycle_create",
    "cycle_open",
    "cycle_update",
    "evidence_check",
    "milestone_move_baseline",
    "milestone_add_to_open_draft",
    "milestone_propose",
    "proposal_decide",
    "proposal_send",
    "report_grant_extension",
    "report_update",
    "review_build",
    "review_publish",
    "review_record_download",
    "review_request_build",
    "review_sweep_stuck",
]
