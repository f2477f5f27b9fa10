"""Every download of a consolidated review is recorded (database and security log), and the lead
sees on the cycle page who downloaded each version and when."""

import io
import json
import logging

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import dateformat, timezone

from pesco_review.security import JsonFormatter
from reviews.models import ReviewDownload
from tests import factories

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.9"


@pytest.fixture
def version(settings, tmp_path, role_users):
    settings.MEDIA_ROOT = tmp_path
    review = factories.ConsolidatedReviewFactory(requested_by=role_users["lead"])
    review.pdf.save("v.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    review.docx.save("v.docx", ContentFile(b"PK test"), save=False)
    review.save()
    return review


def download(client, review, kind: str):
    url = reverse("reviews:review_download", args=[review.pk, kind])
    response = client.get(url, REMOTE_ADDR=ADDRESS)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def test_review_download_is_recorded_with_who_when_where_and_kind(client, version, role_users):
    lead = role_users["lead"]
    client.force_login(lead)

    download(client, version, "pdf")
    download(client, version, "docx")

    rows = ReviewDownload.objects.order_by("at").values_list("review", "user", "kind", "address")
    assert list(rows) == [
        (version.pk, lead.pk, "pdf", ADDRESS),
        (version.pk, lead.pk, "docx", ADDRESS),
    ]


def test_review_download_refused_is_not_recorded(client, version, role_users):
    client.force_login(role_users["eda"])

    assert download(client, version, "pdf").status_code == 404
    assert ReviewDownload.objects.count() == 0


def test_review_download_writes_a_security_log_line(client, version, role_users):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("pesco_review.security").addHandler(handler)
    client.force_login(role_users["lead"])
    try:
        download(client, version, "pdf")
    finally:
        logging.getLogger("pesco_review.security").removeHandler(handler)

    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    [line] = [x for x in lines if x["event"] == "review_downloaded"]
    assert (line["user"], line["address"], line["kind"]) == (
        role_users["lead"].username,
        ADDRESS,
        "pdf",
    )
    assert (line["cycle"], line["version"]) == (version.cycle.year, version.version)


def test_cycle_page_lead_sees_who_downloaded_each_version_and_when(client, version, role_users):
    reader = factories.UserFactory(username="reader", first_name="Rita", last_name="Reader")
    version.published_at = version.requested_at
    version.published_by = role_users["lead"]
    version.save()
    client.force_login(role_users["leadership"])
    download(client, version, "pdf")
    client.force_login(role_users["lead"])
    download(client, version, "docx")
    assert reader.pk  # an account that downloaded nothing is named nowhere

    page = client.get(version.cycle.get_absolute_url())

    [shown] = page.context["page"].versions
    assert [(d.user, d.kind) for d in shown.downloads.all()] == [
        (role_users["lead"], "docx"),
        (role_users["leadership"], "pdf"),
    ]
    row = page.text.split(f'id="review-{version.pk}"')[1].split("</tr>")[0]
    assert str(role_users["leadership"]) in row
    assert str(role_users["lead"]) in row
    assert "Rita Reader" not in row
    at = ReviewDownload.objects.get(kind="pdf").at
    assert dateformat.format(timezone.localtime(at), "j M Y H:i") in row


def test_cycle_page_leadership_does_not_see_the_downloads(client, version, role_users):
    version.published_at = version.requested_at
    version.published_by = role_users["lead"]
    version.save()
    client.force_login(role_users["leadership"])
    download(client, version, "pdf")

    page = client.get(version.cycle.get_absolute_url())

    assert "Downloaded by" not in page.text


def test_cycle_page_lead_query_count_same_for_1_and_many_downloads(
    client, version, role_users, django_assert_num_queries
):
    lead = role_users["lead"]
    ReviewDownload.objects.create(review=version, user=lead, kind="pdf")
    client.force_login(lead)
    url = version.cycle.get_absolute_url()
    with django_assert_num_queries(9):
        client.get(url)

    second = factories.ConsolidatedReviewFactory(cycle=version.cycle, requested_by=lead)
    for user in factories.UserFactory.create_batch(5):
        ReviewDownload.objects.create(review=version, user=user, kind="docx")
        ReviewDownload.objects.create(review=second, user=user, kind="pdf")
    with django_assert_num_queries(9):
        response = client.get(url)
    assert sum(len(v.downloads.all()) for v in response.context["page"].versions) == 11
