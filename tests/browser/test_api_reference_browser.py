"""The API's reference page (/api/docs/) in a real browser: it draws the schema from our own
static files and loads nothing from another origin (no CDN script run with the reader's
session, no web fonts), under a Content-Security-Policy that would stop anything that did."""

import pytest
from inbox_support import queue_make, user_make
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_api_reference_draws_from_our_own_origin_only(page, log_in, live_server):
    user_make("agent1", queues=[queue_make("All", ["amazon-com"])])
    log_in("agent1", "agent1-pass-1234")
    loaded: list[str] = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    blocked: list[str] = []
    page.on("requestfailed", lambda request: blocked.append(request.url))

    response = page.goto(f"{live_server.url}/api/docs/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Helpdesk API")).to_be_visible()
    expect(page.get_by_text("/api/tickets/", exact=False).first).to_be_attached()

    # Redoc's own bundle asks for its maker's logo from their CDN, whatever its settings:
    # the policy stops it before it leaves the browser, and nothing else is asked for.
    assert [url for url in loaded if not url.startswith((live_server.url, "blob:", "data:"))
            ] == []
    assert set(blocked) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
    assert page.errors == []
