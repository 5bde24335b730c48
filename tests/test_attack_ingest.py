"""POST /ingest/raw/ under attack: credentials in the wrong place, bodies too large (refused
before they are read), empty, garbage, mislabelled or a form upload. Whatever is taken is
kept byte for byte, stored or quarantined with a reason; whatever is refused says why.
(The plain cases, a valid token, 401, 413 by Content-Length and an empty body, are in
test_http_ingest.py.)"""

import socket
from urllib.parse import urlsplit

import pytest
from mails import amazon_body, build_mail

from helpdesk.mail import parse
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.raw_store import blob_get

URL = "/ingest/raw/"
TOKEN = "s3cret-token-for-attack-tests"
LIMIT = 64 * 1024


@pytest.fixture(autouse=True)
def _token(settings):
    settings.INGEST_TOKEN = TOKEN
    settings.INGEST_MAX_BYTES = LIMIT


def post(client, body: bytes, *, content_type: str = "message/rfc822", **headers):
    headers.setdefault("Authorization", f"Bearer {TOKEN}")
    # generic(): the bytes go as they are, whatever charset the content type claims.
    return client.generic("POST", URL, data=body, content_type=content_type, headers=headers)


def kept(response, body: bytes) -> RawMail:
    """The mail the answer names: its bytes are the ones posted."""
    assert response.status_code == 202, response.content
    raw_mail = RawMail.objects.get(pk=response.json()["id"])
    assert blob_get(raw_mail.sha256) == body
    return raw_mail


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": TOKEN},
    {"Authorization": f"Bearer {TOKEN[:-1]}"},
    {"Authorization": f"Bearer {TOKEN} {TOKEN}"},
    {"Authorization": "", "X-Ingest-Token": TOKEN},
    {"Authorization": f"Bearer {TOKEN.upper()}"},
])
def test_the_token_anywhere_but_a_bearer_header_is_refused(client, headers):
    response = post(client, build_mail(), **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not RawMail.objects.exists()


@pytest.mark.django_db
def test_the_token_in_the_query_string_is_refused(client):
    response = client.post(f"{URL}?token={TOKEN}", data=build_mail(),
                           content_type="message/rfc822")
    assert response.status_code == 401 and not RawMail.objects.exists()


@pytest.mark.django_db
def test_a_huge_declared_length_is_refused_before_the_body_is_read(client):
    response = post(client, b"From: a@b.c\n\nhi", CONTENT_LENGTH=str(10**12))
    assert response.status_code == 413
    assert not RawMail.objects.exists()


@pytest.mark.django_db
def test_an_invalid_content_length_is_a_clear_400(client):
    response = post(client, build_mail(), CONTENT_LENGTH="lots")
    assert response.status_code == 400 and "Content-Length" in response.json()["error"]
    assert not RawMail.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_server_answers_413_without_waiting_for_a_10_gb_body(live_server):
    # A real socket: the client declares 10 GB and sends 1 KiB. A server that read the body
    # would wait for the rest; this one answers at once and keeps nothing.
    host = urlsplit(live_server.url)
    with socket.create_connection((host.hostname, host.port), timeout=10) as sock:
        sock.sendall(
            f"POST {URL} HTTP/1.1\r\nHost: {host.hostname}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: message/rfc822\r\n"
            f"Content-Length: {10 * 1024**3}\r\n\r\n".encode() + b"x" * 1024
        )
        answer = sock.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert not RawMail.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"", b"   \r\n\r\n\t ", b"\n"])
