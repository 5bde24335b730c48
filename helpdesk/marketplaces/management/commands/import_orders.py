from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpdesk.marketplaces.orders_import import OrderImportError, orders_import


class Command(BaseCommand):
    help = "Import Amazon order reports (tab-separated flat files); re-importing updates."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", help="order report files")

    def handle(self, *args, **options) -> None:
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            try:
                result = orders_import(data=path.read_bytes())
            except OrderImportError as exc:
                for line, text in exc.problems:
                    self.stderr.write(f"{name}:{line}: {text}")
                raise CommandError(
                    f"{name}: {len(exc.problems)} bad row(s), nothing imported"
                ) from exc
            self.stdout.write(
                f"{name}: {result.rows} orders ({result.orders_created} new, "
                f"{result.orders_updated} updated), {result.items} items"
            )
