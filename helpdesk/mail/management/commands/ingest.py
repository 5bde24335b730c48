import json
import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from helpdesk.mail.recognise import ruleset_get
from helpdesk.mail.services import IngestResult, Outcome, mail_ingest, quarantine_retry
from helpdesk.mail.sources.files import mails_read, paths_expand

BATCH = 200  # mails per transaction: fewer commits, each mail still in its own savepoint


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
            ruleset = ruleset_get()
            with tqdm(total=len(files), unit="file", disable=not show_bar) as bar:
                pending: list[tuple[str, bytes]] = []
                for path in files:
                    for mail in mails_read(path):
                        pending.append(mail)
                        if len(pending) >= BATCH:
                            self._ingest(pending, counts, ruleset)
                            pending = []
                    bar.update(1)
                self._ingest(pending, counts, ruleset)
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

    def _ingest(self, mails: list[tuple[str, bytes]], counts: Counter, ruleset) -> None:
        with transaction.atomic():
            for source, raw in mails:
                _count(counts, mail_ingest(raw=raw, source=source, ruleset=ruleset))


def _count(counts: Counter, result: IngestResult) -> None:
    counts["read"] += 1
    counts[result.outcome] += 1
    counts["tickets_created"] += result.ticket_created
