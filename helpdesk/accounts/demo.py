"""Demo data for `make run`: users, and the fixture mails moved to the last few days so the
clocks in the inbox are live."""

import re
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.utils import timezone

from helpdesk.mail.services import IngestResult, mail_ingest
from helpdesk.mail.sources.files import mails_read, paths_expand

# Printed by `load_demo` and listed in README; for a local demo only.
DEMO_USERS = [
    # (username, password, group, is_staff/superuser)
    ("agent", "agent-demo-pass", "agent", False),
    ("manager", "manager-demo-pass", "manager", False),
    ("admin", "admin-demo-pass", "admin", True),
]
ROLES = ["agent", "manager", "admin"]
_DATE = re.compile(rb"^Date:[^\r\n]*(\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)


def demo_users_create() -> list[tuple[str, str]]:
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    created = []
    for username, password, role, is_admin in DEMO_USERS:
        user, made = User.objects.get_or_create(
            username=username, defaults={"is_staff": is_admin, "is_superuser": is_admin}
        )
        if made:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        created.append((username, password))
    return created


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
    """Ingest the fixture mails with their dates moved so the newest is three hours old."""
    now = now or timezone.now()
    mails = [mail for path in paths_expand([folder]) if path.suffix == ".eml"
             for mail in mails_read(path)]
    dates = [d for d in (_date_of(raw) for _, raw in mails) if d and d.year < 2030]
    shift = (now - timedelta(hours=3) - max(dates)) if dates else timedelta(0)
    results = []
    for source, raw in mails:
        when = _date_of(raw)
        if when and when.year < 2030:
            new_date = f"Date: {format_datetime(when + shift)}".encode()
            raw = _DATE.sub(lambda _: new_date, raw, count=1)
        results.append(mail_ingest(raw=raw, source=f"demo:{source}"))
    return results
