"""The inbox's working-set indexes (0002) on SQLite, the embedded default, too.

SQLite has no INCLUDE, so the covered columns follow the key. And its planner uses a partial
index only when the query repeats the index's WHERE with the same literals; Django binds
values as parameters (``status IN (?, ?)``, ``is_open = ?``), which never qualify. So on SQLite
the condition's column leads the index instead of filtering it: the same rows are found by
one range of the index (the open tickets, the running clocks), read from the index alone,
and the inbox's cost still follows the work in flight."""

from django.db import migrations

from helpdesk.db import sqlite_indexes

INDEXES = [
    # The open and waiting tickets, newest activity first, with what the counts group by.
    ("inbox_ticket_working", "tickets_ticket",
     "(status, last_message_at DESC, id DESC, channel_id, kind, assignee_id, language)"),
    # The same per assignee ("Mine", an agent's filter): SQLite, without statistics, starts
    # from the assignee whenever one is named.
    ("inbox_ticket_assignee_working", "tickets_ticket",
     "(assignee_id, status, last_message_at DESC, id DESC, channel_id, kind, language)"),
    # The running clocks per ticket (counts, "is there an open clock") ...
    ("inbox_obligation_open", "sla_obligation",
     "(is_open, ticket_id, due_at, at_risk_at, channel_id)"),
    # ... and soonest due first (the clocked part of every page).
    ("inbox_obligation_open_due", "sla_obligation",
     "(is_open, due_at, ticket_id, at_risk_at, channel_id)"),
]


class Migration(migrations.Migration):
    dependencies = [("inbox", "0004_working_set_vacuum")]

    operations = [sqlite_indexes(INDEXES)]
