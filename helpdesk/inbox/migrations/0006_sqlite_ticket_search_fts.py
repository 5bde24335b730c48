"""Search on SQLite from an FTS5 index of the ticket's search text, kept in step by triggers
on the tickets table (helpdesk/inbox/sqlite_fts.py says how). Nothing on PostgreSQL, which
has its own full-text index (0003)."""

from django.db import migrations

from helpdesk.inbox.sqlite_fts import fts_drop, fts_ensure


def create(apps, schema_editor) -> None:
    fts_ensure(schema_editor.connection)


def drop(apps, schema_editor) -> None:
    fts_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0005_sqlite_working_set_indexes"),
        ("tickets", "0006_message_untrusted_reason"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
