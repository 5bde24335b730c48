"""What the management commands have in common: how machines run them, and how a person's
dates, times and zones are read from the command line."""

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class UnattendedCommand(BaseCommand):
    """A command run by cron, a mail hook or a supervisor, often (every minute, per mail
    file), not by a person at a prompt. It skips Django's system checks, which import and
    check every URL, view and admin page (0.45 s each run, more than most runs' own work);
    `manage.py check`, `migrate` and the web server still run them, and so does CI."""

    requires_system_checks: list[str] = []


def instant_parse(value: str, *, option: str, zone: tzinfo | None = None) -> datetime:
    """An ISO date or time; without an offset it is read in ``zone`` (default: the server's
    TIME_ZONE), so a date is that zone's midnight. Anything else is a CommandError naming
    ``option``."""
    try:
        parsed = parse_datetime(value) or parse_datetime(f"{value}T00:00:00")
    except ValueError:  # well formed but no such day or time, e.g. 2026-02-30
        parsed = None
    if parsed is None:
        raise CommandError(f"{option} must be an ISO date or time, not {value!r}")
    instant = timezone.make_aware(parsed, zone) if timezone.is_naive(parsed) else parsed
    try:
        instant.astimezone(UTC)  # the database is asked in UTC
    except OverflowError:
        raise CommandError(
            f"{option} is too close to the ends of the calendar: {value!r}"
        ) from None
    return instant


def zone_parse(value: str | None, *, option: str) -> tzinfo | None:
    """The IANA zone ``value`` names, None for none; anything else is a CommandError."""
    if not value:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # ValueError: a path, a NUL
        raise CommandError(f"{option} must be an IANA zone such as Europe/Berlin, "
                           f"not {value!r}") from exc
