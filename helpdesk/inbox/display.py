"""How times and clocks read on the agents' pages. Plain functions: the template filters
call them, and the inbox computes a page's rows with them once, in Python, rather than
through dozens of template lookups per row."""

import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _


def span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def clock_state(obligation, now: datetime) -> str:
    """pending, at_risk or overdue for an open clock, judged now (not by the stored state,
    which the sweep updates only every minute)."""
    return obligation.state_at(now)


def clock_text(obligation, now: datetime) -> str:
    if now > obligation.due_at:
        return _("%(span)s overdue") % {"span": span(now - obligation.due_at)}
    return _("%(span)s left") % {"span": span(obligation.due_at - now)}


def full_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


# How stored texts (the timeline, alerts) name a time: unambiguous for the record.
_UTC_TIME = re.compile(r"\b(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC\b")


def local_times(text: str) -> str:
    """A stored text with each "2026-03-29 14:05 UTC" in it shown in the agent's zone."""

    def local(match: re.Match) -> str:
        # Texts also carry what people typed (a buyer's name, an agent's note): a day that
        # does not exist, or one at the calendar's end that the agent's zone cannot hold, is
        # left as written rather than failing the ticket's page.
        try:
            return full_time(datetime.fromisoformat(f"{match[1]}T{match[2]}").replace(tzinfo=UTC))
        except (ValueError, OverflowError):
            return match[0]

    return _UTC_TIME.sub(local, text)


def when(value: datetime | None, today=None) -> str:
    """Compact, in the agent's zone: 14:05 today, 5 Oct this year, else 2025-10-05."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = today or timezone.localdate()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {MONTHS_3[local.month].title()}"
    return f"{local:%Y-%m-%d}"


def row_decorate(ticket, now: datetime) -> None:
    """What an inbox row shows, as attributes on the ticket."""
    clocks = ticket.open_clocks
    ticket.clock = None
    if clocks:
        first = ticket.clock = clocks[0]
        ticket.clock_css = clock_state(first, now)
        ticket.clock_text = clock_text(first, now)
        ticket.clock_title = f"{first.get_kind_display()} · {_('due')} {full_time(first.due_at)}"
        ticket.more_clocks = len(clocks) - 1
    ticket.when_text = when(ticket.last_message_at, timezone.localdate(now))
    ticket.when_title = full_time(ticket.last_message_at)
