from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from helpdesk.demo.loading import (
    DEMO_FRESH_FOR,
    demo_loaded_at,
    demo_mail_ingest,
    demo_mail_remove,
    demo_orders_import,
    demo_performance_import,
    demo_performance_remove,
    demo_stale,
    demo_users_create,
)
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Create the demo users and ingest the demo mails (safe to run again). A demo loaded "
        f"more than {DEMO_FRESH_FOR.total_seconds() / 3600:g} hours ago is loaded again, "
        "dated from now."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--refresh", action="store_true",
                            help="Take the demo tickets out and load them again, dated from now.")

    def handle(self, *args, **options) -> None:
        loaded = demo_loaded_at()
        if loaded is not None and (options["refresh"] or demo_stale()):
            with transaction.atomic():
                removed = demo_mail_remove()
                demo_performance_remove()
            self.stdout.write(f"Demo loaded {loaded:%Y-%m-%d %H:%M} UTC: its {removed} tickets "
                              "are taken out and loaded again, dated from now.")
        results = demo_mail_ingest(Path(settings.BASE_DIR) / "fixtures" / "mail")
        stored = sum(r.outcome == "stored" for r in results)
        self.stdout.write(f"Demo mail: {stored} new of {len(results)}.")
        if not stored and loaded is not None:
            self.stdout.write(
                f"  (the demo loaded {loaded:%Y-%m-%d %H:%M} UTC is kept, with what was done on "
                f"it; after {DEMO_FRESH_FOR.total_seconds() / 3600:g} hours, or with "
                "`manage.py load_demo --refresh`, it is loaded again dated from now)")
        orders = demo_orders_import(
            Path(settings.BASE_DIR) / "fixtures" / "orders" / "amazon-all-orders.txt"
        )
        self.stdout.write(f"Demo order report: {orders} orders.")
        reports = demo_performance_import(Path(settings.BASE_DIR) / "fixtures" / "performance")
        self.stdout.write(f"Demo seller performance reports: {reports} new.")
        # Idempotent: makes sure every demo ticket's clocks are live for the inbox.
        obligations_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True))
        for username, password in demo_users_create():
            self.stdout.write(f"  log in as {username!r} with password {password!r}")
