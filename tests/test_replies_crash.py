"""A send job killed mid-send and retried: the buyer gets exactly one mail.

The worker is a real ``manage.py outbox_retry`` process; the SMTP server holds the session at
a chosen step until the test has SIGKILLed it. Killed while the server was taking the mail
(after DATA), the delivery is unknown and the reply is never sent again by itself; killed
before DATA, nothing reached the server and the retry sends it.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from replies_support import BUYER, buyer_ticket, mailer_settings, smtp_server

from helpdesk.replies.models import Outbox, OutboxState
from helpdesk.replies.outbox import outbox_confirm_delivered, outbox_retry
from helpdesk.replies.sending import LEASE
from helpdesk.replies.services import reply_send
from helpdesk.tickets.models import TimelineEvent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def database_for_child(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL under which another process sees and changes this test's data."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
        yield f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        return
    # SQLite's test database lives in this process's memory: the child works on a file copy
    # and its changes are copied back when it is gone.
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    yield f"sqlite:///{path}"
    with closing(sqlite3.connect(path)) as copy:
        copy.backup(connection.connection)


def worker(database_url: str, port: int, settings) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "",
           "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
           "SELLER_ADDRESSES": ",".join(settings.SELLER_ADDRESSES),
           "RAW_MAIL_DIR": str(settings.RAW_MAIL_DIR)}
    return subprocess.Popen([sys.executable, "manage.py", "outbox_retry"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill_when_held(server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not server.held.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker never reached the server: {process.communicate()}")
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL
    server.release.set()


def queued_reply(monkeypatch) -> tuple[Outbox, User]:
    """A reply saved in the outbox, its job not run here: the worker process takes it."""
    author = User.objects.create_user("anna", email="anna@example.test")
    ticket = buyer_ticket()
    with monkeypatch.context() as patch:
        patch.setattr("helpdesk.jobs.enqueue", lambda *args, **kwargs: None)
        outbox = reply_send(ticket=ticket, author=author, subject="Re: your order",
                            body="Your parcel is on its way.")
    return outbox, author


def is_open(outbox: Outbox) -> bool:
    return outbox.ticket.obligations.get(kind="buyer_reply").is_open


def test_killed_while_the_server_takes_the_mail_it_is_never_sent_twice(
    settings, monkeypatch, tmp_path, run_jobs
):
    outbox, author = queued_reply(monkeypatch)
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        server.hold_at = "DATA"
        with database_for_child(tmp_path) as url:
            kill_when_held(server, worker(url, port, settings))
        outbox.refresh_from_db()
        assert outbox.state == OutboxState.SENDING and outbox.data_started_at is not None
        assert len(server.to(BUYER)) == 1  # the server has it; the worker never heard "250"

        # The periodic retry once the dead attempt's lease has run out.
        outbox_retry(now=timezone.now() + LEASE + timedelta(seconds=1))
        run_jobs()
        run_jobs()
        outbox_retry(now=timezone.now() + LEASE * 10)
        run_jobs()
        assert len(server.to(BUYER)) == 1
        outbox.refresh_from_db()
        assert outbox.state == OutboxState.UNCERTAIN and outbox.attempts == 1
        assert TimelineEvent.objects.filter(kind="reply_uncertain").count() == 1
        assert len(server.to("anna@example.test")) == 1  # the author is told to check
        assert is_open(outbox)  # unknown is not a reply

        # The agent sees the reply in Seller Central and confirms it: now the clock stops.
        outbox_confirm_delivered(outbox=outbox, user=author, note="seen in Seller Central")
        outbox.refresh_from_db()
        assert outbox.state == OutboxState.SENT and outbox.sent_at == outbox.data_started_at
        assert not is_open(outbox)
        assert len(server.to(BUYER)) == 1


def test_killed_before_the_hand_over_the_retry_sends_it_once(
    settings, monkeypatch, tmp_path, run_jobs
):
    outbox, _ = queued_reply(monkeypatch)
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        server.hold_at = "RCPT"
        with database_for_child(tmp_path) as url:
            kill_when_held(server, worker(url, port, settings))
        outbox.refresh_from_db()
        assert outbox.state == OutboxState.SENDING and outbox.data_started_at is None
        assert server.mails == []

        assert outbox_retry().enqueued == 0  # the lease still runs: maybe it is alive
        outbox_retry(now=timezone.now() + LEASE + timedelta(seconds=1))
        run_jobs()
        outbox_retry(now=timezone.now() + LEASE * 10)
        run_jobs()
        assert len(server.to(BUYER)) == 1
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT and outbox.attempts == 2
    assert not is_open(outbox)
