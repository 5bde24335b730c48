"""Mail kept but not yet processed (from the webhook, IMAP): processed in batches.

A source keeps the bytes and a ``received`` row, then asks for ``backlog_process_job`` with
``jobs.enqueue_once``: however many mails arrive while a run is waiting, one job takes them
all, a batch at a time, through the batch ingest (a few queries per batch instead of some
twenty per mail, and one job's start-up instead of one per mail). Two workers running it at
once take different rows (``SKIP LOCKED``); a mail processed twice is still stored once (the
message's unique link to its raw mail)."""

import logging
import time

from django.db import transaction

from helpdesk import jobs
from helpdesk.complaints.services import Matcher, matcher_get

from .batch import kept_ingest
from .batch_read import KeptMail, kept_read
from .models import RawMail, RawMailStatus
from .raw_store import blob_get
from .recognise import Ruleset, ruleset_get
from .services import IngestResult, raw_mail_quarantine

logger = logging.getLogger(__name__)

# Mails per transaction: large enough to share the batch's queries, small enough that a
# transaction's locks are short and the first mails of a burst appear in the inbox soon.
BACKLOG_BATCH = 200
# How long a run waits for more mail before it looks: a fraction of a minute is nothing to a
# 24-hour reply clock, and a burst of mail becomes a few jobs instead of one per few mails.
GATHER_SECONDS = 0.5
# A run hands over to a new job after this long: well inside RQ's job timeout (300 s), which
# would otherwise kill a run working off a long backlog (after an outage) mid-batch.
RUN_SECONDS = 120.0


def backlog_process(
    *, batch: int = BACKLOG_BATCH, seconds: float | None = None
) -> list[IngestResult]:
    """Process every ``received`` mail, oldest first, a batch per transaction; with
    ``seconds``, stop once that long has passed (looked at before each batch) and ask for
    another run."""
    ruleset, matcher = ruleset_get(), matcher_get()
    results: list[IngestResult] = []
    seen: set[int] = set()
    started = time.monotonic()
    while True:
        if seconds is not None and time.monotonic() - started >= seconds:
            backlog_enqueue()  # the rest is another job's, which the queue can interleave
            return results
        with transaction.atomic():
            rows = list(
                RawMail.objects.select_for_update(skip_locked=True)
                .filter(status=RawMailStatus.RECEIVED)
                .order_by("pk")[:batch]
            )
            if not rows or seen.issuperset(row.pk for row in rows):
                return results  # none left (or only what this run could not move on)
            seen.update(row.pk for row in rows)
            results += kept_ingest(_read(rows, ruleset, matcher), ruleset=ruleset)


def _read(rows: list[RawMail], ruleset: Ruleset, matcher: Matcher) -> list[KeptMail]:
    kept = []
    for row in rows:
        try:
            raw = blob_get(row.sha256)
        except OSError as exc:
            # Its bytes are gone from the store (restored from an older backup, deleted by
            # hand): said, and out of the way of the mail behind it.
            raw_mail_quarantine(row, f"the raw mail store has not got its bytes: {exc}")
            continue
        kept.append(kept_read(row, raw, ruleset, matcher))
    return kept


def backlog_process_job() -> None:
    if jobs.uses_redis():
        # A worker's job starts with a fork and a database connection: mail of a busy webhook
        # is let gather a moment (it still asks for no other job meanwhile) and taken as one.
        time.sleep(GATHER_SECONDS)
    jobs.once_started(backlog_process_job)
    results = backlog_process(seconds=RUN_SECONDS)
    if results:
        logger.info("processed %d mails from the backlog", len(results))


def backlog_enqueue() -> None:
    """Ask for a run of ``backlog_process_job`` once the transaction commits."""
    jobs.enqueue_once(backlog_process_job, queue="ingest")
