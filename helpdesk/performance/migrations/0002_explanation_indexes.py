"""Partial indexes for the reconciliation's explanations (helpdesk/performance/reconcile.py):
the few opt-out notices and unsent replies of a window are found without reading every
message or outbox row. Created here, by the app that reads them, on the tables of
``tickets`` and ``replies`` (as ``reports`` does for its own reads)."""

from django.db import migrations

INDEXES = [
    ("performance_message_opt_out", "tickets_message",
     "(sent_at, ticket_id) WHERE kind = 'opt_out'"),
    ("performance_outbox_unsent", "replies_outbox",
     "(created_at, ticket_id) WHERE state IN ('failed', 'uncertain')"),
]


def create(apps, schema_editor) -> None:
    for name, table, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop(apps, schema_editor) -> None:
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0001_initial"),
        ("tickets", "0001_initial"),
        ("replies", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
