"""POST /ingest/raw/ through gunicorn as deployed: a body sent with ``Transfer-Encoding:
chunked`` (no Content-Length), as some mail services send it, is taken up to the size limit
and refused with 413 beyond it. Django's test client cannot send chunked bodies, so the real
server is used."""

import json
import socket
import time
import urllib.request

import pytest
from faults_support import defaults_install, needs_postgresql
from gunicorn_support import gunicorn_running
from mails import amazon_body, build_mail

from helpdesk.mail.models import RawMail
from helpdesk.mail.raw_store import blob_get

pytestmark = [needs_postgresql,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
TOKEN = "chunked-test-token"
LIMIT = 2 * 1024 * 1024


@pytest.fixture
def web(tmp_path):
    with gunicorn_running(tmp_path, INGEST_TOKEN=TOKEN, INGEST_MAX_BYTES=str(LIMIT)) as (_, port):
        yield port


@pytest.fixture
def web_base(tmp_path):
    with gunicorn_running(tmp_path, INGEST_TOKEN=TOKEN, INGEST_MAX_BYTES=str(LIMIT)) as (base, _):
        yield base


def post_chunked(port: int, body: bytes, chunk: int = 4096) -> tuple[int, dict]:
    """POST ``body`` in chunks of ``chunk`` bytes with no Content-Length; (status, JSON)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(
            b"POST /ingest/raw/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: message/rfc822\r\nTransfer-Encoding: chunked\r\n"
            + f"Authorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n".encode()
        )
        try:
            for start in range(0, len(body), chunk):
                piece = body[start:start + chunk]
                conn.sendall(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
            conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before the whole body was sent
        answer = b""
        while data := conn.recv(65536):
            answer += data
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    if b"chunked" in head.lower():  # the answer itself may be chunked
        size, _, rest = payload.partition(b"\r\n")
        payload = rest[:int(size, 16)]
    return status, json.loads(payload)


def test_a_chunked_mail_is_accepted_and_kept_byte_for_byte(web):
    mail = build_mail(message_id="<chunked1@example.test>",
                      body=amazon_body("Is it dishwasher safe?" + " really" * 5000))
    assert 30_000 < len(mail) < LIMIT
    status, answer = post_chunked(web, mail)
    assert status == 202, answer
    assert blob_get(RawMail.objects.get(pk=answer["id"]).sha256) == mail


def test_a_chunked_mail_exactly_at_the_limit_is_kept_and_one_byte_over_is_413(web):
    mail = build_mail(message_id="<chunked2@example.test>")
    at_limit = mail + b"x" * (LIMIT - len(mail))
    status, answer = post_chunked(web, at_limit, chunk=65536)
    assert status == 202, answer
    assert blob_get(RawMail.objects.get(pk=answer["id"]).sha256) == at_limit

    status, answer = post_chunked(web, at_limit.replace(b"chunked2", b"chunked3") + b"x",
                                  chunk=65536)
    assert status == 413 and str(LIMIT) in answer["error"]
    assert RawMail.objects.count() == 1


def test_a_1_1_mb_html_only_mail_is_answered_and_filed_at_once(web_base):
    """As it was found: no answer from the webhook (the worker was killed at 31 s) and no row
    for the bytes. Without a job queue the mail is filed on the request's commit."""
    defaults_install()
    block = "<div>" * 200 + "<span>spam</span>\n"
    html = "<p>Where is my parcel?</p>" + block * (1_100_000 // len(block))
    mail = (b"From: Jane <abc@marketplace.amazon.com>\r\nTo: support@example-seller.com\r\n"
            b"Subject: Question\r\nMessage-ID: <big-html@example.test>\r\nMIME-Version: 1.0"
            b"\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.encode())
    request = urllib.request.Request(f"{web_base}/ingest/raw/", data=mail, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=25) as response:
        answer = json.load(response)
    assert time.monotonic() - started < 5
    assert response.status == 202 and answer["status"] in {"stored", "received"}
    assert blob_get(RawMail.objects.get(pk=answer["id"]).sha256) == mail
