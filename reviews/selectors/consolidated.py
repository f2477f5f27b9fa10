"""Reads of the consolidated review's versions."""

from django.db.models import Func, IntegerField, Prefetch
from django.http import Http404

from pesco_review.accounts.models import User
from pesco_review.permissions import may
from reviews.enums import BuildState, CycleState
from reviews.models import ConsolidatedReview, ReviewCycle, ReviewDownload


class JSONArrayLength(Func):
    """The number of items of a JSON array column, counted by the database."""

    function = "JSON_ARRAY_LENGTH"  # SQLite
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="JSONB_ARRAY_LENGTH", **extra)


# A version's provenance (one entry per report it printed) and stored export rows: read by the
# downloads and exports, never by a page listing versions.
LARGE_FIELDS = ("built_from", "export_rows")


def consolidated_versions(*, user: User, cycle: ReviewCycle) -> list[ConsolidatedReview]:
    """The versions of a cycle's review this user may see: all for the lead, with who downloaded
    each and when (`version.downloads.all()`, newest first, prefetched), the published ones for
    leadership."""
    if not may(user, "reviews.view_consolidated"):
        return []
    versions = (
        cycle.consolidated.select_related("requested_by", "published_by")
        .defer(*LARGE_FIELDS)
        .annotate(report_count=JSONArrayLength("built_from"))
        .order_by("-version")
    )
    if may(user, "reviews.build_review"):
        downloads = ReviewDownload.objects.select_related("user")
        versions = versions.prefetch_related(Prefetch("downloads", queryset=downloads))
    else:
        versions = versions.filter(published_at__isnull=False)
    return list(versions)


def latest_published() -> ConsolidatedReview | None:
    return (
        ConsolidatedReview.objects.filter(published_at__isnull=False)
        .select_related("cycle")
        .defer(*LARGE_FIELDS)
        .order_by("-cycle__year", "-version")
        .first()
    )


def consolidated_for_download(*, user: User, pk: int) -> ConsolidatedReview:
    """A succeeded version this user may download; Http404 otherwise (whether it exists or not)."""
    review = (
        ConsolidatedReview.objects.select_related("cycle")
        .filter(pk=pk, state=BuildState.SUCCEEDED)
        .first()
    )
    if review is None or not may(user, "reviews.download_review", review):
        raise Http404("No such document.")
    return review


def version_for_figures(*, cycle: ReviewCycle) -> ConsolidatedReview | None:
    """The version whose stored figures the cycle's export gives (one query): its latest
    succeeded version, and once the cycle is closed the latest built since then (a provisional
    version's figures are not the cycle's final ones). None if there is none."""
    versions = cycle.consolidated.filter(state=BuildState.SUCCEEDED).exclude(export_rows={})
    if cycle.state in CycleState.FINAL:
        versions = versions.filter(provisional=False)
    return versions.only("pk", "version", "export_rows").order_by("-version").first()
