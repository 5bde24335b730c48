from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from helpdesk.accounts.demo import demo_mail_ingest, demo_users_create


class Command(BaseCommand):
    help = "Create the demo users and ingest the demo mails (safe to run again)."

    def handle(self, *args, **options) -> None:
        results = demo_mail_ingest(Path(settings.BASE_DIR) / "fixtures" / "mail")
        stored = sum(r.outcome == "stored" for r in results)
        self.stdout.write(f"Demo mail: {stored} new of {len(results)}.")
        for username, password in demo_users_create():
            self.stdout.write(f"  log in as {username!r} with password {password!r}")
