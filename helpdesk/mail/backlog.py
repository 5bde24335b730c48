"""Mail kept but not yet processed (from the webhook, IMAP): processed in batches.

A source keeps the bytes and a ``received`` row, then asks for ``backlog_process_job`` with
``jobs.enqueue_once``: however many mails arrive while a run is waiting, one job takes them
all, a batch at a time, through the batch ingest (a few queries per batch instead of some
twenty per mail, and one job's start-up instead of one per mail). Two workers running it at
once take different rows (``SKIP LOCKED``) and read them side by side, but file one batch at
a time (``tickets.rethread.threads_lock``): a question and its answer in two workers' batches
would otherwise each be threaded without the other. A mail processed twice is still stored
once (the message's unique link to its raw mail)."""

import logging
import time
from dataclasses import replace
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from helpdesk import jobs
from helpdesk.tickets.rethread import threads_lock

from .batch import batch_has_room, kept_ingest
from .batch_read import KeptMail, kept_read
from .batch_store import mails_trusted
from .models import RawMail, RawMailStatus
from .raw_store import blob_exists, blob_get, blob_key
from .recognise import Ruleset, ruleset_get
from .records import IngestResult, raw_mail_keep, raw_mail_quarantine

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
# Runs that may take a mail and die (killed, out of memory, timed out) before it is
# quarantined as a poison mail. A mail taken again after a run died is taken alone, so the
# mail that kills runs is found and the others behind it are filed.
MAX_ATTEMPTS = 3
# How long a run holds the mail it took before another may take it. It need only cover the
# moment between counting the attempt and locking the rows to file them: from then on the row
# locks keep other runs away (and a run that dies releases them at once).
CLAIM_SECONDS = 10


def mail_receive(*, raw: bytes, source: str, trusted: bool = False) -> IngestResult:
    """Keep a mail unparsed and ask for a backlog run (the webhook, a mailbox fetch):
    nothing in the mail's content can fail here. ``trusted``: see ``mail.trust``."""
    result = raw_mail_keep(raw=raw, source=source, trusted=trusted)
    if result.outcome != "duplicate":
        backlog_enqueue()
        return result
    if trusted and result.raw_mail_id is not None:
        # The Sent folder's copy of a mail INBOX gave first (the seller copies themselves).
        with transaction.atomic():
            mails_trusted(raw_mail_ids=[result.raw_mail_id])
    if result.raw_mail_id is not None and _quarantined_requeue(result.raw_mail_id, raw):
        backlog_enqueue()
    return result


def _quarantined_requeue(raw_mail_id: int, raw: bytes) -> bool:
    """The same mail again, its first copy in quarantine: it waits to be filed once more, as
    a file's copy is filed at once (``batch``). Its first copy may have failed for a reason of
    its own (its bytes gone from the store, a rule since fixed). A mail that killed its runs is
    quarantined again untouched by the next run; bytes that are no mail, with their reason."""
    row = RawMail.objects.filter(pk=raw_mail_id, status=RawMailStatus.QUARANTINED).first()
    if row is None:
        return False
    fields = {"status": RawMailStatus.RECEIVED, "claimed_until": None}
    if not blob_exists(row.sha256):  # the copy's bytes are the mail's now
        fields |= {"sha256": blob_key(raw), "size": len(raw)}
    return bool(RawMail.objects.filter(pk=row.pk, status=RawMailStatus.QUARANTINED)
                .update(**fields))


def backlog_process(
    *, batch: int = BACKLOG_BATCH, seconds: float | None = None
) -> list[IngestResult]:
    """Process every ``received`` mail, oldest first, a batch per transaction; with
    ``seconds``, stop once that long has passed (looked at before each batch) and ask for
    another run."""
    ruleset = ruleset_get()
    results: list[IngestResult] = []
    seen: set[int] = set()
    started = time.monotonic()
    while True:
        if seconds is not None and time.monotonic() - started >= seconds:
            backlog_enqueue()  # the rest is another job's, which the queue can interleave
            return results
        ids = _take(batch, seen)
        if not ids:
            return results  # none left (or only what this run could not move on)
        seen.update(ids)
        # Read (parsed, recognised) before the transaction: runs of several workers read
        # side by side, and only file one at a time (``kept_ingest`` takes the threads' lock).
        read = _read(list(RawMail.objects.filter(pk__in=ids, status=RawMailStatus.RECEIVED)
                          .order_by("pk")), ruleset)
        with transaction.atomic():
            threads_lock()  # before the rows, as every filing transaction takes the two
            rows = (RawMail.objects.select_for_update(skip_locked=True)
                    .filter(status=RawMailStatus.RECEIVED)
                    .in_bulk([mail.raw_mail.pk for mail in read]))
            results += kept_ingest([
                _current(mail, rows[mail.raw_mail.pk], ruleset)
                for mail in read if mail.raw_mail.pk in rows
            ])


def _take(batch: int, seen: set[int]) -> list[int]:
    """The next mails to file, their attempt counted in a transaction of its own first (so a
    run that dies still counts): a batch, or one mail alone when a run died holding it.
    A mail that has died with MAX_ATTEMPTS runs is quarantined instead."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            RawMail.objects.select_for_update(skip_locked=True)
            .filter(status=RawMailStatus.RECEIVED).exclude(pk__in=seen)
            # Held by a run still going: not ours, and no attempt of a dead run.
            .exclude(claimed_until__gt=now)
            .order_by("pk")[:batch]
        )
        for row in rows:
            if row.attempts >= MAX_ATTEMPTS:
                raw_mail_quarantine(row, f"processing it stopped {row.attempts} runs (killed "
                                         "or timed out): a mail that cannot be filed safely")
        rows = _within_batch_bytes([row for row in rows if row.attempts < MAX_ATTEMPTS])
        # Mail a run died holding is taken alone, the least tried first: the mail that
        # kills runs comes last each time, so the mail behind it waits for one death at most.
        retried = sorted((row for row in rows if row.attempts > 0), key=lambda r: r.attempts)
        taken = retried[:1] or rows
        RawMail.objects.filter(pk__in=[row.pk for row in taken]).update(
            attempts=F("attempts") + 1, claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
        return [row.pk for row in taken]


def _within_batch_bytes(rows: list[RawMail]) -> list[RawMail]:
    """The rows, from the first, that one batch holds (``batch_has_room``); the rest wait
    for the next batch of the run."""
    held = 0
    for taken, row in enumerate(rows):
        if not batch_has_room(taken=taken, held=held, size=row.size):
            return rows[:taken]
        held += row.size
    return rows


def _read(rows: list[RawMail], ruleset: Ruleset) -> list[KeptMail]:
    kept = []
    for row in rows:
        try:
            raw = blob_get(row.sha256)
        except OSError as exc:
            # Its bytes are gone from the store (restored from an older backup, deleted by
            # hand): said, and out of the way of the mail behind it.
            raw_mail_quarantine(row, f"the raw mail store has not got its bytes: {exc}")
            continue
        kept.append(kept_read(row, raw, ruleset))
    return kept


def _current(mail: KeptMail, row: RawMail, ruleset: Ruleset) -> KeptMail:
    """``mail`` as its row says now: read again if a trusted copy came meanwhile
    (``mails_trusted``), which changes whether it ends a clock."""
    if row.source_trusted != mail.trusted:
        return kept_read(row, mail.raw, ruleset)
    return replace(mail, raw_mail=row)


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
