from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpdesk.performance.importing import performance_import
from helpdesk.performance.schema import MAX_BYTES, ReportInvalid


class Command(BaseCommand):
    help = ("Import Amazon seller performance reports (JSON); each file is kept as a dated "
            "snapshot, a file imported before changes nothing.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", help="report files (JSON)")

    def handle(self, *args, **options) -> None:
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(f"{name}: over {MAX_BYTES // 1024 // 1024} MB, not a "
                                   "performance report; nothing imported")
            try:
                result = performance_import(raw=path.read_bytes(), filename=path.name)
            except ReportInvalid as exc:
                for problem in exc.problems:
                    self.stderr.write(f"{name}: {problem}")
                raise CommandError(f"{name}: refused, nothing imported") from exc
            if not result.created:
                self.stdout.write(f"{name}: imported before "
                                  f"({result.source.imported_at:%Y-%m-%d %H:%M} UTC), unchanged")
                continue
            self.stdout.write(
                f"{name}: report of {result.source.report_date:%Y-%m-%d}, "
                f"{result.health_figures} health figures, {result.contact_figures} contact "
                f"response windows, {result.alerts} alert(s)"
            )
