from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from helpdesk.accounts.demo import demo_mail_ingest, demo_orders_import, demo_users_create
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.models import Ticket


class Command(BaseCommand):
    help = "Create the demo users and ingest the demo mails (safe to run again)."

    def handle(self, *args, **options) -> None:
        results = demo_mail_ingest(Path(settings.BASE_DIR) / "fixtures" / "mail")
        stored = sum(r.outcome == "stored" for r in results)
        self.stdout.write(f"Demo mail: {stored} new of {len(results)}.")
        orders = demo_orders_import(
            Path(settings.BASE_DIR) / "fixtures" / "orders" / "amazon-all-orders.txt"
        )
        self.stdout.write(f"Demo order report: {orders} orders.")
        # Idempotent: makes sure every demo ticket's clocks are live for the inbox.
        obligations_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True))
        for username, password in demo_users_create():
            self.stdout.write(f"  log in as {username!r} with password {password!r}")
