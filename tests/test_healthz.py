import pytest
from django.conf import settings

from pesco_review.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_as_configured():
    """Tasks go to the broker of the settings, as in production (the suite runs them eagerly)."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.task_always_eager = not settings.REDIS_URL
    yield conf
    conf.broker_url, conf.task_always_eager = saved


def test_healthz_reports_database_and_broker(client, broker_as_configured):
    response = client.get("/healthz")

    expected_broker = "ok" if settings.REDIS_URL else "in-process"
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": expected_broker}


def test_healthz_unreachable_broker_is_degraded_but_answers_200(client, broker_as_configured):
    broker_as_configured.broker_url = "redis://127.0.0.1:1/0"
    broker_as_configured.task_always_eager = False

    response = client.get("/healthz")

    assert response.status_code == 200  # the pages work without Redis: keep them in rotation
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}


def test_healthz_answers_a_load_balancer_over_plain_http_while_pages_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    health = client.get("/healthz")
    page = client.get("/projects/")

    assert health.status_code == 200
    assert (page.status_code, page["Location"]) == (301, "https://testserver/projects/")
