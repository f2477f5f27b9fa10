"""Reads of status reports: who may open which, and the report page."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from projects.rules import project_roles_of, sees_every_project
from reviews.enums import CommentVisibility
from reviews.models import (
    Approval,
    Attachment,
    Comment,
    MilestoneProposal,
    MilestoneUpdate,
    ReportTransition,
    ReportView,
    ReviewCycle,
    StatusReport,
)
from reviews.selectors.content import (
    Content,
    MilestoneLine,
    body_decisions,
    content_saved,
    content_submitted,
    missing_items,
    snapshot,
)
from reviews.selectors.diffs import Diff, report_diffs, snapshot_of
from reviews.selectors.history import HistoryLine, report_history, submitted_history
from reviews.workflow import actions_for


def reports_visible_to(*, user: User, cycle: ReviewCycle | None = None) -> QuerySet[StatusReport]:
    """Reports a user may open: their projects' reports, or every submitted one for the
    secretariat and leadership (a draft that was never submitted stays with its coordinator)."""
    reports = StatusReport.objects.all()
    if cycle is not None:
        reports = reports.filter(cycle=cycle)
    own = Q(project_id__in=list(project_roles_of(user)))
    if sees_every_project(user):
        return reports.filter(own | Q(submitted_at__isnull=False))
    return reports.filter(own)


# What no report page or document reads of the report's project: its public source records
# and long texts, which a report's every page would otherwise load and decode.
UNREAD_PROJECT_FIELDS = (
    "project__source_record",
    "project__extra_sources",
    "project__description",
    "project__notes",
)


def report_detail(*, user: User, pk: int) -> StatusReport:
    """A report the user may see, with everything its pages show; Http404 otherwise."""
    try:
        report = (
            StatusReport.objects.select_related("cycle", "project__domain", "phase_reported")
            .defer(*UNREAD_PROJECT_FIELDS)
            .prefetch_related(
                Prefetch(
                    "updates",
                    MilestoneUpdate.objects.select_related("milestone")
                    .defer("milestone__description")
                    .order_by("milestone__position"),
                ),
                Prefetch("approvals", Approval.objects.select_related("reviewer")),
                Prefetch(
                    "proposals",
                    MilestoneProposal.objects.select_related("proposed_by", "decided_by"),
                ),
            )
            .get(pk=pk)
        )
    except StatusReport.DoesNotExist as error:
        raise Http404("No such report.") from error
    if not may(user, "reviews.view_report", report):
        raise Http404("No such report.")
    return report


def is_own_report(*, user: User, report: StatusReport) -> bool:
    """The user is one of the project's own people (its coordinator or a member)."""
    return project_roles_of(user).get(report.project_id) is not None


def sees_work_in_progress(*, user: User, report: StatusReport) -> bool:
    """Whether the user may see text the coordinator has not (re)submitted: only the project's
    own people. Everybody else sees a report sent back for changes as it was last submitted."""
    return is_own_report(user=user, report=report) or not report.is_sent_back


def report_files(report: StatusReport) -> list[Attachment]:
    """Every file of the report, on the report itself and on its comments, in one query."""
    files = Attachment.objects.filter(report=report).select_related("uploaded_by")
    return list(files.order_by("uploaded_at", "pk"))


def comments_for(*, user: User, report: StatusReport, files: list[Attachment]) -> list[Comment]:
    """The comments this user may read: internal ones only for the secretariat. Each carries
    its `files`, from the report's files (report_files): a comment's files are as visible as
    the comment."""
    readable = report.comments.select_related(
        "author__member_state", "resolved_by", "update__milestone"
    ).defer("author__member_state__source_record", "update__milestone__description")
    if not may(user, "reviews.view_internal_comments"):
        readable = readable.filter(visibility=CommentVisibility.SHARED)
    comments = list(readable.order_by("created_at", "pk"))
    by_comment: dict[int, list[Attachment]] = {}
    for attachment in files:
        if attachment.comment_id is not None:
            by_comment.setdefault(attachment.comment_id, []).append(attachment)
    for comment in comments:
        comment.files = by_comment.get(comment.pk, [])  # type: ignore[attr-defined]
    return comments


