import json

from helpdesk.commands import UnattendedCommand
from helpdesk.sla.periodic import periodic_run
from helpdesk.webhooks.delivery import deliveries_prune, deliveries_retry


class Command(UnattendedCommand):
    help = ("Queue the webhook deliveries that are due (retries after their backoff, lost "
            "jobs), and delete finished ones older than 30 days.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        details = periodic_run(name="webhooks_retry",
                               work=lambda: {"enqueued": deliveries_retry(),
                                             "pruned": deliveries_prune()})
        if details is None:
            self.stdout.write(json.dumps({"skipped": True}) if options["json"]
                              else "Another webhooks_retry is running; skipped.")
        elif options["json"]:
            self.stdout.write(json.dumps(details))
        else:
            self.stdout.write(f"{details['enqueued']} webhook deliveries queued, "
                              f"{details['pruned']} finished ones deleted.")