def test_an_empty_or_blank_body_is_a_clear_400_and_nothing_is_kept(client, body):
    response = post(client, body)
    assert response.status_code == 400 and "empty" in response.json()["error"]
    assert not RawMail.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "reason"), [
    (bytes(range(256)) * 8, "binary"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "Outlook"),
    (b"\xff\xfe\xfd garbage without any header at all", "no header block"),
    (b'{\n  "from": "buyer@example.com",\n  "text": "where is my order?"\n}', "no header block"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "no header block"),
])
def test_garbage_is_kept_and_quarantined_with_the_reason(client, run_jobs, body, reason):
    response = post(client, body, content_type="application/octet-stream")
    run_jobs()
    raw_mail = kept(response, body)
    raw_mail.refresh_from_db()
    assert raw_mail.status == RawMailStatus.QUARANTINED
    assert reason in raw_mail.quarantine_reason


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", [
    "application/json", "text/plain", "application/octet-stream", "image/png", "",
    "message/rfc822; charset=bogus-charset",
])
def test_a_mail_with_any_non_form_content_type_is_a_mail(client, run_jobs, content_type):
    # Webhook senders label the body as they please; the bytes are what count.
    body = build_mail(body=amazon_body("Labelled oddly"), message_id=f"<{content_type!r}@t>")
    response = post(client, body, content_type=content_type)
    run_jobs()
    raw_mail = kept(response, body)
    raw_mail.refresh_from_db()
    assert raw_mail.status == RawMailStatus.STORED
    assert raw_mail.message.buyer_text == "Labelled oddly"


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", [
    "multipart/form-data; boundary=----abc",
    "multipart/form-data",  # no boundary at all
    "multipart/form-data; boundary=",  # an empty one
    "application/x-www-form-urlencoded",
])
def test_a_form_upload_is_refused_with_a_clear_415(client, content_type):
    body = (b"------abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.eml\""
            b"\r\n\r\n" + build_mail() + b"\r\n------ab")  # and the boundary is broken
    response = post(client, body, content_type=content_type)
    assert response.status_code == 415
    assert "raw mail as the body" in response.json()["error"]
    assert not RawMail.objects.exists()


@pytest.mark.django_db
def test_a_mail_whose_own_multipart_boundary_is_broken_is_kept(client, run_jobs):
    body = (
        b"From: Jane <abc123xyz@marketplace.amazon.com>\r\nTo: support@example-seller.com\r\n"
        b"Subject: broken parts\r\nMessage-ID: <broken@t>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="NOT-THERE"\r\n\r\n'
        b"--SOMETHING-ELSE\r\nContent-Type: text/plain\r\n\r\nHello?\r\n--SOMETHING-ELSE--"
    )
    response = post(client, body)
    run_jobs()
    raw_mail = kept(response, body)
    raw_mail.refresh_from_db()
    assert raw_mail.status in (RawMailStatus.STORED, RawMailStatus.QUARANTINED)
    if raw_mail.status == RawMailStatus.QUARANTINED:
        assert raw_mail.quarantine_reason


@pytest.mark.django_db
def test_a_mail_just_under_the_limit_is_kept_whole_and_one_byte_over_is_not(client, run_jobs):
    head = build_mail(body="x", message_id="<edge@t>")
    body = head + b"y" * (LIMIT - len(head))
    assert len(body) == LIMIT
    kept(post(client, body), body)
    over = build_mail(body="x", message_id="<over@t>")
    over += b"y" * (LIMIT + 1 - len(over))
    assert post(client, over).status_code == 413
    assert RawMail.objects.count() == 1


def nested_multiparts(depth: int, words: bytes, *, message_id: str) -> bytes:
    head = build_mail(body="", message_id=message_id).split(b"\n\n", 1)[0]
    head = b"\n".join(line for line in head.split(b"\n") if not line.startswith(b"Content-"))
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i)
                       for i in range(depth))
    closing = b"".join(b"--b%d--\n" % i for i in reversed(range(depth)))
    return head + b"\n" + opening + b"Content-Type: text/plain\n\n" + words + b"\n" + closing