def mark_seen(*, user: User, report: StatusReport, seen: int | None) -> None:
    """Remember the revision a secretariat member has now seen: nothing to write when it is
    the one they saw last (`seen`), else one statement (an upsert)."""
    if seen == report.revision or not report.was_submitted:
        return
    if not may(user, "reviews.view_review_queue"):
        return
    ReportView.objects.bulk_create(
        [ReportView(report=report, user=user, revision=report.revision, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["report", "user"],
        update_fields=["revision", "seen_at"],
    )


@dataclass(frozen=True)
class Thread:
    comment: Comment
    replies: list[Comment]


@dataclass(frozen=True)
class MilestoneRow:
    line: MilestoneLine
    threads: list[Thread]


@dataclass(frozen=True)
class ActionButton:
    action: str
    label: str
    style: str
    reason_label: str  # empty: no reason asked
    url: str
    confirm: str = ""  # what the action will do; set, the page asks before it is taken
    note_label: str = ""  # set: the action may carry an optional note


@dataclass(frozen=True)
class ReportPage:
    report: StatusReport
    decisions: list[tuple[str, bool]]
    content: Content
    as_submitted: bool
    milestones: list[MilestoneRow]
    report_threads: list[Thread]
    comment_count: int
    actions: list[ActionButton]
    missing: list[str]
    diffs: list[Diff]
    transitions: list[ReportTransition]
    approvals: list[Approval]
    proposals: list[MilestoneProposal]
    can: dict[str, bool]
    history: list[HistoryLine] | None
    files: list[Attachment]  # every file of the report, before any visibility rule


def _threads(comments: list[Comment]) -> dict[int | None, list[Thread]]:
    """{milestone update id (None: the report as a whole): its threads, oldest first}."""
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    threads: dict[int | None, list[Thread]] = {}
    for comment in comments:
        if not comment.parent_id:
            thread = Thread(comment, replies.get(comment.pk, []))
            threads.setdefault(comment.update_id, []).append(thread)
    return threads


def _can(user: User, report: StatusReport) -> dict[str, bool]:
    return {
        "edit": report.is_editable and may(user, "reviews.edit_report", report),
        "comment": may(user, "reviews.comment_report", report),
        "comment_internal": may(user, "reviews.comment_internal"),
        "resolve": may(user, "reviews.resolve_comment", report),
        "extend": may(user, "reviews.grant_extension", report),
        "baseline": may(user, "reviews.move_baseline"),
        "propose": report.is_editable and may(user, "reviews.propose_milestone", report),
        "decide": may(user, "reviews.decide_proposal"),
        "history": may(user, "reviews.view_report_history", report),
        "attach": report.is_editable and may(user, "reviews.attach_to_report", report),
        "attach_to_comment": may(user, "reviews.attach_to_comment", report),
        "export_pdf": not report.is_editable and may(user, "reviews.export_report", report),
    }


def _buttons(user: User, report: StatusReport) -> list[ActionButton]:
    return [
        ActionButton(
            action=t.action,
            label=t.button_label(user),
            style=t.style,
            reason_label=t.reason_label,
            url=reverse("reviews:report_action", args=[report.pk, t.action]),
            confirm=t.confirm,
            note_label=t.note_label,
        )
        for t in actions_for(user=user, report=report)
    ]


def report_page(*, user: User, pk: int) -> ReportPage:
    """Everything the report page shows this user (and the revision they have now seen)."""
    report = report_detail(user=user, pk=pk)
    transitions = list(report.transitions.select_related("actor").order_by("at", "pk"))
    as_submitted = not sees_work_in_progress(user=user, report=report)
    if as_submitted:  # one snapshot per revision: the page and its diffs read the same one
        current = snapshot_of(transitions, report.revision) or {}
        content = content_submitted(report, current)
    else:
        current, content = snapshot(report), content_saved(report)
    files = report_files(report)
    comments = comments_for(user=user, report=report, files=files)
    threads = _threads(comments)
    can = _can(user, report)
    diffs, seen = report_diffs(user=user, report=report, current=current, transitions=transitions)
    mark_seen(user=user, report=report, seen=seen)
    own = is_own_report(user=user, report=report)
    history = None
    if can["history"]:
        history = report_history(report) if own else submitted_history(report, transitions)
    return ReportPage(
        report=report,
        decisions=body_decisions(report),
        content=content,
        as_submitted=as_submitted,
        milestones=[
            MilestoneRow(line, threads.get(line.update_id, [])) for line in content.milestones
        ],
        report_threads=threads.get(None, []),
        comment_count=len(comments),
        actions=_buttons(user, report),
        missing=missing_items(report) if report.is_editable else [],
        diffs=diffs,
        transitions=transitions,
        approvals=sorted(report.approvals.all(), key=lambda a: a.decided_at),
        proposals=[p for p in report.proposals.all() if own or p.is_sent],
        can=can,
        history=history,
        files=files,
    )
