import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from helpdesk.tickets.export import ticket_export_rows


class Command(BaseCommand):
    help = "Write tickets as JSON Lines (one ticket a line) to standard output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="ISO date or time; tickets active since then.")

    def handle(self, *args, since: str | None, **options) -> None:
        since_at = None
        if since:
            try:
                since_at = parse_datetime(since) or parse_datetime(f"{since}T00:00:00")
            except ValueError:  # well formed but no such day or time, e.g. 2026-02-30
                since_at = None
            if since_at is None:
                raise CommandError(f"--since must be an ISO date or time, not {since!r}")
            if is_naive(since_at):
                since_at = make_aware(since_at)
        for row in ticket_export_rows(since=since_at):
            self.stdout.write(json.dumps(row, ensure_ascii=False))
