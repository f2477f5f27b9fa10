"""Who may see and do what with review cycles and status reports.

Reviewers, the lead and leadership never see a draft that was not submitted; internal comments
are for the secretariat only; a coordinator or member sees only their own projects' reports.
These predicates say *who*; what a report's state allows is a property of the report
(`report.is_editable`) checked by the services and the workflow, whose table (reviews.workflow)
registers the permission of each workflow action.
"""

import rules

from pesco_review.accounts.rules import is_secretariat_reviewer
from projects.rules import (
    is_leadership,
    is_project_coordinator,
    is_project_member,
    is_secretariat,
    is_secretariat_lead,
    is_superuser,
)
from reviews.enums import CycleState


def _project(report):
    return report.project if report is not None else None


@rules.predicate
def coordinates_report(user, report) -> bool:
    return report is not None and is_project_coordinator(user, _project(report))


@rules.predicate
def member_of_report(user, report) -> bool:
    return report is not None and is_project_member(user, _project(report))


@rules.predicate
def report_was_submitted(user, report) -> bool:
    return report is not None and report.was_submitted


@rules.predicate
def reviewer_body_required(user, report) -> bool:
    return report is not None and user.secretariat_body in report.cycle.required_bodies


sees_all_submitted = is_superuser | is_secretariat | is_leadership

rules.add_perm(
    "reviews.view_report",
    coordinates_report | member_of_report | (sees_all_submitted & report_was_submitted),
)
# Editing and proposing also need an editable report (report.is_editable).
rules.add_perm("reviews.edit_report", coordinates_report)
rules.add_perm(
    "reviews.comment_report",
    coordinates_report | member_of_report | (is_secretariat & report_was_submitted),
)
rules.add_perm("reviews.comment_internal", is_secretariat)
rules.add_perm("reviews.view_internal_comments", is_secretariat | is_superuser)
rules.add_perm(
    "reviews.resolve_comment", coordinates_report | (is_secretariat & report_was_submitted)
)
rules.add_perm("reviews.view_report_history", coordinates_report | is_secretariat | is_superuser)
# One report as its own PDF, which the secretariat sends to the project: its reviewers and the
# lead, on a submitted report. Not the project's own people (the page prints the lead's
# consolidated assessment as it stands, which they read only once a published version printed
# it), nor leadership or a superuser (not the secretariat). A report the coordinator is revising
# is not exported (a guard in the view: its saved rows are not what was submitted).
rules.add_perm("reviews.export_report", is_secretariat & report_was_submitted)

rules.add_perm("reviews.grant_extension", is_secretariat_lead)
rules.add_perm("reviews.manage_cycle", is_secretariat_lead)
rules.add_perm("reviews.move_baseline", is_secretariat)
rules.add_perm("reviews.propose_milestone", coordinates_report)
rules.add_perm("reviews.decide_proposal", is_secretariat)
rules.add_perm("reviews.view_cycle_overview", is_secretariat | is_leadership | is_superuser)
rules.add_perm("reviews.view_review_queue", is_secretariat | is_superuser)


@rules.predicate
def review_published(user, review) -> bool:
    return review is not None and review.published_at is not None


rules.add_perm("reviews.build_review", is_secretariat_lead)
rules.add_perm("reviews.view_consolidated", is_secretariat_lead | is_leadership | is_superuser)


@rules.predicate
def cycle_final(user, cycle) -> bool:
    """Closed to submissions (or published): its figures no longer move."""
    return cycle is not None and cycle.state in CycleState.FINAL


# A provisional version (built while its cycle was open) is for the secretariat lead only.
rules.add_perm(
    "reviews.download_review",
    is_secretariat_lead | ((is_superuser | is_leadership) & review_published),
)
rules.add_perm(
    "reviews.export_figures", is_secretariat_lead | ((is_leadership | is_superuser) & cycle_final)
)

# The secretariat's own assessment of a report (reviews.services.assessments): each required
# body's reviewers write their body's, the lead the consolidated text the document prints. Only
# the secretariat reads them before publication; everybody else who may open the report reads
# the consolidated text as a published version printed it.
rules.add_perm("reviews.write_body_assessment", is_secretariat_reviewer & reviewer_body_required)
rules.add_perm("reviews.write_consolidated_assessment", is_secretariat_lead)
rules.add_perm("reviews.view_secretariat_assessments", is_secretariat)

# Evidence (reviews.services.evidence): the coordinator attaches files to an editable report, a
# secretariat reviewer or the lead to a comment of their own. An attachment is as visible as
# what it is attached to (reviews.selectors.evidence).
rules.add_perm("reviews.attach_to_report", coordinates_report)
rules.add_perm("reviews.attach_to_comment", is_secretariat & report_was_submitted)
