import json

from django.core.management.base import BaseCommand

from helpdesk.commands import instant_parse
from helpdesk.tickets.export import ticket_export_rows


class Command(BaseCommand):
    help = "Write tickets as JSON Lines (one ticket a line) to standard output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="ISO date or time; tickets active since then.")

    def handle(self, *args, since: str | None, **options) -> None:
        since_at = instant_parse(since, option="--since") if since else None
        for row in ticket_export_rows(since=since_at):
            self.stdout.write(json.dumps(row, ensure_ascii=False))
