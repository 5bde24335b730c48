"""Covering indexes for the reports on PostgreSQL (see helpdesk/reports/selectors.py): every
table reads the clocks that started in the period (of one kind, or of all for the overview)
and finds in the index itself every column it counts, so each pass over the window is an
index-only range scan instead of a heap page visit per clock. The per-agent credit finds the
reply's author and the breach's assignee the same way."""

from django.db import migrations

INDEXES = [
    (
        "reports_obligation_window",
        "sla_obligation",
        "(starts_at, kind) INCLUDE (id, state, is_open, due_at, response_seconds, channel_id, "
        "ticket_id, satisfied_by, satisfied_at)",
    ),
    (
        "reports_outbox_sent_author",
        "replies_outbox",
        "(sent_message_id) INCLUDE (author_id)",
    ),
    ("reports_violation_assignee", "sla_violation", "(obligation_id) INCLUDE (assignee_id)"),
    # The open returns and claims, nearest deadline first, without walking every open clock.
    (
        "reports_obligation_open_cases",
        "sla_obligation",
        "(due_at) WHERE is_open AND kind IN ('return_request', 'claim', 'chargeback')",
    ),
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
        ("sla", "0001_initial"),
        ("replies", "0002_starter"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
