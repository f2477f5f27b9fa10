import fcntl
import os
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from tests import factories
from tests.broker import shared_redis_tasks


@pytest.fixture(scope="session", autouse=True)
def collected_static_files():
    """Production static storage (hashed names, a manifest) needs collectstatic, as on deploy.
    The suite's processes (pytest-xdist workers) collect one after the other: two copying into
    the same directory at once would delete each other's files."""
    lock_path = django_settings.BASE_DIR / "var" / "collectstatic.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def tasks_in_process_and_nothing_left_on_the_broker():
    """Tasks run in-process (eager) unless a test starts a worker of its own (which routes them
    to its own queue); whatever is published anyway goes to this session's own queue, never to
    a queue a developer's worker reads. At the end, no task this process published is left on
    any queue of the machine's Redis: a test that leaves one fails the suite here. (Workers the
    tests start publish only to their test's own queue, which the test deletes.)"""
    from pesco_review.celery import app  # noqa: PLC0415

    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.update(task_always_eager=True, task_default_queue=f"test-{uuid.uuid4().hex[:12]}")
    yield
    app.conf.update(**saved)
    if django_settings.REDIS_URL:
        left = shared_redis_tasks(published_by=os.getpid())
        assert left == {}, f"tasks left on the shared Redis by the suite: {left}"


@pytest.fixture
def deliver_mail(mailoutbox):
    """Run the outbox's periodic job now and give what it sent: the mail a step wrote is sent
    after its transaction commits, which a test inside one transaction never sees happen."""
    from pesco_review.outbox.services import mail_drain  # noqa: PLC0415

    def deliver() -> list:
        mail_drain()
        return mailoutbox

    return deliver


@pytest.fixture(autouse=True)
def fresh_cache():
    """allauth counts its rate limits in the cache: each test starts with none counted."""
    from django.core.cache import cache  # noqa: PLC0415

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness costs ~0.3 s a user; tests create many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def project():
    return factories.ProjectFactory(name="Alpha Project", acronym="ALPHA", slug="alpha")


@pytest.fixture
def other_project():
    return factories.ProjectFactory(name="Bravo Project", acronym="BRAVO", slug="bravo")


@pytest.fixture
def role_users(project, other_project):
    """One user per role; the coordinator and member belong to `project` only. Those whose role
    needs a second factor have an authenticator app (its secret in `user.totp_secret`)."""
    return factories.role_users(project)


def pytest_configure(config):
    """In a pytest-xdist worker the suite runs beside execnet's thread that reads the controller's
    pipe, so the documents' fork (reviews/documents/isolated.py) happens in a process with two
    threads, which Python warns of. That thread holds no lock the child takes (the child renders
    and exits through os._exit); outside xdist the warning stays, as it should for our code."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        config.addinivalue_line(
            "filterwarnings",
            "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning",
        )
