"""The same mailbox fetched by two processes at once: every mail is stored once, and the
mailbox is left as it was.

``manage.py fetch_mail`` takes its job's lock, so two cron hosts or a run that overran its
minute skip (tests/test_periodic.py); a lock lost with its database connection could still
let two fetches overlap, so two real processes fetch (``mailbox_fetch``, what the command
runs under the lock) against a real Dovecot, started together.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db.models import Count
from dovecot import Dovecot, DovecotError
from faults_support import ROOT, child_env, defaults_install, mails_generate, needs_postgresql

from helpdesk.mail.models import Mailbox, MailboxFolderState, RawMail, RawMailStatus
from helpdesk.tickets.models import Message

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.imap,
              pytest.mark.faults]
PASSWORD_ENV = "HELPDESK_TEST_IMAP_PASSWORD"
MAILS = 120
FETCH_WITHOUT_LOCK = (
    "import json, django; django.setup(); "
    "from helpdesk.mail.models import Mailbox; "
    "from helpdesk.mail.sources.imap import mailbox_fetch; "
    "print(json.dumps(mailbox_fetch(mailbox=Mailbox.objects.get(name='shop'))))"
)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    try:
        server = Dovecot(root, pool=4)
        server.start()
    except DovecotError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_two_fetchers_at_once_store_every_mail_once(dovecot):
    defaults_install()
    account = dovecot.account()
    mails = list(mails_generate(MAILS, seed=9))
    account.append("INBOX", *mails)
    flags_before = account.flags("INBOX")
    mailbox = Mailbox.objects.create(
        name="shop", host=dovecot.host, port=dovecot.port, use_tls=False,
        username=account.username, password_env=PASSWORD_ENV, folders="INBOX",
    )
    # In-process jobs: each fetcher also files what it fetched, so both race to the end.
    env = child_env(REDIS_URL="", **{PASSWORD_ENV: account.password})
    fetchers = [
        subprocess.Popen([sys.executable, "-c", FETCH_WITHOUT_LOCK], cwd=ROOT,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [fetcher.communicate(timeout=300) for fetcher in fetchers]
    assert [f.returncode for f in fetchers] == [0, 0], outputs
    summaries = [json.loads(out) for out, _ in outputs]
    # They did overlap: both took mail in, and some of it both (the second copy a duplicate).
    assert all(s["fetched"] > 0 for s in summaries), summaries
    assert sum(s["fetched"] for s in summaries) > MAILS, summaries

    assert RawMail.objects.count() == MAILS
    assert not RawMail.objects.exclude(status=RawMailStatus.STORED).exists(), list(
        RawMail.objects.exclude(status=RawMailStatus.STORED).values_list("quarantine_reason"))
    assert Message.objects.count() == MAILS
    assert not Message.objects.values("message_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert MailboxFolderState.objects.get(mailbox=mailbox, folder="INBOX").last_uid == MAILS
    assert account.flags("INBOX") == flags_before  # nothing marked read or deleted
