import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from helpdesk.commands import UnattendedCommand
from helpdesk.mail.raw_store import RawStoreError
from helpdesk.mail.services import Outcome, files_ingest, quarantine_retry, results_count
from helpdesk.mail.sources.files import paths_expand


class RawStoreUnavailable(CommandError, RawStoreError):
    """The store cannot keep mail (disk full, read-only): the command stops with this one
    line and a non-zero exit, and the mail stays in its files for the next run. Still a
    RawStoreError for callers in Python."""


class Command(UnattendedCommand):
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
            results_count(counts, quarantine_retry())
        if paths:
            try:
                files = paths_expand(paths)
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from exc
            show_bar = not options["json"] and sys.stderr.isatty()
            # There is no bar unless shown: even a disabled one keeps its monitor thread
            # running for good.
            try:
                files_ingest(files=files, counts=counts,
                             progress=lambda: _bar(len(files)) if show_bar else nullcontext())
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
def _bar(total: int) -> Iterator[Callable[[], None]]:
    with tqdm(total=total, unit="file") as bar:
        yield lambda: bar.update(1)
