import json
from dataclasses import asdict

from helpdesk.commands import UnattendedCommand
from helpdesk.mail.services import raw_mail_requeue
from helpdesk.replies.outbox import outbox_retry
from helpdesk.sla.periodic import periodic_run


class Command(UnattendedCommand):
    help = (
        "Send replies that are due (failed ones after their backoff, lost or abandoned ones) "
        "and enqueue again the processing of mail whose job was lost."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        # Under the job's lock (a second run at the same time is skipped), with a heartbeat
        # like the sweep's, so a silent cron can be noticed.
        details = periodic_run(name="outbox_retry", work=self._retry)
        if details is None:
            self.stdout.write(json.dumps({"skipped": True}) if options["json"]
                              else "Another outbox_retry is running; skipped.")
            return
        if options["json"]:
            self.stdout.write(json.dumps(details))
        else:
            self.stdout.write(
                f"{details['enqueued']} replies sent or queued for sending, "
                f"{details['confirmed_by_copy']} uncertain ones confirmed by their copy, "
                f"{details['mail_requeued']} mails queued again for processing."
            )

    def _retry(self) -> dict:
        result = outbox_retry()
        # The one periodic command that re-enqueues lost jobs: replies above, mail here (a
        # job lost while Redis was down or restarted empty, or with a killed worker).
        return {**asdict(result), "mail_requeued": raw_mail_requeue()}
