"""Small display helpers for the agents' pages."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone

from helpdesk.csp import FRAME_STYLE
from helpdesk.inbox import display

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
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path ("/etc/localtime"), a NUL
        local = value.astimezone(ZoneInfo("UTC"))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@register.filter
def when(value: datetime | None) -> str:
    return display.when(value)


@register.filter
def clock_short(obligation) -> str:
    """How long is left, or how long ago it ran out, in a badge's width."""
    return display.clock_text(obligation, timezone.now())


@register.filter
def full_time(value: datetime | None) -> str:
    return display.full_time(value)


@register.filter
def local_times(text: str) -> str:
    return display.local_times(text)


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
