"""Small display helpers for the agents' pages."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from helpdesk.inbox.security import FRAME_STYLE

register = template.Library()

# Prepended to a buyer's (already sanitised) HTML inside the sandboxed iframe: nothing may be
# loaded or run, whatever the mail says; plain readable type.
_FRAME_HEAD = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "img-src data:; style-src 'unsafe-inline'\">"
    f"<style>{FRAME_STYLE}</style>"
)


@register.filter
def in_zone(value: datetime | None, zone: str) -> str:
    """A time as it is in ``zone`` (the buyer's marketplace), e.g. for a hover title."""
    if value is None:
        return ""
    try:
        local = value.astimezone(ZoneInfo(zone or "UTC"))
    except ZoneInfoNotFoundError:
        local = value.astimezone(ZoneInfo("UTC"))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@register.filter
def when(value: datetime | None) -> str:
    """Compact, in the agent's zone: 14:05 today, 5 Oct this year, else 2025-10-05."""
    if value is None:
        return ""
    local, today = timezone.localtime(value), timezone.localdate()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.year == today.year:
        return date_format(local, "j M")
    return f"{local:%Y-%m-%d}"


@register.filter
def clock_short(obligation) -> str:
    """How long is left, or how long ago it ran out, in a badge's width."""
    now = timezone.now()
    if now > obligation.due_at:
        return _("%(span)s overdue") % {"span": _span(now - obligation.due_at)}
    return _("%(span)s left") % {"span": _span(obligation.due_at - now)}


def _span(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def full_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@register.filter
def frame_document(html: str) -> str:
    """The document for ``<iframe sandbox srcdoc=…>``. Returned unsafe on purpose: the
    template's autoescaping turns it into a valid attribute value."""
    return _FRAME_HEAD + (html or "")


@register.filter
def user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()
