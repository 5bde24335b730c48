import json
from dataclasses import asdict

from django.core.management.base import BaseCommand

from helpdesk.jobs import jobs_recover


class Command(BaseCommand):
    help = (
        "Queue again, at once, the jobs of workers that died (killed, out of memory, host "
        "lost) and the retries that RQ's scheduler has not moved (helpdesk/jobs.py)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        result = jobs_recover()
        if options["json"]:
            self.stdout.write(json.dumps(asdict(result)))
        else:
            self.stdout.write(
                f"{result.requeued} jobs of dead workers queued again, {result.failed} failed "
                f"with no retry left, {result.scheduled} overdue retries queued."
            )
