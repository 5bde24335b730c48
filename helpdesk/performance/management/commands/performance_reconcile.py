from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from helpdesk.performance.models import PerformanceImport
from helpdesk.performance.reconcile import import_latest, reconciliation
from helpdesk.performance.views import reconciliation_csv


class Command(BaseCommand):
    help = ("Amazon's contact response figures beside ours, per marketplace and window, as "
            "CSV (the same table as the page under /reports/amazon/).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--report", type=int, help="the import's ID; default the latest")
        parser.add_argument("--channel", default="", help="one channel code, e.g. amazon-de")

    def handle(self, *args, **options) -> None:
        source = (PerformanceImport.objects.filter(pk=options["report"]).first()
                  if options["report"] else import_latest())
        if source is None:
            raise CommandError("no performance report with contact response figures imported")
        rows = reconciliation(source=source, channel_code=options["channel"],
                              now=timezone.now())
        reconciliation_csv(self.stdout, rows)
