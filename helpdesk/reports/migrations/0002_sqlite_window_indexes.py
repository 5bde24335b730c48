"""The reports' window index (0001) on SQLite, the embedded default, too: every table of the
page reads the clocks that started in the period from it alone. SQLite has no INCLUDE, so
the covered columns follow the key. The other indexes of 0001 are not needed there: SQLite
looks up the reply and the violation by their unique keys, and the open cases by the inbox's
running-clock index (helpdesk/inbox/migrations/0005)."""

from django.db import migrations

from helpdesk.db import sqlite_indexes

INDEXES = [
    ("reports_obligation_window", "sla_obligation",
     "(starts_at, kind, id, state, is_open, due_at, response_seconds, channel_id, ticket_id, "
     "satisfied_by, satisfied_at)"),
]


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_window_indexes"), ("inbox", "0005_sqlite_working_set_indexes")]

    operations = [sqlite_indexes(INDEXES)]
