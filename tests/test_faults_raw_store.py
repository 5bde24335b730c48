"""The raw mail store cannot keep mail (a full disk, a path that is not a directory): every
source refuses the mail with a clear error and leaves it where it came from.

The full disk is real: a 256 KiB tmpfs filled to the last byte (mounting needs root; the
case is skipped otherwise, the other one runs everywhere).
"""

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from dovecot import Account, Dovecot, DovecotError
from mails import amazon_body, build_mail

from helpdesk.mail.models import Mailbox, MailboxFolderState, RawMail, RawMailStatus
from helpdesk.tickets.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.faults]
PASSWORD_ENV = "HELPDESK_TEST_IMAP_PASSWORD"
TOKEN = "fault-token"


def mail(n: int) -> bytes:
    return build_mail(body=amazon_body(f"Where is parcel {n}?"), message_id=f"<full-{n}@x>")


@pytest.fixture(params=["disk full", "not a directory"])
def broken_store(request, tmp_path, settings) -> Iterator[Path]:
    """RAW_MAIL_DIR set to a store that cannot take one more mail."""
    if request.param == "not a directory":
        blocked = tmp_path / "a-file"
        blocked.write_text("")
        settings.RAW_MAIL_DIR = blocked / "raw"
        yield settings.RAW_MAIL_DIR
        return
    mount = Path(tempfile.mkdtemp(prefix="helpdesk-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {done.stderr.strip()}")
    try:
        with open(mount / "filler", "wb") as filler, pytest.raises(OSError):  # ENOSPC: full
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        settings.RAW_MAIL_DIR = mount
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        mount.rmdir()


def test_the_webhook_answers_503_with_the_reason_and_keeps_nothing_half(client, settings,
                                                                        broken_store):
    settings.INGEST_TOKEN = TOKEN
    response = client.post("/ingest/raw/", data=mail(1), content_type="message/rfc822",
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503
    assert response.json()["error"].startswith("raw mail store could not keep the mail")
    assert not RawMail.objects.exists()


def test_the_ingest_command_stops_with_a_clear_error(tmp_path, broken_store):
    source = tmp_path / "mail"
    source.mkdir()
    for n in range(3):
        (source / f"{n}.eml").write_bytes(mail(n))
    with pytest.raises(CommandError) as error:
        call_command("ingest", str(source), "--json", stdout=StringIO())
    assert "raw mail store could not keep the mail" in str(error.value)
    assert "run the command again" in str(error.value)
    assert not RawMail.objects.exists()
    assert len(list(source.iterdir())) == 3  # the files are the source: still there


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    try:
        server = Dovecot(root, pool=10)
        server.start()
    except DovecotError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.imap
def test_imap_mail_stays_unfetched_and_unflagged_until_it_can_be_kept(
    dovecot, broken_store, settings, tmp_path, monkeypatch, run_jobs
):
    account: Account = dovecot.account()
    account.append("INBOX", mail(1), mail(2))
    flags_before = account.flags("INBOX")
    monkeypatch.setenv(PASSWORD_ENV, account.password)
    mailbox = Mailbox.objects.create(
        name="shop", host=dovecot.host, port=dovecot.port, use_tls=False,
        username=account.username, password_env=PASSWORD_ENV, folders="INBOX",
    )
    out = StringIO()
    call_command("fetch_mail", "--json", stdout=out)
    summary = json.loads(out.getvalue())["shop"]
    assert summary["fetched"] == 0 and summary["errors"] == 1
    assert "INBOX: UID 1 could not be kept, stopped there: raw mail store could not keep" in (
        summary["error"]
    )
    assert account.flags("INBOX") == flags_before  # not \Seen, not \Deleted, not moved
    assert MailboxFolderState.objects.get(mailbox=mailbox, folder="INBOX").last_uid == 0
    assert not RawMail.objects.exists()

    # The disk has room again: the next poll takes both, once each.
    settings.RAW_MAIL_DIR = tmp_path / "raw-again"
    call_command("fetch_mail", "--json", stdout=StringIO())
    run_jobs()
    assert RawMail.objects.filter(status=RawMailStatus.STORED).count() == 2
    assert Message.objects.count() == 2
    assert account.flags("INBOX") == flags_before
    assert os.listdir(settings.RAW_MAIL_DIR)
