import json
from dataclasses import asdict

from django.core.management.base import BaseCommand

from helpdesk.sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "Record new breaches, flag claim risks, send at-risk and breach alerts (every minute)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        result = sla_sweep()
        if options["json"]:
            self.stdout.write(json.dumps(asdict(result)))
        elif result.skipped:
            self.stdout.write("Another sweep is running; skipped.")
        else:
            self.stdout.write(
                f"{result.breaches_recorded} breaches recorded, {result.at_risk_alerts} at-risk "
                f"and {result.breach_alerts} breach alerts, {result.claim_risks} claim risks."
            )
