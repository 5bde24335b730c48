import json
from dataclasses import asdict

from helpdesk.commands import UnattendedCommand
from helpdesk.sla.periodic import periodic_lock
from helpdesk.sla.sweep import SWEEP, SweepResult, sla_sweep


class Command(UnattendedCommand):
    help = "Record new breaches, flag claim risks, send at-risk and breach alerts (every minute)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        # The sweep's own row lock works inside its transaction on PostgreSQL only; this one
        # also makes a second sweep on SQLite skip instead of waiting to do it all again.
        with periodic_lock(name=SWEEP) as held:
            result = sla_sweep() if held else SweepResult(skipped=True)
        if options["json"]:
            self.stdout.write(json.dumps(asdict(result)))
        elif result.skipped:
            self.stdout.write("Another sweep is running; skipped.")
        else:
            self.stdout.write(
                f"{result.breaches_recorded} breaches recorded, {result.at_risk_alerts} at-risk "
                f"and {result.breach_alerts} breach alerts, {result.claim_risks} claim risks."
            )
