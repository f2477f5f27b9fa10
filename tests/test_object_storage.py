"""Files on S3-compatible object storage: a real S3 server (moto in server mode) on the loopback
address, started by the test. A build writes both files there, the download view serves them
whole, and nothing in the bucket is readable without credentials."""

import contextlib
import hashlib
import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pesco_review.storage import UNREACHABLE_MESSAGE
from reviews import services
from reviews.enums import BuildState
from reviews.models import Attachment, ConsolidatedReview
from reviews.tasks import build_consolidated_review
from tests import factories
from tests.processes import app_environment
from tests.reviews.test_documents import approved
from tests.reviews.test_evidence import PDF
from tests.servers import ThrowawayS3, UnavailableServer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3():
    with ThrowawayS3() as server:
        yield server


def store_on(settings, s3: ThrowawayS3, media_root) -> None:
    """Make `s3` the default storage, as settings.py does for its AWS_* variables; `media_root`
    must stay empty."""
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3.storage_options()},
    }


@pytest.fixture
def on_s3(settings, s3, tmp_path):
    store_on(settings, s3, tmp_path)
    return s3


def assert_in_the_bucket(stored: dict[str, bytes], review, *, attempt: int) -> None:
    """The bucket (`stored`: key -> content) holds both files of version 1 of 2026, as built at
    `attempt` and as `review` records them (names and SHA-256), and nothing else."""
    folder = f"consolidated-reviews/2026/v1/attempt-{attempt}"
    pdf, docx = (f"{folder}/PESCO-annual-review-2026-v1.{kind}" for kind in ("pdf", "docx"))
    assert sorted(stored) == [docx, pdf]
    assert (review.pdf.name, review.docx.name) == (pdf, docx)
    assert (hashlib.sha256(stored[pdf]).hexdigest(), hashlib.sha256(stored[docx]).hexdigest()) == (
        review.pdf_sha256,
        review.docx_sha256,
    )


