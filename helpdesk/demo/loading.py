"""Demo data for `make run`: users, and the fixture mails moved to the last few days so the
clocks in the inbox are live. A demo loaded more than ``DEMO_FRESH_FOR`` ago is taken out
and loaded again, dated from now (see ``demo_stale``)."""

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.db.models import F
from django.utils import timezone

from helpdesk.mail.models import RawMail
from helpdesk.mail.services import IngestResult, mail_ingest
from helpdesk.mail.sources.files import mails_read, paths_expand
from helpdesk.marketplaces.models import Channel, Order
from helpdesk.marketplaces.orders_import import orders_import, orders_parse
from helpdesk.performance.importing import performance_import
from helpdesk.performance.models import PerformanceImport
from helpdesk.sla.models import Violation
from helpdesk.tickets.models import AgentProfile, Queue, Ticket

# Printed by `load_demo` and listed in README; for a local demo only.
DEMO_USERS = [
    # (username, password, group, is_staff/superuser)
    ("agent", "agent-demo-pass", "agent", False),
    ("kaufland", "kaufland-demo-pass", "agent", False),
    ("manager", "manager-demo-pass", "manager", False),
    ("admin", "admin-demo-pass", "admin", True),
]
ROLES = ["agent", "manager", "admin"]
# Where the demo users' alerts go: under `make run`, to its mail catcher.
DEMO_MAIL_DOMAIN = "example-seller.com"
# One queue per channel group, and which demo agents are members: "agent" works every demo
# queue, "kaufland" only Kaufland (to show an agent's view narrowed to their queues).
DEMO_QUEUES = [
    ("Amazon US", ["amazon-com", "amazon-ca"], ["agent"]),
    ("Amazon EU", ["amazon-co-uk", "amazon-de", "amazon-fr", "amazon-it", "amazon-es"],
     ["agent"]),
    ("Amazon JP", ["amazon-co-jp"], ["agent"]),
    ("Kaufland", ["kaufland-de"], ["agent", "kaufland"]),
    ("Other mail", ["other"], ["agent"]),
]
DEMO_TIME_ZONES = {"agent": "Europe/Berlin"}
# Time between two consecutive demo mails once moved (see demo_mail_ingest).
DEMO_STEP = timedelta(minutes=40)
# A demo loaded longer ago than this is loaded again from now: its clocks would be overdue.
DEMO_FRESH_FOR = timedelta(hours=12)
DEMO_SOURCE = "demo:"
_DATE = re.compile(rb"^Date:[^\r\n]*(\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_RECEIVED = re.compile(rb"^Received:[^\r\n]*(\r?\n[ \t][^\r\n]*)*\r?\n",
                       re.IGNORECASE | re.MULTILINE)


def demo_users_create() -> list[tuple[str, str]]:
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    created = []
    for username, password, role, is_admin in DEMO_USERS:
        email = f"{username}@{DEMO_MAIL_DOMAIN}"
        user, made = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": is_admin, "is_superuser": is_admin, "email": email},
        )
        if made:
            user.set_password(password)
            user.save()
        elif not user.email:  # a demo made before its users had addresses
            User.objects.filter(pk=user.pk).update(email=email)
        user.groups.add(Group.objects.get(name=role))
        if username in DEMO_TIME_ZONES:
            AgentProfile.objects.get_or_create(
                user=user, defaults={"time_zone": DEMO_TIME_ZONES[username]}
            )
        created.append((username, password))
    demo_queues_create()
    return created


def demo_queues_create() -> None:
    for name, codes, members in DEMO_QUEUES:
        queue, _ = Queue.objects.get_or_create(name=name)
        queue.channels.add(*Channel.objects.filter(code__in=codes))
        queue.members.add(*User.objects.filter(username__in=members))


def _date_of(raw: bytes) -> datetime | None:
    match = _DATE.search(raw.split(b"\n\n", 1)[0])
    if not match:
        return None
    try:
        value = parsedate_to_datetime(match.group(0)[5:].decode("ascii", "replace").strip())
    except (TypeError, ValueError):
        return None
    return value if value and value.tzinfo else None


