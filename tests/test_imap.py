"""IMAP fetching against a real Dovecot (tests/dovecot.py): `manage.py fetch_mail` and
``mailbox_fetch``. The tests fail, not skip, when Dovecot is not installed."""

import json
import shutil
import socket
import tempfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from dovecot import Account, Dovecot, DovecotError
from ingest_support import filed, shown_after
from mails import amazon_body, build_mail

from helpdesk.mail.models import Mailbox, MailboxFolderState, RawMail, RawMailStatus
from helpdesk.mail.raw_store import blob_get
from helpdesk.mail.services import mails_ingest
from helpdesk.mail.sources import imap
from helpdesk.mail.sources.files import mails_read, paths_expand
from helpdesk.mail.sources.imap import _examine, _new_uids, imap_mailbox_name
from helpdesk.tickets.models import Message

pytestmark = [pytest.mark.imap, pytest.mark.django_db]

FIXTURE_MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
PASSWORD_ENV = "HELPDESK_TEST_IMAP_PASSWORD"
UMLAUT_USER, UMLAUT_PASSWORD = "umlaut", "Geheim-Wörter-ß"

ORDER = "203-6618254-7730915"
BUYER = '"Oliver Hughes - Amazon Marketplace" <x8bzj3kz081z2jp@marketplace.amazon.co.uk>'


def buyer_mail(n: int, words: str = "The case is purple, I ordered Midnight Blue.") -> bytes:
    return build_mail(
        message_id=f"<buyer-{n}@amazonses.example>",
        sender=BUYER,
        subject=f"Return policy inquiry from Amazon customer Oliver Hughes (Order: {ORDER})",
        body=amazon_body(words, order_id=ORDER),
        date=f"Sat, 24 Oct 2026 17:0{n}:00 +0000",
    )


def seller_reply(n: int = 1) -> bytes:
    return build_mail(
        message_id=f"<reply-{n}@example-seller.com>",
        sender='"Example Seller Support" <support@example-seller.com>',
        to="x8bzj3kz081z2jp@marketplace.amazon.co.uk",
        subject=f"RE: Return policy inquiry from Amazon customer Oliver Hughes (Order: {ORDER})",
        body="Hi Oliver, a Midnight Blue case goes out to you tomorrow.",
        date="Sun, 25 Oct 2026 17:30:00 +0000",
        headers={"In-Reply-To": "<buyer-1@amazonses.example>"},
    )


# Fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    # Not pytest's tmp_path: that lies under a 0700 directory, which Dovecot's unprivileged
    # processes could not enter when the tests run as root.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    error = ""
    try:
        server = Dovecot(root)
        server.user_add(UMLAUT_USER, UMLAUT_PASSWORD)
        server.start()
    except DovecotError as exc:
        error = str(exc)
    if error:
        # Fail, not skip: a missing Dovecot must not pass as green.
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(error, pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def account(dovecot: Dovecot) -> Account:
    """A fresh, empty account with INBOX and Sent."""
    account = dovecot.account()
    account.folder_create("Sent")
    return account


@pytest.fixture
def mailbox(account: Account, dovecot: Dovecot, monkeypatch) -> Mailbox:
    monkeypatch.setenv(PASSWORD_ENV, account.password)
    return Mailbox.objects.create(
        name="shop", host=dovecot.host, port=dovecot.port, use_tls=False,
        username=account.username, password_env=PASSWORD_ENV, folders="INBOX,Sent",
    )


@pytest.fixture
def fetch(run_jobs):
    """Run `fetch_mail --json`, then the ingest jobs it queued; return its JSON."""

    def fetch(*args: str) -> dict:
        out = StringIO()
        call_command("fetch_mail", "--json", *args, stdout=out)
        run_jobs()
        return json.loads(out.getvalue())

    return fetch


def last_uid(mailbox: Mailbox, folder: str) -> int:
    return MailboxFolderState.objects.get(mailbox=mailbox, folder=folder).last_uid


# Tests ---------------------------------------------------------------------------------


def test_inbox_and_sent_become_ticket_messages(account, mailbox, fetch):
    account.append("INBOX", buyer_mail(1), buyer_mail(2, "Could you send a return label?"))
    account.append("Sent", seller_reply())

    summary = fetch()

    assert summary == {"shop": {
        "reached": True, "fetched": 3, "stored": 0, "queued": 3, "duplicates": 0,
        "quarantined": 0, "errors": 0, "error": "",
    }}
    messages = {m.message_id: m for m in Message.objects.select_related("raw")}
    assert set(messages) == {
        "<buyer-1@amazonses.example>", "<buyer-2@amazonses.example>",
        "<reply-1@example-seller.com>",
    }
    reply = messages["<reply-1@example-seller.com>"]
    assert reply.direction == "out"  # From a SELLER_ADDRESSES address, in Sent
    assert messages["<buyer-1@amazonses.example>"].direction == "in"
    assert len({m.ticket_id for m in messages.values()}) == 1  # one conversation
    assert reply.raw.source == "imap:shop/Sent/1"
    assert RawMail.objects.filter(status=RawMailStatus.STORED).count() == 3
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""
    assert (last_uid(mailbox, "INBOX"), last_uid(mailbox, "Sent")) == (2, 1)


def test_a_second_fetch_gets_only_what_is_new(account, mailbox, fetch):
    account.append("INBOX", buyer_mail(1))
    assert fetch()["shop"]["fetched"] == 1

    assert fetch()["shop"]["fetched"] == 0

    account.append("INBOX", buyer_mail(2, "Any news on my return?"))
    summary = fetch()["shop"]
    assert (summary["fetched"], summary["queued"], summary["duplicates"]) == (1, 1, 0)
    assert RawMail.objects.get(source="imap:shop/INBOX/2").status == RawMailStatus.STORED
    assert Message.objects.count() == 2


def test_the_mailbox_is_left_as_it_was(account, mailbox, fetch):
    account.append("INBOX", buyer_mail(1), buyer_mail(2, "Hello?"))
    account.append("Sent", seller_reply())
    before = {folder: account.flags(folder) for folder in ("INBOX", "Sent")}
    assert all("\\Seen" not in flags for flags in before["INBOX"].values())

    fetch()

    after = {folder: account.flags(folder) for folder in ("INBOX", "Sent")}
    assert after == before  # the same messages, no \Seen, no \Deleted
    assert len(after["INBOX"]) == 2 and len(after["Sent"]) == 1


def test_a_renumbered_folder_is_read_again(account, mailbox, fetch):
    account.append("Sent", seller_reply(1))
    assert fetch()["shop"]["fetched"] == 1
    old_validity = account.uid_validity("Sent")

    # The folder is recreated (a restore, a server move): UIDs start again at 1, so the new
    # mail gets the UID the old one had, and the stored last UID says "already read".
    account.folder_delete("Sent")
    account.folder_create("Sent")
    account.append("Sent", seller_reply(2), seller_reply(1))
    assert account.uid_validity("Sent") != old_validity

    summary = fetch()["shop"]

    assert (summary["fetched"], summary["queued"], summary["duplicates"]) == (2, 1, 1)
    state = MailboxFolderState.objects.get(mailbox=mailbox, folder="Sent")
    assert (state.uid_validity, state.last_uid) == (account.uid_validity("Sent"), 2)
    assert Message.objects.filter(message_id="<reply-2@example-seller.com>").exists()


def test_uid_n_star_quirk_does_not_refetch_the_newest_mail(account):
    account.append("INBOX", buyer_mail(1), buyer_mail(2))
    with account.session() as conn:
        _examine(conn, "INBOX")
        # The server's answer to "UIDs from 10 on" is the newest message, UID 2...
        assert conn.uid("SEARCH", "UID", "10:*") == ("OK", [b"2"])
        # ...which is not new (the search without UIDNEXT is the one that uses "n:*").
        assert list(_new_uids(conn, 2, None)) == []
        assert list(_new_uids(conn, 1, None)) == [2]
        assert list(_new_uids(conn, 0, 3)) == [1, 2]


def test_a_wrong_password_fails_the_command_clearly(account, mailbox, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    out = StringIO()

    with pytest.raises(CommandError, match=r"could not fetch mail from: shop \(could not log in"):
        call_command("fetch_mail", "--json", stdout=out)

    assert json.loads(out.getvalue())["shop"]["reached"] is False
    mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in mailbox.last_error
    assert account.username in mailbox.last_error


def test_a_missing_password_variable_is_named(mailbox, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(CommandError, match=f"environment variable {PASSWORD_ENV} is not set"):
        call_command("fetch_mail", stdout=StringIO())


def test_one_unreachable_mailbox_does_not_stop_the_others(
    account, mailbox, dovecot, fetch, run_jobs
):
    Mailbox.objects.create(
        name="gone", host="127.0.0.1", port=_closed_port(), use_tls=False,
        username="x", password_env=PASSWORD_ENV,
    )
    Mailbox.objects.create(
        name="paused", host="127.0.0.1", port=1, use_tls=False, username="x",
        password_env=PASSWORD_ENV, active=False,
    )
    account.append("INBOX", buyer_mail(1))
    out = StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("fetch_mail", stdout=out)

    assert "gone (could not connect to 127.0.0.1:" in str(failure.value)
    assert "shop" not in str(failure.value)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("gone: not fetched: could not connect")
    assert lines[1] == (
        "shop: fetched 1 (stored 0, queued 1, duplicates 0, quarantined 0), errors 0"
    )
    assert len(lines) == 2  # the inactive mailbox is not polled
    # Named explicitly, only that mailbox is polled.
    run_jobs()
    assert fetch("--mailbox", "shop") == {"shop": {
        "reached": True, "fetched": 0, "stored": 0, "queued": 0, "duplicates": 0,
        "quarantined": 0, "errors": 0, "error": "",
    }}


def test_tls_against_a_plain_port_is_a_clear_connect_error(mailbox, dovecot):
    mailbox.use_tls = True
    mailbox.save()
    with pytest.raises(CommandError) as failure:
        call_command("fetch_mail", stdout=StringIO())
    assert f"shop (could not connect to 127.0.0.1:{dovecot.port}: " in str(failure.value)


def test_a_lost_connection_stops_the_poll_where_it_was(account, mailbox, fetch, monkeypatch):
    account.append("INBOX", buyer_mail(1), buyer_mail(2, "Hello?"))
    account.append("Sent", seller_reply())
    real_fetch = imap._fetch

    def fetch_then_drop(conn, uid):
        raw = real_fetch(conn, uid)
        conn.shutdown()  # the server goes away after the first mail
        return raw

    monkeypatch.setattr(imap, "_fetch", fetch_then_drop)
    summary = fetch()["shop"]

    assert summary["reached"] is True
    assert (summary["fetched"], summary["errors"]) == (1, 1)
    assert summary["error"].startswith("INBOX: connection lost")
    assert last_uid(mailbox, "INBOX") == 1
    assert not MailboxFolderState.objects.filter(folder="Sent").exists()  # not tried

    monkeypatch.setattr(imap, "_fetch", real_fetch)
    summary = fetch()["shop"]
    assert (summary["fetched"], summary["errors"]) == (2, 0)
    assert Message.objects.count() == 3


def test_mail_that_cannot_be_kept_is_not_marked_fetched(
    account, mailbox, fetch, settings, tmp_path
):
    account.append("INBOX", buyer_mail(1), buyer_mail(2, "Hello?"))
    account.append("Sent", seller_reply())
    # The raw store's directory cannot be made: its parent is a file. (chmod would not
    # stop root, which the tests may run as.)
    (tmp_path / "not-a-directory").write_text("")
    settings.RAW_MAIL_DIR = tmp_path / "not-a-directory" / "raw"

    summary = fetch()["shop"]

    assert summary["reached"] is True  # the mailbox was fine: no command failure
    assert (summary["fetched"], summary["errors"]) == (0, 2)
    assert "INBOX: UID 1 could not be kept" in summary["error"]
    assert "Sent: UID 1 could not be kept" in summary["error"]
    assert (last_uid(mailbox, "INBOX"), last_uid(mailbox, "Sent")) == (0, 0)
    assert not RawMail.objects.exists()

    settings.RAW_MAIL_DIR = tmp_path / "raw-again"
    summary = fetch()["shop"]

    assert (summary["fetched"], summary["queued"], summary["errors"]) == (3, 3, 0)
    assert Message.objects.count() == 3
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_non_ascii_password_and_folder_name(dovecot, fetch, monkeypatch):
    account = Account(dovecot, UMLAUT_USER, UMLAUT_PASSWORD)
    # Created with its name as IMAP writes it (modified UTF-7), to check our encoding.
    account.folder_create("Entw&APw-rfe &- Notizen")
    account.append("Entw&APw-rfe &- Notizen", seller_reply())
    account.append("INBOX", buyer_mail(1))
    monkeypatch.setenv(PASSWORD_ENV, UMLAUT_PASSWORD)
    Mailbox.objects.create(
        name="mugshop", host=dovecot.host, port=dovecot.port, use_tls=False,
        username=UMLAUT_USER, password_env=PASSWORD_ENV, folders="INBOX, Entwürfe & Notizen",
    )

    summary = fetch()["mugshop"]

    assert (summary["fetched"], summary["errors"]) == (2, 0), summary["error"]
    assert RawMail.objects.filter(source="imap:mugshop/Entwürfe & Notizen/1").exists()


def test_folder_names_are_encoded_for_imap():
    assert imap_mailbox_name("INBOX") == '"INBOX"'
    assert imap_mailbox_name("Entwürfe") == '"Entw&APw-rfe"'
    assert imap_mailbox_name('A & "B"') == '"A &- \\"B\\""'
    assert imap_mailbox_name("日本語") == '"&ZeVnLIqe-"'  # RFC 3501's own example


def test_a_missing_folder_is_an_error_of_that_folder_only(account, mailbox, fetch):
    mailbox.folders = "INBOX,Archive,Sent"
    mailbox.save()
    account.append("INBOX", buyer_mail(1))
    account.append("Sent", seller_reply())

    summary = fetch()["shop"]

    assert (summary["fetched"], summary["errors"]) == (2, 1)
    assert summary["error"].startswith("Archive: could not be opened")


def test_every_fixture_mail_arrives_unchanged(account, mailbox, fetch):
    """The whole fixture corpus through IMAP: seller mail in Sent, the rest in INBOX."""
    files = sorted(FIXTURE_MAIL.rglob("*.eml"))
    assert files, f"no fixture mail in {FIXTURE_MAIL}"
    sent = [f for f in files if f.parent.name == "seller"]
    inbox = [f for f in files if f.parent.name != "seller"]
    account.append("INBOX", *(f.read_bytes() for f in inbox))
    account.append("Sent", *(f.read_bytes() for f in sent))

    summary = fetch()["shop"]

    assert summary["errors"] == 0, summary["error"]
    assert summary["fetched"] == len(files)
    assert summary["queued"] + summary["duplicates"] + summary["quarantined"] == len(files)
    assert not RawMail.objects.filter(status=RawMailStatus.RECEIVED).exists()
    for folder, paths in (("INBOX", inbox), ("Sent", sent)):
        for uid, path in enumerate(paths, start=1):
            raw = RawMail.objects.filter(source=f"imap:shop/{folder}/{uid}").first()
            if raw is None:
                continue  # a duplicate of an earlier fixture
            # IMAP carries mail with CRLF line ends; otherwise the bytes are the file's.
            assert _lf(blob_get(raw.sha256)) == _lf(path.read_bytes()), path
    sent_messages = Message.objects.filter(raw__source__startswith="imap:shop/Sent/")
    assert sent_messages.count() == len(sent)
    assert set(sent_messages.values_list("direction", flat=True)) == {"out"}


def _lf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]



def test_imap_the_webhook_and_files_file_the_same_mail_into_the_same_tickets(
    account, mailbox, fetch, client, run_jobs, settings
):
    """Whichever way the mail came in, and in whichever order, the tickets and clocks are
    those of the mail held."""
    settings.INGEST_TOKEN = "path-test-token"
    files = sorted(FIXTURE_MAIL.rglob("*.eml"))
    mails = [path.read_bytes() for path in files]
    by_files = filed([mails])

    sent = [path.read_bytes() for path in files if path.parent.name == "seller"]
    inbox = [path.read_bytes() for path in files if path.parent.name != "seller"]
    # The Sent folder fetched after INBOX, each folder newest first.
    account.append("INBOX", *reversed(inbox))
    account.append("Sent", *reversed(sent))
    by_imap = shown_after(fetch)

    def post_all() -> None:
        # The seller's Sent folder exported to files (a trusted source) and imported after
        # the inbox, which a mail service posts to the webhook.
        for raw in inbox:
            client.post("/ingest/raw/", data=raw, content_type="message/rfc822",
                        headers={"Authorization": "Bearer path-test-token"})
        run_jobs()
        mails_ingest([("sent-export", raw) for raw in sent])

    by_webhook = shown_after(post_all)
    assert by_imap == by_files
    assert by_webhook == by_files


def test_seller_mail_counts_as_a_reply_only_from_a_folder_marked_as_sent(
    account, mailbox, fetch
):
    """Anyone can send the shop a mail "from" its own address: in INBOX it is shown but ends
    no clock; the seller's Sent folder (marked in admin) is trusted."""
    forged = build_mail(
        message_id="<forged-1@attacker.example>",
        sender='"Example Seller Support" <support@example-seller.com>',
        to="x8bzj3kz081z2jp@marketplace.amazon.co.uk", subject="RE: Return policy",
        body="Sorted.", date="Sat, 24 Oct 2026 17:05:00 +0000",
        headers={"In-Reply-To": "<buyer-1@amazonses.example>"},
    )
    account.append("INBOX", buyer_mail(1), forged)
    fetch()
    message = Message.objects.get(message_id="<forged-1@attacker.example>")
    assert "INBOX" in message.untrusted_reason
    assert message.ticket.obligations.get().is_open

    account.append("Sent", seller_reply())
    fetch()
    reply = Message.objects.get(message_id="<reply-1@example-seller.com>")
    assert reply.untrusted_reason == ""
    assert not reply.ticket.obligations.get().is_open


def test_a_folder_not_marked_as_sent_is_not_trusted(account, mailbox, fetch):
    mailbox.sent_folders = ""
    mailbox.save()
    account.append("INBOX", buyer_mail(1))
    account.append("Sent", seller_reply())
    fetch()
    reply = Message.objects.get(message_id="<reply-1@example-seller.com>")
    assert "Sent" in reply.untrusted_reason
    assert reply.ticket.obligations.get().is_open


def test_a_mail_over_the_size_limit_becomes_a_ticket_and_does_not_block_the_folder(
    account, mailbox, fetch, settings
):
    settings.INGEST_MAX_BYTES = 20_000
    photos = "Here are the photos of the broken case. " + "QUJD" * 10_000  # ~40 KB
    account.append("INBOX", buyer_mail(1, photos), buyer_mail(2, "Any news?"))

    summary = fetch()["shop"]

    assert (summary["fetched"], summary["errors"]) == (2, 0), summary["error"]
    big = Message.objects.get(message_id="<buyer-1@amazonses.example>")
    # The ticket is there, from the buyer and with the order, and says where the mail is.
    assert big.ticket.order.order_id == ORDER and big.from_address.endswith("amazon.co.uk")
    assert "larger than" in big.buyer_text and "INBOX" in big.buyer_text
    raw = blob_get(RawMail.objects.get(source="imap:shop/INBOX/1").sha256)
    assert len(raw) < settings.INGEST_MAX_BYTES and b"QUJDQUJD" not in raw
    assert Message.objects.filter(message_id="<buyer-2@amazonses.example>").exists()
    assert last_uid(mailbox, "INBOX") == 2


@pytest.mark.parametrize("when", ["before its size is asked", "before it is fetched"])
def test_a_mail_deleted_by_the_sellers_mail_program_during_the_poll_is_skipped_not_stuck(
    account, mailbox, fetch, monkeypatch, when
):
    account.append("INBOX", buyer_mail(1), buyer_mail(2, "Hello?"), buyer_mail(3, "Hello!"))

    def expunge_uid_2() -> None:
        with account.session() as other:  # another client, as the seller's Outlook
            other.select("INBOX")
            other.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
            other.expunge()

    real_sizes, real_fetch = imap._sizes, imap._fetch

    def sizes_after_delete(conn, uids):
        expunge_uid_2()
        return real_sizes(conn, uids)

    def fetch_after_delete(conn, uid):
        if uid == 2:
            expunge_uid_2()
        return real_fetch(conn, uid)

    if when == "before its size is asked":
        monkeypatch.setattr(imap, "_sizes", sizes_after_delete)
    else:
        monkeypatch.setattr(imap, "_fetch", fetch_after_delete)
    summary = fetch()["shop"]

    assert summary["errors"] == 0, summary["error"]
    assert last_uid(mailbox, "INBOX") == 3
    kept = set(RawMail.objects.values_list("source", flat=True))
    assert {"imap:shop/INBOX/1", "imap:shop/INBOX/3"} <= kept
    # The next poll neither fetches anything again nor stops at the gap.
    monkeypatch.setattr(imap, "_sizes", real_sizes)
    monkeypatch.setattr(imap, "_fetch", real_fetch)
    assert fetch()["shop"]["fetched"] == 0



def test_the_real_world_corpus_fetched_from_the_mailbox_shows_what_its_files_show(
    account, mailbox, fetch, corpora
):
    """The mailbox carries every mail with CRLF line ends where the files have LF: among
    them mails of one second under one Message-ID, which must still thread alike."""
    mails = [raw for path in paths_expand([corpora]) for _, raw in mails_read(path)]
    by_files = filed([mails])
    account.append("INBOX", *mails[::-1])
    assert shown_after(fetch) == by_files
