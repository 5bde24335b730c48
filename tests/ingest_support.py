"""Filing mail and reading back what the product shows, for the tests of the ingest path."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO

import time_machine
from django.core.management import call_command
from django.db import transaction

from helpdesk.mail.services import mails_ingest

# Every run of a test files its mail at this instant, so open clocks are judged alike.
NOW = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)


def filed(runs: list[list[bytes]]) -> dict:
    """What the product shows after filing ``runs`` one after the other: the tickets export
    (ids left out) and the SLA report; then everything is rolled back."""
    return shown_after(lambda: [
        mails_ingest([(f"run{number}", raw) for raw in run]) for number, run in enumerate(runs)
    ])


class _Undo(Exception):
    pass


def shown_after(file: Callable[[], object], *, also: Callable[[], dict] | None = None) -> dict:
    """``shown()`` after ``file()`` files mail at ``NOW`` (with what ``also`` reads then);
    then everything is rolled back."""
    try:
        with time_machine.travel(NOW, tick=False), transaction.atomic():
            file()
            raise _Undo(shown() | (also() if also else {}))
    except _Undo as undo:
        return undo.args[0]


def shown() -> dict:
    out = StringIO()
    call_command("export_tickets", stdout=out)
    tickets = []
    for line in out.getvalue().splitlines():
        ticket = json.loads(line)
        ticket.pop("id")
        tickets.append(ticket)
    # By all it shows, not its messages alone: two tickets may hold alike messages (the same
    # reply to two buyers) and differ by buyer only.
    tickets.sort(key=lambda t: json.dumps(t, sort_keys=True))
    report = StringIO()
    call_command("sla_report", "--since", "2020-01-01", "--until", "2030-01-01", "--json",
                 stdout=report)
    return {"tickets": tickets, "report": json.loads(report.getvalue())}


