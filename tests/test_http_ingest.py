"""POST /ingest/raw/: the inbound webhook for mail services."""

import pytest
from mails import amazon_body, build_mail

from helpdesk.mail.models import RawMail
from helpdesk.tickets.models import Message

pytestmark = pytest.mark.django_db
URL = "/ingest/raw/"
TOKEN = "s3cret-token-for-tests"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.INGEST_TOKEN = TOKEN
    settings.INGEST_MAX_BYTES = 64 * 1024


def post(client, body: bytes, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post(URL, data=body, content_type="message/rfc822", headers=headers)


def test_a_mail_is_accepted_and_stored(client, run_jobs):
    response = post(client, build_mail(body=amazon_body("Via webhook")))
    run_jobs()
    assert response.status_code == 202
    body = response.json()
    raw_mail = RawMail.objects.get(pk=body["id"])
    assert Message.objects.get(raw=raw_mail).buyer_text == "Via webhook"


def test_the_same_mail_posted_twice_is_stored_once(client, run_jobs):
    raw = build_mail(body=amazon_body("Twice"))
    post(client, raw)
    run_jobs()
    second = post(client, raw)
    run_jobs()
    assert second.status_code == 202 and second.json()["status"] == "duplicate"
    assert Message.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x"])
def test_without_a_valid_token_401_and_nothing_stored(client, token):
    response = post(client, build_mail(), token=token)
    assert response.status_code == 401
    assert not RawMail.objects.exists()


def test_no_token_configured_refuses_everything(client, settings):
    settings.INGEST_TOKEN = ""
    assert post(client, build_mail(), token="").status_code == 401


def test_over_the_size_limit_413(client):
    big = build_mail(body="x" * (70 * 1024))
    assert post(client, big).status_code == 413
    assert not RawMail.objects.exists()


def test_empty_body_is_a_clear_400(client):
    response = post(client, b"")
    assert response.status_code == 400 and "empty" in response.json()["error"]


def test_get_is_not_allowed(client):
    assert client.get(URL, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 405


def test_garbage_is_quarantined_not_refused(client, run_jobs):
    # The webhook only keeps what it is sent and answers; the backlog run finds it is no mail.
    response = post(client, b"\x00\x00\x00 binary junk")
    assert response.status_code == 202
    assert response.json()["status"] == "received"
    run_jobs()
    assert RawMail.objects.get().status == "quarantined"
    assert "binary" in RawMail.objects.get().quarantine_reason
