"""One run of a periodic job (helpdesk/periodic.py): its lock and its heartbeat.

The sweep locks its heartbeat row inside the transaction that does its work. The other jobs
commit as they go (a reply's send is recorded before and after the SMTP hand-over, a fetched
mail is kept before the next is fetched), so they cannot hold a transaction open for the
whole run; their lock is one the operating system or the database drops by itself when the
process dies, so a killed run never leaves it taken:

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``), held by the job's
  connection; it covers every host that shares the database.
- SQLite: an ``flock`` on a file next to the database; SQLite is one machine anyway.
"""

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from helpdesk.db import lock_key

from .models import Heartbeat


def _lock_path(name: str) -> Path:
    database = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        database += f":{os.getpid()}"  # nobody else can open an in-memory database
    tag = hashlib.sha256(database.encode()).hexdigest()[:12]
    return Path(settings.VAR_DIR) / "locks" / f"{name}-{tag}.lock"


@contextmanager
def periodic_lock(*, name: str) -> Iterator[bool]:
    """Yields True when this process holds the job's lock, False when another run has it."""
    if connection.vendor == "postgresql":
        key = lock_key(f"periodic {name}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            # A connection lost during the run took the lock with it.
            if held and connection.connection is not None:
                with suppress(DatabaseError), connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    path = _lock_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def heartbeat_record(*, name: str, details: dict[str, Any], now: datetime | None = None) -> None:
    """The job finished: the pages and ``sla_status`` read its age."""
    Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now(), "details": details}
    )


def periodic_run(*, name: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """Run ``work`` under the job's lock and record its result as the heartbeat's details;
    None (and no heartbeat) when another run of the job holds the lock."""
    with periodic_lock(name=name) as held:
        if not held:
            return None
        details = work()
        heartbeat_record(name=name, details=details)
        return details
