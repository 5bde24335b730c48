"""Login lockout behind the proxy of docs/DEPLOY.md, through gunicorn as deployed: failed
logins are counted per client address (the one the trusted proxy appended to
X-Forwarded-For), not per proxy, and guessing spread over usernames or over addresses is
limited too."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import RequestFactory, override_settings
from faults_support import needs_postgresql
from gunicorn_support import gunicorn_running
from inbox_support import user_make

from helpdesk.accounts.lockout import client_address

PER_PAIR = 5  # AXES_FAILURE_LIMIT, the default
ACROSS = 10  # LOGIN_FAILURE_LIMIT_PER_USERNAME and _PER_ADDRESS for these tests


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base: str, username: str, password: str, forwarded: str) -> int:
    """The status of a login from the client that the proxy names in ``forwarded``: 200 the
    form again (wrong password), 302 signed in, 429 locked out."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    headers = {"X-Forwarded-For": forwarded}
    with opener.open(urllib.request.Request(f"{base}/login/", headers=headers)) as page:
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read()).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token.decode()}).encode()
    try:
        with opener.open(urllib.request.Request(f"{base}/login/", data=form,
                                                headers=headers)) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def web(tmp_path):
    with gunicorn_running(tmp_path, TRUSTED_PROXY_COUNT="1",
                          LOGIN_FAILURE_LIMIT_PER_USERNAME=str(ACROSS),
                          LOGIN_FAILURE_LIMIT_PER_ADDRESS=str(ACROSS)) as (base, _port):
        yield base


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_behind_the_proxy_one_clients_bad_passwords_do_not_lock_out_another(web):
    user_make("agent_x")
    for _ in range(PER_PAIR):
        login(web, "agent_x", "guess", "198.51.100.7")
    assert login(web, "agent_x", "agent_x-pass-1234", "198.51.100.7") == 429
    # The agent at another address signs in.
    assert login(web, "agent_x", "agent_x-pass-1234", "198.51.100.8") == 302
    # The guesser cannot pose as someone else: what it writes to the header is to the left
    # of what the proxy appended.
    assert login(web, "agent_x", "agent_x-pass-1234", "198.51.100.99, 198.51.100.7") == 429


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_address_trying_40_usernames_is_stopped(web):
    user_make("agent_z")
    answers = [login(web, f"user{n}", "guess", "203.0.113.5") for n in range(40)]
    assert answers[:ACROSS - 1] == [200] * (ACROSS - 1)
    assert set(answers[ACROSS:]) == {429}
    assert login(web, "agent_z", "agent_z-pass-1234", "203.0.113.5") == 429
    assert login(web, "agent_z", "agent_z-pass-1234", "203.0.113.6") == 302


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_username_guessed_from_many_addresses_is_stopped(web):
    user_make("agent_y")
    answers = [login(web, "agent_y", "guess", f"192.0.2.{n}") for n in range(1, 41)]
    assert answers[:ACROSS - 1] == [200] * (ACROSS - 1)
    assert set(answers[ACROSS:]) == {429}
    assert login(web, "agent_y", "agent_y-pass-1234", "192.0.2.200") == 429


@pytest.mark.parametrize(("count", "forwarded", "peer", "client"), [
    (0, "198.51.100.7", "127.0.0.1", "127.0.0.1"),  # no proxy trusted: the header is ignored
    (1, "198.51.100.7", "127.0.0.1", "198.51.100.7"),
    (1, "6.6.6.6, 198.51.100.7", "127.0.0.1", "198.51.100.7"),  # forged entry on the left
    (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "127.0.0.1", "198.51.100.7"),  # two proxies
    (2, "198.51.100.7", "127.0.0.1", "127.0.0.1"),  # fewer entries than proxies
    (1, "", "127.0.0.1", "127.0.0.1"),
])
def test_the_client_is_the_entry_the_outermost_trusted_proxy_appended(count, forwarded, peer,
                                                                      client):
    request = RequestFactory().get("/login/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert client_address(request) == client
