import json
from dataclasses import asdict

from django.core.management.base import BaseCommand
from django.utils import timezone

from helpdesk.replies.outbox import outbox_retry
from helpdesk.sla.models import Heartbeat


class Command(BaseCommand):
    help = "Send replies that are due: failed ones after their backoff, lost or abandoned ones."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        result = outbox_retry()
        # A heartbeat like the sweep's, so a silent cron can be noticed.
        Heartbeat.objects.update_or_create(
            name="outbox_retry", defaults={"beat_at": timezone.now(), "details": asdict(result)}
        )
        if options["json"]:
            self.stdout.write(json.dumps(asdict(result)))
        else:
            self.stdout.write(
                f"{result.enqueued} replies sent or queued for sending, "
                f"{result.confirmed_by_copy} uncertain ones confirmed by their copy."
            )
