"""Django's SQLite backend, with its placeholders converted without a regular expression.

Django writes ``%s`` and SQLite reads ``?``: the backend converts every statement with a
regular expression (``(?<!%)%s``, so that ``%%s`` stays a literal). Scanning character by
character, it took 6 % of the batch ingest's storing, whose multi-row inserts carry up to
30,000 placeholders. A statement with no ``%%`` in it converts the same with a plain
replace, eight times faster; any other goes Django's way."""

from django.db.backends.sqlite3 import base


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None and "%%" not in query:
            return query.replace("%s", "?")
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> SQLiteCursorWrapper:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