def downloaded(client, review, kind: str) -> bytes:
    """The file `kind` (pdf, docx) of `review` as the download view serves it to `client`."""
    response = client.get(reverse("reviews:review_download", args=[review.pk, kind]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_review_build_on_s3_stores_both_files_there_and_the_view_serves_them(
    client, on_s3, role_users, tmp_path
):
    cycle = approved_cycle()
    review = ConsolidatedReview.objects.create(
        cycle=cycle, version=1, requested_by=role_users["lead"]
    )

    services.review_build(review_id=review.pk, task_id="task-s3")

    review.refresh_from_db()
    stored = on_s3.objects()
    assert_in_the_bucket(stored, review, attempt=1)
    assert list(tmp_path.iterdir()) == []  # nothing on this host's disk
    client.force_login(role_users["lead"])
    for kind in ("pdf", "docx"):
        body = downloaded(client, review, kind)
        assert hashlib.sha256(body).hexdigest() == getattr(review, f"{kind}_sha256")
        assert body == stored[getattr(review, kind).name]


@dataclass
class Outage:
    s3: ThrowawayS3
    kind: str  # "stopped" or "answering 503"
    back: Callable[[], None]  # starts the server again, on the same endpoint


@pytest.fixture(params=["stopped", "answering 503"])
def s3_down(request, settings, tmp_path):
    """The default storage on an S3 server of this test's own that is down: stopped (nothing
    listens on its port) or answering every request 503 from that port."""
    with ThrowawayS3() as s3, contextlib.ExitStack() as outage:
        s3.stop()
        if request.param == "answering 503":
            outage.enter_context(UnavailableServer(s3.port))
        store_on(settings, s3, tmp_path)

        def back() -> None:
            outage.close()
            s3.start()

        yield Outage(s3, request.param, back)


def test_review_build_storage_down_is_left_to_retry_and_succeeds_once_it_is_back(
    s3_down, role_users, tmp_path
):
    s3 = s3_down.s3
    review = ConsolidatedReview.objects.create(
        cycle=approved_cycle(), version=1, requested_by=role_users["lead"]
    )
    url = f"{s3.endpoint}/{s3.bucket}/consolidated-reviews/2026/v1/attempt-1/PESCO-annual-review"
    cause = {
        "stopped": f'Could not connect to the endpoint URL: "{url}-2026-v1.pdf"',
        "answering 503": "An error occurred (503) when calling the HeadObject operation "
        "(reached max retries: 2): Service Unavailable",
    }[s3_down.kind]

    with pytest.raises(build_consolidated_review.autoretry_for):  # what the task retries
        services.review_build(review_id=review.pk, task_id="task-1")
    review.refresh_from_db()
    left = (review.state, review.attempts, review.error, review.finished_at, review.pdf.name)
    s3_down.back()
    built = services.review_build(review_id=review.pk, task_id="task-1")  # a retry keeps its id

    assert left == (
        BuildState.RUNNING,
        1,
        f"Saving the files: the object storage is unreachable ({cause})",
        None,
        "",
    )
    assert built is not None
    built.refresh_from_db()
    assert (built.state, built.attempts, built.error) == (BuildState.SUCCEEDED, 2, "")
    assert_in_the_bucket(s3.objects(), built, attempt=2)
    assert list(tmp_path.iterdir()) == []


def test_s3_objects_are_not_readable_without_credentials(on_s3, role_users):
    review = ConsolidatedReview.objects.create(
        cycle=approved_cycle(), version=1, requested_by=role_users["lead"]
    )
    services.review_build(review_id=review.pk, task_id="task-s3")
    review.refresh_from_db()

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{on_s3.endpoint}/{on_s3.bucket}/{review.pdf.name}")  # noqa: S310
    assert refused.value.code == 403


def test_s3_a_second_file_of_the_same_name_never_overwrites_the_first(on_s3):
    from django.core.files.base import ContentFile  # noqa: PLC0415
    from django.core.files.storage import default_storage  # noqa: PLC0415

    first = default_storage.save("evidence/same.pdf", ContentFile(b"%PDF-1 first"))
    second = default_storage.save("evidence/same.pdf", ContentFile(b"%PDF-1 second"))

    assert first == "evidence/same.pdf"
    assert second != first
    assert on_s3.objects()[first] == b"%PDF-1 first"


def approved_cycle():
    from tests import factories  # noqa: PLC0415

    cycle = factories.ReviewCycleFactory(year=2026, handling_marking="LIMITE")
    approved(cycle, "Harbour Protection Network", "HPN")
    cycle.state, cycle.closed_at = "closed", timezone.now()
    cycle.save()
    return cycle


def _storage_backend(**env: str) -> dict:
    script = (
        "import json; from django.conf import settings; "
        "from django.core.files.storage import storages; "
        "print(json.dumps([type(storages['default']).__name__, settings.STORAGES['default']]))"
    )
    output = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "manage.py", "shell", "-c", script],
        env=app_environment(**env),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    backend, storage = json.loads(output.strip().splitlines()[-1])
    return {"class": backend, **storage}


def test_settings_choose_s3_when_a_bucket_is_named_and_media_root_otherwise(s3):
    on_disk = _storage_backend(AWS_STORAGE_BUCKET_NAME="")
    on_s3 = _storage_backend(**s3.environment())

    assert on_disk == {
        "class": "FileSystemStorage",
        "BACKEND": "django.core.files.storage.FileSystemStorage",
    }
    assert on_s3["class"] == "S3Storage"
    assert on_s3["OPTIONS"] == s3.storage_options()


def test_evidence_upload_while_the_storage_is_down_says_so_and_attaches_nothing(
    client, s3_down, role_users, project
):
    report = factories.StatusReportFactory(project=project, complete=True)
    client.force_login(role_users["coordinator"])
    files = [SimpleUploadedFile(n, PDF) for n in ("minutes.pdf", "test-report.pdf")]

    response = client.post(reverse("reviews:attachment_add", args=[report.pk]), {"files": files})

    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [f"'minutes.pdf' was not attached. {UNREACHABLE_MESSAGE}"]
    assert not Attachment.objects.exists()
    s3_down.back()
    assert s3_down.s3.objects() == {}


def test_downloads_while_the_storage_is_down_answer_503_with_a_page_that_says_so(
    client, settings, role_users, project, tmp_path
):
    with ThrowawayS3() as s3:
        store_on(settings, s3, tmp_path)
        report = factories.StatusReportFactory(project=project, complete=True)
        attachment = services.attachment_add(
            actor=role_users["coordinator"],
            report=report,
            upload=SimpleUploadedFile("minutes.pdf", PDF),
        )
        review = factories.ConsolidatedReviewFactory(cycle=report.cycle)
        review.pdf.save("v1.pdf", ContentFile(PDF))
        s3.stop()
        client.force_login(role_users["lead"])
        lead_download = client.get(reverse("reviews:review_download", args=[review.pk, "pdf"]))
        client.force_login(role_users["coordinator"])
        evidence_download = client.get(attachment.get_absolute_url())

    for response in (lead_download, evidence_download):
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
        assert UNREACHABLE_MESSAGE in response.content.decode()
