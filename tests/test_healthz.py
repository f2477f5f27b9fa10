import pytest
from django.conf import settings

from pesco_review.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")

    expected_broker = "ok" if settings.REDIS_URL else "in-process"
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": expected_broker}


def test_healthz_unreachable_broker_answers_503(client):
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    try:
        response = client.get("/healthz")
    finally:
        conf.broker_url, conf.task_always_eager = saved

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}


def test_healthz_answers_a_load_balancer_over_plain_http_while_pages_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    health = client.get("/healthz")
    page = client.get("/projects/")

    assert health.status_code == 200
    assert (page.status_code, page["Location"]) == (301, "https://testserver/projects/")
