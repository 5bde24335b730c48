import json
from dataclasses import asdict

from django.core.management.base import BaseCommand
from django.utils import timezone

from helpdesk.mail.services import raw_mail_requeue
from helpdesk.replies.outbox import outbox_retry
from helpdesk.sla.models import Heartbeat


class Command(BaseCommand):
    help = (
        "Send replies that are due (failed ones after their backoff, lost or abandoned ones) "
        "and enqueue again the processing of mail whose job was lost."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        result = outbox_retry()
        # The one periodic command that re-enqueues lost jobs: replies above, mail here (a
        # job lost while Redis was down or restarted empty, or with a killed worker).
        details = {**asdict(result), "mail_requeued": raw_mail_requeue()}
        # A heartbeat like the sweep's, so a silent cron can be noticed.
        Heartbeat.objects.update_or_create(
            name="outbox_retry", defaults={"beat_at": timezone.now(), "details": details}
        )
        if options["json"]:
            self.stdout.write(json.dumps(details))
        else:
            self.stdout.write(
                f"{result.enqueued} replies sent or queued for sending, "
                f"{result.confirmed_by_copy} uncertain ones confirmed by their copy, "
                f"{details['mail_requeued']} mails queued again for processing."
            )
