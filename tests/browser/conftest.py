"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

The browser is the system's /usr/bin/chromium (`.ci/run` installs it with apt when it is
missing); `playwright install` is never run. Without Chromium every test here is skipped.
pytest-playwright's own fixtures (`browser`, `page`, …) are not used: they launch a downloaded
browser and keep Playwright running for the whole session.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from pesco_review.celery import app as celery_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a-long-test-password"  # what tests.factories.UserFactory sets

expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium for the package; Playwright runs only while these tests do."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium; .ci/run installs it). `playwright install` is not used."
        )
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    # ORM calls while a loop runs here (the test arranges and checks through the ORM).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def in_process_tasks() -> Iterator[None]:
    """Notifications run inside the live server's request, as without REDIS_URL: nothing is
    left on a broker for a worker to pick up after the test database is gone."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def browser_static_files(settings):
    """Static files with their plain names for the live server.

    The live server answers /static/ itself from the finders, which know only the unhashed
    names; the production manifest storage would give every stylesheet link a hashed name it
    cannot find, and the pages would be unstyled.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def sign_in(chromium_browser, live_server, browser_static_files) -> Iterator[Callable[..., Page]]:
    """`sign_in(user)`: a browser context of the user's own (own cookies), signed in through the
    login page once; signing in again gives the same page back (an authenticator code is
    accepted once only, as it should be)."""
    contexts = []
    pages: dict[int, Page] = {}

    def _sign_in(user) -> Page:
        if user.pk in pages:
            page = pages[user.pk]
            page.goto("/")
            return page
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_login", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        if getattr(user, "totp_secret", None):  # the second step: a code from the app
            page.fill("input[name=code]", pyotp.TOTP(user.totp_secret).now())
            with page.expect_navigation():
                page.click("main button:has-text('Sign In')")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Welcome, {user.get_short_name() or user.username}"
        )
        pages[user.pk] = page
        return page

    yield _sign_in
    for context in contexts:
        context.close()
