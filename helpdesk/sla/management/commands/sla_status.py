import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from helpdesk.sla.status import sla_status


class Command(BaseCommand):
    help = "Open clocks by kind and state, the most overdue ones, and the sweep's heartbeat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        status = sla_status(now=timezone.now())
        if options["json"]:
            self.stdout.write(json.dumps(status))
            return
        beat = status["heartbeat"]
        if beat["stale"]:
            never = beat["age_s"] is None
            self.stdout.write(self.style.WARNING(
                "WARNING: the SLA sweep has never run" if never else
                f"WARNING: the SLA sweep last ran {beat['age_s'] // 60} min ago: "
                "breaches are not being recorded and alerts not sent. Is cron running?"
            ))
        self.stdout.write(
            f"{'clock':<16}{'overdue':>9}{'at risk':>9}{'pending':>9}{'claim risk':>12}"
        )
        for kind, row in status["open"].items():
            self.stdout.write(
                f"{kind:<16}{row['overdue']:>9}{row['at_risk']:>9}{row['pending']:>9}"
                f"{row['claim_risk']:>12}"
            )
        if status["most_overdue"]:
            self.stdout.write("\nMost overdue:")
            for item in status["most_overdue"]:
                hours = item["overdue_by_s"] / 3600
                self.stdout.write(f"  #{item['ticket']} {item['kind']} overdue by {hours:.1f} h: "
                                  f"{item['subject']}")
