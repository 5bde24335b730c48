from django.apps import AppConfig
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate

from .sqlite_fts import fts_ensure

FTS_MIGRATION = ("inbox", "0006_sqlite_ticket_search_fts")


def _search_index_ensure(using: str, **kwargs: object) -> None:
    connection = connections[using]
    if connection.vendor == "sqlite" and FTS_MIGRATION in MigrationRecorder(
        connection
    ).applied_migrations():
        fts_ensure(connection)


class InboxConfig(AppConfig):
    name = "helpdesk.inbox"
    verbose_name = "Inbox"

    def ready(self) -> None:
        # After a migration that rebuilt the tickets table (and so dropped its triggers).
        post_migrate.connect(_search_index_ensure, sender=self)
