"""Indexes the inbox's queries need on tables other apps own (see helpdesk/inbox/listing.py
and search.py). Plain SQL, outside those models' state, so they never conflict with those
apps' own migrations; the full-text ones exist on PostgreSQL only (SQLite searches with
LIKE)."""

from django.db import migrations

BOTH = [
    # "Newest activity first" for the tickets without an open clock.
    ("inbox_ticket_recent", "tickets_ticket", "(last_message_at DESC, id DESC)", ""),
]
POSTGRES = [
    ("inbox_message_words_fts", "tickets_message",
     "USING gin (to_tsvector('simple', buyer_text))", ""),
    ("inbox_ticket_subject_fts", "tickets_ticket", "USING gin (to_tsvector('simple', subject))",
     ""),
    ("inbox_buyer_name_fts", "marketplaces_buyer", "USING gin (to_tsvector('simple', name))", ""),
]


def _indexes(schema_editor) -> list:
    postgres = schema_editor.connection.vendor == "postgresql"
    return BOTH + (POSTGRES if postgres else [])


def create(apps, schema_editor) -> None:
    for name, table, definition, where in _indexes(schema_editor):
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition} {where}")


def drop(apps, schema_editor) -> None:
    for name, _table, _definition, _where in _indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_inbox"),
        ("marketplaces", "0003_channel_at_risk_share_channel_business_hours_and_more"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
