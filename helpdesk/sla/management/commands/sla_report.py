import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from helpdesk.commands import instant_parse, zone_parse
from helpdesk.marketplaces.models import Channel
from helpdesk.sla.report import sla_report

COLUMNS = [
    ("obligations", "total"), ("answered_on_time", "on time"), ("answered_late", "late"),
    ("no_response_required", "NRR"), ("unanswered_overdue", "overdue"), ("pending", "pending"),
    ("on_time_rate", "on-time %"), ("median_response_s", "median"), ("p90_response_s", "p90"),
    ("mean_response_s", "mean"),
]


def _hours(seconds: int | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"


class Command(BaseCommand):
    help = "Response-time figures for obligations starting in [--since, --until), judged now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", required=True, help="ISO date or time (inclusive)")
        parser.add_argument("--until", required=True, help="ISO date or time (exclusive)")
        parser.add_argument("--channel", help="channel code, e.g. amazon-de")
        parser.add_argument(
            "--time-zone",
            help="zone of dates and times given without an offset, e.g. Europe/Berlin: the "
            "manager's zone gives the days the reports page shows them (default: TIME_ZONE)",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        zone = zone_parse(options["time_zone"], option="--time-zone")
        since = instant_parse(options["since"], option="--since", zone=zone)
        until = instant_parse(options["until"], option="--until", zone=zone)
        if until <= since:
            raise CommandError("--until must be after --since")
        code = options["channel"]
        if code and not Channel.objects.filter(code=code).exists():
            raise CommandError(f"no channel with code {code!r}")
        report = sla_report(since=since, until=until, now=timezone.now(), channel_code=code)
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        header = f"{'clock':<16}" + "".join(f"{label:>11}" for _, label in COLUMNS)
        self.stdout.write(header)
        for kind, figures in report.items():
            cells = []
            for key, _ in COLUMNS:
                value = figures[key]
                if key.endswith("_s"):
                    cells.append(_hours(value))
                elif key == "on_time_rate":
                    cells.append("—" if value is None else f"{value:.1%}")
                else:
                    cells.append(str(value))
            self.stdout.write(f"{kind:<16}" + "".join(f"{c:>11}" for c in cells))
