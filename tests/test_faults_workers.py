"""Ingest through RQ with the workers SIGKILLed at random moments and restarted: every mail
is stored exactly once.

Real ``manage.py rqworker`` processes (two, as on this 2-core machine) on a Redis of the
test's own and the test's PostgreSQL database; the jobs are the ingest's own
(``mail_ingest(defer=True)``, as ``POST /ingest/raw/`` and IMAP enqueue them: one backlog
run for whatever is waiting). A killer takes a random worker down with its running job every
1–3 s while mail is coming in and being processed. What a killed job was doing is rolled
back by PostgreSQL; its mail stays ``received`` for the next backlog run, which the next
mail to arrive asks for, or the periodic retry (``outbox_retry`` → ``raw_mail_requeue``).
"""

import os
import random
import threading
import time
from datetime import timedelta

import pytest
from django.db.models import Count
from faults_support import (
    Workers,
    defaults_install,
    mails_generate,
    needs_postgresql,
    wait_for,
)

from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.services import Outcome, mail_ingest, raw_mail_requeue
from helpdesk.tickets.models import Message, Ticket

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.faults,
              pytest.mark.slow]

# 2,000 mails in the suite (some 15 s, time for several kills); FAULT_MAILS=10000 for the
# full run of docs/RELIABILITY.md (some 75 s here).
MAILS = int(os.environ.get("FAULT_MAILS", "2000"))


def test_workers_killed_at_random_lose_no_mail_and_store_none_twice(own_redis, tmp_path):
    defaults_install()
    from faults_support import child_env

    workers = Workers(tmp_path, child_env(), count=2)
    rng = random.Random(11)
    stop = threading.Event()

    def killer() -> None:
        while not stop.wait(rng.uniform(1.0, 3.0)):
            workers.kill_and_restart(rng.randrange(len(workers.processes)))

    thread = threading.Thread(target=killer, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        # Besides the timer, a kill at four random points of the feed: however fast this
        # machine processes, workers die while mail is coming in.
        kill_at = set(rng.sample(range(MAILS // 10, MAILS), 4))
        for n, raw in enumerate(mails_generate(MAILS)):
            assert mail_ingest(raw=raw, source=f"fault:{n}", defer=True).outcome == Outcome.QUEUED
            if n in kill_at:
                workers.kill_and_restart(rng.randrange(len(workers.processes)))
        fed = time.monotonic() - started
        # Keep killing until most of the backlog is through, then let the rest finish.
        wait_for(lambda: _received() < MAILS // 20, timeout=900, what="the backlog", step=1)
        stop.set()
        thread.join()
        rounds = _drain()
    finally:
        stop.set()
        workers.stop()
    took = time.monotonic() - started

    assert RawMail.objects.count() == MAILS
    assert not RawMail.objects.exclude(status=RawMailStatus.STORED).exists()
    assert Message.objects.count() == MAILS
    assert Message.objects.values("raw_id").distinct().count() == MAILS
    assert not Message.objects.values("message_id").annotate(n=Count("pk")).filter(n__gt=1)
    # No ticket was left half-written by a killed job.
    assert not Ticket.objects.annotate(n=Count("messages")).filter(n=0).exists()
    print(f"\n{MAILS} mails: fed in {fed:.0f} s, all stored once after {took:.0f} s; "
          f"{workers.killed} workers SIGKILLed, {rounds} retry rounds")
    assert workers.killed >= 4


def _received() -> int:
    return RawMail.objects.filter(status=RawMailStatus.RECEIVED).count()


def _drain() -> int:
    """Wait for the queue to empty, then let the periodic retry re-enqueue what the killed
    workers lost, until nothing is left; how many retry rounds that took."""
    import django_rq

    rounds = 0
    queue = django_rq.get_queue("ingest")
    deadline = time.monotonic() + 300
    while _received():
        assert time.monotonic() < deadline, f"{_received()} mails never processed"
        wait_for(lambda: queue.count == 0, timeout=300, what="the ingest queue to drain")
        time.sleep(1)  # jobs still running finish
        if _received() and queue.count == 0:
            rounds += 1
            raw_mail_requeue(older_than=timedelta(0))
            time.sleep(0.5)
    return rounds
