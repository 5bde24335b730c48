"""Logging in (rate limited), logging out, changing one's password and time zone, the
Content-Security-Policy of the pages, and `check --deploy` with production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from inbox_support import queue_make, ticket_make, user_make

from helpdesk.tickets.models import AgentProfile

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def agent():
    return user_make("agent1", queues=[queue_make("Amazon", ["amazon-com"])])


def test_logging_in_and_out(agent):
    client = Client()
    response = client.post("/login/", {"username": "agent1", "password": "agent1-pass-1234"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200
    assert client.get("/login/")["Location"] == "/inbox/"  # already logged in
    assert client.post("/logout/").status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_login_attempts_are_rate_limited(agent, settings):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "agent1", "password": "wrong"})
        assert response.status_code == 200 and "didn" in response.content.decode()
    response = client.post("/login/", {"username": "agent1", "password": "wrong"})
    assert response.status_code == 429
    # Locked out now: even the right password is refused, with a page that says why.
    response = client.post("/login/", {"username": "agent1", "password": "agent1-pass-1234"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert client.get("/inbox/").status_code == 302
    # Another address is not locked out by that.
    other = Client(REMOTE_ADDR="198.51.100.1")
    response = other.post("/login/", {"username": "agent1", "password": "agent1-pass-1234"})
    assert response.status_code == 302


def test_changing_the_password(client, agent):
    client.force_login(agent)
    response = client.post("/account/password/", {
        "old_password": "agent1-pass-1234", "new_password1": "a-much-better-pass-42",
        "new_password2": "a-much-better-pass-42",
    })
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a-much-better-pass-42")
    assert client.get(response["Location"]).status_code == 200


def test_times_follow_the_agents_time_zone(client, agent):
    client.force_login(agent)
    ticket = ticket_make()
    client.post("/account/", {"time_zone": "Asia/Tokyo"})
    assert AgentProfile.objects.get(user=agent).time_zone == "Asia/Tokyo"
    assert " JST" in client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    client.post("/account/", {"time_zone": "America/New_York"})
    html = client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    assert " EST" in html or " EDT" in html
    assert client.post("/account/", {"time_zone": "Mars/Olympus"}).status_code == 200


@pytest.mark.parametrize("url", ["/inbox/", "/login/", "/account/"])
def test_the_pages_allow_only_their_own_scripts(client, agent, url):
    if url != "/login/":
        client.force_login(agent)
    policy = client.get(url)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "helpdesk.example.com", "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_HSTS_PRELOAD": "1", "VAR_DIR": str(tmp_path),
    }
    for name in ("SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # set by some test runs
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
