"""Covering indexes for the inbox on PostgreSQL (see helpdesk/inbox/listing.py): the working
set (unresolved tickets) and the open clocks are read from these alone (index-only scans),
so the inbox's cost follows the work in flight, not the million tickets of history."""

from django.db import migrations

INDEXES = [
    ("inbox_ticket_working", "tickets_ticket",
     "(last_message_at DESC, id DESC) INCLUDE (status, channel_id, kind, assignee_id, language) "
     "WHERE status IN ('open', 'waiting')"),
    ("inbox_obligation_open", "sla_obligation",
     "(ticket_id) INCLUDE (due_at, at_risk_at, channel_id) WHERE is_open"),
]


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0001_indexes"),
        ("sla", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
