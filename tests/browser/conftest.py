"""Browser tests: Playwright's Python package driving Debian's Chromium against pytest-django's
live server (plain http, so the secure-cookie settings of production are turned off here)."""

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser(django_db_setup) -> Iterator:
    if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (make system-deps installs it)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs the tests in a greenlet with a context of its own, and
    # Django keeps connections per context: the test database's serialized contents (what
    # serialized_rollback restores after each flush) must be handed to the new connections.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections if hasattr(connections[alias], "_test_serialized_contents")
    }
    # Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests
    # make between browser steps are still plain synchronous code.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def plain_http(settings) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def page(browser, plain_http, live_server) -> Iterator:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda dialog: page.errors.append(f"dialog: {dialog.message}")
            or dialog.dismiss())
    yield page
    context.close()


@pytest.fixture
def log_in(page, live_server):
    def log_in(username: str, password: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/inbox/")

    return log_in


@pytest.fixture
def run_sent_jobs(settings):
    """Replies are sent by a job after the commit: in-process without Redis (done by the
    time the page answers); with Redis, an RQ worker in burst mode does it here."""

    def run() -> None:
        if settings.REDIS_URL:
            import django_rq
            from rq import SimpleWorker

            SimpleWorker([django_rq.get_queue("mail")],
                         connection=django_rq.get_connection("mail")).work(burst=True)

    return run
