"""Search on SQLite, the embedded default, from a full-text index as on PostgreSQL: an FTS5
table over the ticket's search text, its content read from the tickets table itself
(external content: the words are not stored twice).

Triggers on the tickets table keep it in step: the search text is written by ``save``, by
bulk ``UPDATE``s (a message's words, a rethread, a backfill) and by raw SQL, and a trigger
sees every one of them; an update that leaves the text as it was touches nothing.

SQLite drops a table's triggers when a migration rebuilds the table (Django does so for most
column changes), so after every ``migrate`` the triggers are checked and, if one was missing,
created again and the index rebuilt from the tickets (``fts_ensure``, run on post_migrate)."""

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "inbox_ticket_fts"
TRIGGERS = {
    "inbox_ticket_fts_insert": f"""
        AFTER INSERT ON tickets_ticket BEGIN
            INSERT INTO {TABLE} (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "inbox_ticket_fts_delete": f"""
        AFTER DELETE ON tickets_ticket BEGIN
            INSERT INTO {TABLE} ({TABLE}, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        END""",
    "inbox_ticket_fts_update": f"""
        AFTER UPDATE OF search_text ON tickets_ticket
        WHEN old.search_text IS NOT new.search_text BEGIN
            INSERT INTO {TABLE} ({TABLE}, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
            INSERT INTO {TABLE} (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}
# unicode61 folds case and accents ("cafe" finds "Café"), as a seller searching a buyer's
# words would expect.
CREATE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, "
    "content='tickets_ticket', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)


def fts_ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create the FTS table and its triggers where missing, and fill the index from the
    tickets if anything was; whether it did. Nothing on other databases."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
                       "AND name LIKE 'inbox_ticket_fts%'")
        present = {row[0] for row in cursor.fetchall()}
        if TABLE in present and set(TRIGGERS) <= present:
            return False
        cursor.execute(CREATE_TABLE)
        for name, body in TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')")
    return True


def fts_drop(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
