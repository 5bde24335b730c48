"""Filing mail: every source hands its mail to one of these, and every one of them files
through the same batch path (``batch.kept_ingest``): one mail is a batch of one.

- ``mails_ingest``: mail read from files (the ``ingest`` command, the demo), filed at once.
- ``mail_ingest``: one mail, filed at once (or, with ``defer``, kept for the backlog job).
- ``raw_mail_process`` / ``quarantine_retry``: mail recorded before, filed again (the admin's
  "process again", ``ingest --retry-quarantined``).
The webhook and the mailbox fetch keep mail unparsed (``backlog.mail_receive``); the backlog
job files it in batches."""

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from helpdesk import jobs

from .backlog import backlog_enqueue, mail_receive
from .batch import batch_has_room, kept_ingest
from .batch_read import KeepAhead, KeptMail, kept_read, mails_keep
from .models import RawMail, RawMailStatus
from .raw_store import blob_get
from .recognise import Ruleset, ruleset_get
from .records import IngestResult, Outcome, raw_mail_quarantine
from .sources.files import mails_read

__all__ = [
    "IngestResult", "Outcome", "mail_ingest", "mails_ingest", "quarantine_retry",
    "raw_mail_process", "raw_mail_requeue", "files_ingest",
]

logger = logging.getLogger(__name__)


def mails_ingest(
    mails: list[tuple[str, bytes]], *, ruleset: Ruleset | None = None
) -> list[IngestResult]:
    """File ``(source, raw)`` mails in one transaction; one result per mail, in order."""
    return kept_ingest(mails_keep(list(mails), ruleset or ruleset_get()))


def mail_ingest(
    *, raw: bytes, source: str, defer: bool = False, trusted: bool = True,
    ruleset: Ruleset | None = None,
) -> IngestResult:
    """File one mail; with ``defer`` keep it for the backlog job instead (QUEUED). Filed at
    once, it is an operator's mail (trusted); kept for later, ``trusted`` says."""
    if defer:
        return mail_receive(raw=raw, source=source, trusted=trusted)
    return mails_ingest([(source, raw)], ruleset=ruleset)[0]


def raw_mails_process(*, raw_mail_ids: list[int]) -> list[IngestResult]:
    """File again mails recorded before and not stored (quarantined, or still waiting)."""
    ruleset = ruleset_get()
    rows = RawMail.objects.filter(pk__in=raw_mail_ids).order_by("pk")
    results, kept = [], []
    for row in rows:
        if row.status == RawMailStatus.STORED:
            results.append(IngestResult(Outcome.DUPLICATE, row.pk))
            continue
        try:
            raw = blob_get(row.sha256)
        except OSError as exc:
            results.append(raw_mail_quarantine(
                row, f"the raw mail store has not got its bytes: {exc}"))
            continue
        kept.append(kept_read(row, raw, ruleset))
    return results + kept_ingest(kept)


def raw_mail_process(*, raw_mail_id: int) -> IngestResult:
    """``raw_mails_process`` for one mail; a no-op for a mail stored already."""
    return raw_mails_process(raw_mail_ids=[raw_mail_id])[0]


def raw_mail_process_job(raw_mail_id: int) -> None:
    # Jobs of one mail each were enqueued by earlier versions; some may still be queued.
    raw_mail_process(raw_mail_id=raw_mail_id)


def quarantine_retry() -> list[IngestResult]:
    """Process every quarantined mail again, e.g. after the rules or the parser improved."""
    ids = RawMail.objects.filter(status=RawMailStatus.QUARANTINED).values_list("pk", flat=True)
    return raw_mails_process(raw_mail_ids=list(ids))


# A raw mail still 'received' this long after it arrived has lost its job (Redis was down or
# restarted empty, a worker was killed mid-job) once the ingest queue has nothing waiting.
STUCK_AFTER = timedelta(minutes=2)


