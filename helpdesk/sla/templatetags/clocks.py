"""How an open clock reads to an agent: "3 h 12 min left", "overdue by 2 h 5 min"."""

from datetime import timedelta

from django import template
from django.utils import timezone

register = template.Library()


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@register.filter
def clock_state(obligation) -> str:
    """The state as of this moment: pending, at_risk or overdue (open clocks), else stored."""
    return obligation.state_at(timezone.now())


@register.filter
def clock_left(obligation) -> str:
    now = timezone.now()
    if now > obligation.due_at:
        return f"overdue by {_span(now - obligation.due_at)}"
    return f"{_span(obligation.due_at - now)} left"
