import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from helpdesk.complaints.services import matcher_get
from helpdesk.mail.batch import kept_ingest
from helpdesk.mail.batch_read import KeepAhead, KeptMail
from helpdesk.mail.raw_store import RawStoreError
from helpdesk.mail.recognise import Ruleset, ruleset_get
from helpdesk.mail.services import IngestResult, Outcome, quarantine_retry
from helpdesk.mail.sources.files import mails_read, paths_expand

# Mails per transaction, stored with a few queries per batch (helpdesk/mail/batch.py). Larger
# batches share more of the index pages each commit writes (a third fewer writes than 200).
BATCH = 500
# Batches the keeper may read ahead: it evens out the disk's hiccups; memory stays flat.
AHEAD = 2
# The first batch is small: storing waits for it alone, and starts sooner the smaller it is.
FIRST_BATCH = 50


class RawStoreUnavailable(CommandError, RawStoreError):
    """The store cannot keep mail (disk full, read-only): the command stops with this one
    line and a non-zero exit, and the mail stays in its files for the next run. Still a
    RawStoreError for callers in Python."""


class Command(BaseCommand):
    help = "Ingest mail from .eml files, directories, mbox files and Maildir folders."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="*", type=Path)
        parser.add_argument("--json", action="store_true", help="Print one JSON summary.")
        parser.add_argument(
            "--retry-quarantined", action="store_true", help="Process quarantined mail again."
        )

    def handle(self, *args, paths: list[Path], **options) -> None:
        if not paths and not options["retry_quarantined"]:
            raise CommandError("give at least one path, or --retry-quarantined")
        counts: Counter[str] = Counter()
        if options["retry_quarantined"]:
            for result in quarantine_retry():
                _count(counts, result)
        if paths:
            try:
                files = paths_expand(paths)
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from exc
            show_bar = not options["json"] and sys.stderr.isatty()
            # The keeper forks before any bar starts its monitor thread, and there is no bar
            # unless shown: even a disabled one keeps that thread running for good.
            try:
                with (
                    KeepAhead(matcher_get()) as keeper,
                    _sqlite_write_room(),
                    tqdm(total=len(files), unit="file") if show_bar else nullcontext() as bar,
                ):
                    _ingest_all(_batches(files, bar), keeper, counts, ruleset_get())
            except RawStoreError as exc:
                raise RawStoreUnavailable(
                    f"{exc} (RAW_MAIL_DIR={settings.RAW_MAIL_DIR}); stopped after "
                    f"{counts['read']} mails, the rest were not ingested: run the command "
                    "again once the store can be written (mail already in is a duplicate)"
                ) from exc
        summary = {
            "read": counts["read"],
            "stored": counts[Outcome.STORED],
            "duplicates": counts[Outcome.DUPLICATE],
            "quarantined": counts[Outcome.QUARANTINED],
            "tickets_created": counts["tickets_created"],
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                "read {read}, stored {stored}, duplicates {duplicates}, "
                "quarantined {quarantined}, tickets created {tickets_created}".format(**summary)
            )


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


def _batches(files: list[Path], bar: tqdm | None) -> Iterator[list[tuple[str, bytes]]]:
    batch: list[tuple[str, bytes]] = []
    size = FIRST_BATCH
    for path in files:
        for mail in mails_read(path):
            batch.append(mail)
            if len(batch) >= size:
                yield batch
                batch, size = [], BATCH
        if bar is not None:
            bar.update(1)
    if batch:
        yield batch


def _ingest_all(
    batches: Iterator[list[tuple[str, bytes]]], keeper: KeepAhead, counts: Counter,
    ruleset: Ruleset,
) -> None:
    """Store each batch while the keeper keeps, parses and recognises the next one."""
    waiting: list[Callable[[], list[KeptMail]]] = []
    for batch in batches:
        waiting.append(keeper.submit(batch, ruleset))
        if len(waiting) > AHEAD:
            _ingest(waiting.pop(0)(), counts, ruleset)
    for kept in waiting:
        _ingest(kept(), counts, ruleset)


def _ingest(kept: list[KeptMail], counts: Counter, ruleset: Ruleset) -> None:
    for result in kept_ingest(kept, ruleset=ruleset):
        _count(counts, result)


def _count(counts: Counter, result: IngestResult) -> None:
    counts["read"] += 1
    counts[result.outcome] += 1
    counts["tickets_created"] += result.ticket_created