def raw_mail_requeue(*, now: datetime | None = None, older_than: timedelta = STUCK_AFTER) -> int:
    """Ask for a backlog run when mail was kept but never processed; how many mails wait.

    Run by the periodic ``outbox_retry``. It waits while the ingest queue still has jobs
    waiting: the backlog run among them takes the mail. A second run is harmless."""
    now = now or timezone.now()
    if jobs.queue_waiting("ingest") != 0:
        return 0  # a backlog, or Redis is away and nothing can be enqueued
    stuck = RawMail.objects.filter(
        status=RawMailStatus.RECEIVED, received_at__lt=now - older_than
    ).count()
    if stuck:
        backlog_enqueue()
        logger.info("%s raw mails had lost their processing job: a backlog run asked for", stuck)
    return stuck


# Mails per transaction, stored with a few queries per batch (helpdesk/mail/batch.py). Larger
# batches share more of the index pages each commit writes (a third fewer writes than 200),
# and each batch's queries and commit cost about as much for 1,000 mails as for 500: storing
# 10,000 took 0.6 CPU s less (docs/PERFORMANCE.md). The write lock is held some 0.4 s a
# batch, and the reading child's batch ahead adds some 30 MiB.
BATCH = 1000  # and at most batch.BATCH_BYTES of mail
# Batches the keeper may read ahead: it evens out the disk's hiccups; memory stays flat.
AHEAD = 2
# The first batch is small: storing waits for it alone, and starts sooner the smaller it is.
FIRST_BATCH = 50


def files_ingest(
    *, files: list[Path], counts: Counter,
    progress: Callable[[], AbstractContextManager[Callable[[], None] | None]] = nullcontext,
) -> None:
    """File the mail of ``files`` (``sources.files.paths_expand``), adding to ``counts``:
    each batch is filed while a child process keeps, parses and recognises the next one.
    ``progress()`` gives what to call after each file; it is entered once the child is
    forked (a progress bar's thread must not be running at the fork). A RawStoreError (the
    store cannot be written) stops it; what was filed stays."""
    ruleset = ruleset_get()
    with KeepAhead() as keeper, _sqlite_write_room(), progress() as on_file:
        waiting: list[Callable[[], list[KeptMail]]] = []
        for batch in _batches(files, on_file):
            waiting.append(keeper.submit(batch, ruleset))
            if len(waiting) > AHEAD:
                results_count(counts, kept_ingest(waiting.pop(0)()))
        for kept in waiting:
            results_count(counts, kept_ingest(kept()))


@contextmanager
def _sqlite_write_room() -> Iterator[None]:
    """On SQLite, room for a batch's changed pages and fewer checkpoints, on this connection
    while it ingests. The default 2 MiB cache spills them to the WAL before the commit, and a
    checkpoint after about every batch copies the same index pages again and again: together
    a third more disk writes, a share that grows with the database."""
    if connection.vendor != "sqlite":
        yield
        return
    settings = {"cache_size": -32 * 1024, "wal_autocheckpoint": 10_000}  # KiB, pages
    with connection.cursor() as cursor:
        before = {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in settings}
        for name, value in settings.items():
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")


def _batches(
    files: list[Path], on_file: Callable[[], None] | None
) -> Iterator[list[tuple[str, bytes]]]:
    """The mails of ``files`` in batches of ``FIRST_BATCH``, then of ``BATCH`` mails, each
    within ``batch.BATCH_BYTES`` (``batch_has_room``)."""
    batch: list[tuple[str, bytes]] = []
    size, held = FIRST_BATCH, 0
    for path in files:
        for mail in mails_read(path):
            if not batch_has_room(taken=len(batch), held=held, size=len(mail[1])):
                yield batch
                batch, size, held = [], BATCH, 0
            batch.append(mail)
            held += len(mail[1])
            if len(batch) >= size:
                yield batch
                batch, size, held = [], BATCH, 0
        if on_file is not None:
            on_file()
    if batch:
        yield batch


def results_count(counts: Counter, results: list[IngestResult]) -> None:
    """Add ``results`` to a summary: read, per outcome, tickets_created."""
    for result in results:
        counts["read"] += 1
        counts[result.outcome] += 1
        counts["tickets_created"] += result.ticket_created