def demo_mail_ingest(folder: Path, *, now: datetime | None = None) -> list[IngestResult]:
    """Ingest the fixture mails with their dates moved into the last two days, in their
    original order, the newest three hours old: the fixtures span a year, which would make
    every demo clock long overdue; spread like this the inbox shows every clock state."""
    now = now or timezone.now()
    mails = [mail for path in paths_expand([folder]) if path.suffix == ".eml"
             for mail in mails_read(path)]
    dates = sorted({d for d in (_date_of(raw) for _, raw in mails) if d and d.year < 2030})
    newest = now - timedelta(hours=3)
    moved = {d: newest - (len(dates) - 1 - rank) * DEMO_STEP for rank, d in enumerate(dates)}
    results = []
    for source, raw in mails:
        when = _date_of(raw)
        # A mail without a usable Date would be dated by its months-old Received header.
        new_date = f"Date: {format_datetime(moved.get(when, newest))}".encode()
        if _DATE.search(raw.split(b"\n\n", 1)[0]):
            raw = _DATE.sub(lambda _match, line=new_date: line, raw, count=1)
        else:
            raw = new_date + b"\r\n" + raw
        results.append(mail_ingest(raw=_received_dropped(raw), source=f"{DEMO_SOURCE}{source}"))
    return results


def _received_dropped(raw: bytes) -> bytes:
    """``raw`` without its Received headers: a Date later than the newest of them (when the
    seller's server took the mail in, months ago for the fixtures) is read as that time."""
    end = _BLANK_LINE.search(raw)
    if end is None:
        return _RECEIVED.sub(b"", raw)
    cut = end.start() + (2 if raw[end.start():end.start() + 1] == b"\r" else 1)
    return _RECEIVED.sub(b"", raw[:cut]) + raw[cut:]  # the header block, its last line end


def demo_loaded_at() -> datetime | None:
    """When the demo mail was last loaded; None when it never was."""
    return (RawMail.objects.filter(source__startswith=DEMO_SOURCE)
            .order_by("-received_at").values_list("received_at", flat=True).first())


def demo_stale(*, now: datetime | None = None) -> bool:
    loaded = demo_loaded_at()
    return loaded is not None and (now or timezone.now()) - loaded > DEMO_FRESH_FOR


def demo_mail_remove() -> int:
    """Take the demo's tickets out (with everything done on them: replies, notes, clocks,
    violations) and its raw mails, so that it can be loaded again dated from now. Tickets
    of other mail (a real mailbox, an import) are left alone. Returns the tickets removed."""
    demo_mails = RawMail.objects.filter(source__startswith=DEMO_SOURCE)
    ticket_ids = list(Ticket.objects.filter(messages__raw__in=demo_mails)
                      .values_list("pk", flat=True).distinct())
    # A violation outlives its ticket in the reports; the demo's go with the demo.
    Violation.objects.filter(ticket_id__in=ticket_ids).delete()
    Ticket.objects.filter(pk__in=ticket_ids).delete()
    demo_mails.delete()
    return len(ticket_ids)


def demo_orders_import(path: Path, *, now: datetime | None = None) -> int:
    """Import the sample order report with its purchase dates moved so that the newest is two
    days old, as the demo mail is moved: the account-health figures count the last 60 days."""
    now = now or timezone.now()
    rows = orders_parse(path.read_bytes())
    orders_import(data=path.read_bytes())
    newest = max((r.purchased_at for r in rows if r.purchased_at), default=None)
    if newest is None:
        return len(rows)
    shift = now - timedelta(days=2) - newest
    Order.objects.filter(order_id__in=[r.order_id for r in rows]).update(
        purchased_at=F("purchased_at") + shift, shipped_at=F("shipped_at") + shift
    )
    return len(rows)


# A date in the sample reports, as Amazon writes them ("2026-11-30T23:59Z").
_REPORT_DATE = re.compile(rb'"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})Z"')


def demo_performance_import(folder: Path, *, now: datetime | None = None) -> int:
    """Import the sample seller performance reports (three monthly snapshots, so the health
    page has a trend) with their dates moved by whole days so that the newest ends yesterday,
    as the demo mail is moved: its windows then hold the demo's clocks, and our figures stand
    beside Amazon's. Dated from when the demo mail was loaded, so that loading the demo again
    the same way imports nothing. Returns how many were new."""
    now = now or demo_loaded_at() or timezone.now()
    reports = [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.json"))]
    dates = [date.fromisoformat(m.group(1).decode())
             for _, raw in reports for m in _REPORT_DATE.finditer(raw)]
    if not dates:
        return 0
    shift = (now.astimezone(UTC).date() - timedelta(days=1)) - max(dates)

    def moved(match: re.Match) -> bytes:
        day = date.fromisoformat(match.group(1).decode()) + shift
        return b'"%s' % day.isoformat().encode() + b"T" + match.group(2) + b'Z"'

    return sum(
        performance_import(raw=_REPORT_DATE.sub(moved, raw), filename=f"{DEMO_SOURCE}{name}",
                           now=now).created
        for name, raw in reports
    )


def demo_performance_remove() -> int:
    """Take the demo's performance reports out (with their figures and alerts), so that they
    can be loaded again dated from now. Reports a user imported are left alone."""
    removed, _ = PerformanceImport.objects.filter(filename__startswith=DEMO_SOURCE).delete()
    return removed
