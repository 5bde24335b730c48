"""The reports' window index (0001, 0002) covers ``breached`` too: a "no response required"
marked after the deadline counts as late (docs/DECISIONS.md, Reports), so every table of the
page reads that column, and without it in the index each clock of the period was a visit to
the table."""

from django.db import migrations

COLUMNS_BEFORE = ("id, state, is_open, due_at, response_seconds, channel_id, ticket_id, "
                  "satisfied_by, satisfied_at")
COLUMNS = f"{COLUMNS_BEFORE}, breached"


def _definition(vendor: str, columns: str) -> str | None:
    if vendor == "postgresql":
        return f"(starts_at, kind) INCLUDE ({columns})"
    if vendor == "sqlite":  # no INCLUDE there: the covered columns follow the key
        return f"(starts_at, kind, {columns})"
    return None


def _rebuild(columns: str):
    def rebuild(apps: object, schema_editor) -> None:
        definition = _definition(schema_editor.connection.vendor, columns)
        if definition is None:
            return
        schema_editor.execute("DROP INDEX IF EXISTS reports_obligation_window")
        schema_editor.execute(
            f"CREATE INDEX reports_obligation_window ON sla_obligation {definition}"
        )
    return rebuild


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_sqlite_window_indexes")]

    operations = [
        migrations.RunPython(_rebuild(COLUMNS), _rebuild(COLUMNS_BEFORE), elidable=False)
    ]