@pytest.mark.django_db
def test_multiparts_nested_hundreds_deep_are_quarantined_at_once_and_hold_up_nothing(
    client, run_jobs, settings, admin_client
):
    """The parser checks each line against the boundary of every multipart around it: 300
    levels around 400,000 short lines (1.2 MB) took 16 s, 25 MB hours of a backlog run, with
    the mail behind it waiting. Refused at the 21st level, it reads the lines that open
    those levels, not the 400,000 inside them (counted, not timed: a loaded machine makes
    any time)."""
    settings.INGEST_MAX_BYTES = 25 * 1024 * 1024
    bomb = nested_multiparts(300, b"x\n" * 400_000, message_id="<deep@t>")
    lines_read = []
    read_line = parse._NestingBounded.readline

    def counted(self):
        lines_read.append(1)
        return read_line(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse._NestingBounded, "readline", counted)
        with pytest.raises(parse.ParseError, match="nested more than 20 deep"):
            parse.parse_mail(bomb)
    assert len(lines_read) < 1_000
    behind = build_mail(body=amazon_body("Where is my parcel?"), message_id="<behind@t>")
    bomb_kept, behind_kept = kept(post(client, bomb), bomb), kept(post(client, behind), behind)
    run_jobs()
    bomb_kept.refresh_from_db()
    behind_kept.refresh_from_db()
    assert bomb_kept.status == RawMailStatus.QUARANTINED
    assert bomb_kept.quarantine_reason == "MIME parts nested more than 20 deep"
    assert behind_kept.message.buyer_text == "Where is my parcel?"
    listing = admin_client.get("/admin/mail/rawmail/?status=quarantined").content.decode()
    assert "MIME parts nested more than 20 deep" in listing


@pytest.mark.django_db
def test_multiparts_nested_twenty_deep_are_still_read(client, run_jobs):
    body = nested_multiparts(20, amazon_body("Twenty deep").encode(), message_id="<twenty@t>")
    response = post(client, body)
    run_jobs()
    raw_mail = kept(response, body)
    raw_mail.refresh_from_db()
    assert raw_mail.message.buyer_text == "Twenty deep"


def attached_in_each_other(depth: int, words: str, *, message_id: str) -> bytes:
    """A buyer's ``words`` in a mail attached (``message/rfc822``, the whole body) in a mail,
    ``depth`` times over: a bounce of a bounce, a forward of a forward."""
    mail = build_mail(body=amazon_body(words), message_id=f"<first-{message_id[1:]}")
    for level in range(depth):
        mail = (
            f"From: desk{level}@example-seller.com\nSubject: Fwd: parcel\n"
            f"Message-ID: <fwd{level}-{message_id[1:]}\nMIME-Version: 1.0\n"
            "Content-Type: message/rfc822\n\n"
        ).encode() + mail
    return mail


@pytest.mark.django_db
def test_mails_attached_in_mails_hundreds_deep_are_quarantined_alike_on_every_path(
    client, run_jobs, admin_client, settings
):
    """Each mail attached in the next costs the parser no line check but a Python frame, so
    whether such a chain was filed hung on the stack its caller had left: 850 levels were
    filed by an import and quarantined ("maximum recursion depth exceeded") when read 150
    frames deeper. One bound now, the same on every path, with its reason."""
    settings.INGEST_MAX_BYTES = 1024 * 1024
    reason = "MIME parts and attached mails nested more than 50 deep"
    chain = attached_in_each_other(300, "Where is my parcel?", message_id="<chain@t>")
    behind = build_mail(body=amazon_body("Where is my mug?"), message_id="<after-chain@t>")
    chain_kept, behind_kept = kept(post(client, chain), chain), kept(post(client, behind), behind)
    run_jobs()
    chain_kept.refresh_from_db()
    behind_kept.refresh_from_db()
    assert (chain_kept.status, chain_kept.quarantine_reason) == (RawMailStatus.QUARANTINED,
                                                                   reason)
    assert behind_kept.message.buyer_text == "Where is my mug?"
    admin_client.post("/admin/mail/rawmail/", {"action": "retry",
                                               "_selected_action": [chain_kept.pk]})
    chain_kept.refresh_from_db()
    assert (chain_kept.status, chain_kept.quarantine_reason) == (RawMailStatus.QUARANTINED,
                                                                   reason)


@pytest.mark.django_db
def test_a_mail_attached_in_mails_forty_deep_is_still_read(client, run_jobs):
    body = attached_in_each_other(40, "Where is my parcel?", message_id="<twenty-fwd@t>")
    response = post(client, body)
    run_jobs()
    raw_mail = kept(response, body)
    raw_mail.refresh_from_db()
    assert "Where is my parcel?" in raw_mail.message.buyer_text
