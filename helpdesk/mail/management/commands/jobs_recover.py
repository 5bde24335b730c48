import json
from dataclasses import asdict

from helpdesk.commands import UnattendedCommand
from helpdesk.jobs import jobs_recover
from helpdesk.sla.periodic import periodic_run


class Command(UnattendedCommand):
    help = (
        "Queue again, at once, the jobs of workers that died (killed, out of memory, host "
        "lost) and the retries that RQ's scheduler has not moved (helpdesk/jobs.py)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        # Under the job's lock, with a heartbeat, like every periodic job (helpdesk/periodic.py).
        details = periodic_run(name="jobs_recover", work=lambda: asdict(jobs_recover()))
        if details is None:
            self.stdout.write(json.dumps({"skipped": True}) if options["json"]
                              else "Another jobs_recover is running; skipped.")
            return
        if options["json"]:
            self.stdout.write(json.dumps(details))
        else:
            self.stdout.write(
                f"{details['requeued']} jobs of dead workers queued again, {details['failed']} "
                f"failed with no retry left, {details['scheduled']} overdue retries queued."
            )
