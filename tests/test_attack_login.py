"""Guessing passwords through the other door: the admin's login form counts towards the
same lockout as the agents' (django-axes), and a lockout holds for the right password there
too. (The agents' form itself is tested in test_inbox_security.py.)"""

import re

import pytest
from django.test import Client
from inbox_support import user_make

pytestmark = pytest.mark.django_db


def test_the_admin_login_is_rate_limited_and_shares_the_lockout(settings, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.test", "boss-pass-1234")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "boss", "password": "guess"})
        assert response.status_code == 200
    response = client.post("/login/", {"username": "boss", "password": "guess"})
    assert response.status_code == 429
    for url in ("/admin/login/", "/login/"):
        response = client.post(url, {"username": "boss", "password": "boss-pass-1234"})
        assert response.status_code == 429, url
        assert "Too many failed attempts" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # not logged in


def test_a_lockout_does_not_reveal_whether_the_user_exists(settings):
    user_make("real_agent")
    client = Client(REMOTE_ADDR="203.0.113.10")
    answers = {}
    for username in ("real_agent", "nobody_here"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = client.post("/login/", {"username": username, "password": "guess"})
        # The page, less its per-request CSRF token.
        page = re.sub(r"[A-Za-z0-9]{32,}", "", response.content.decode())
        answers[username] = (response.status_code, page)
    assert answers["real_agent"] == answers["nobody_here"]
    assert answers["real_agent"][0] == 429
