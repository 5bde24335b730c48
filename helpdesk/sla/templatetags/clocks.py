"""How an open clock reads to an agent: its state as of this moment. (How long is left reads
the same everywhere: ``inbox.display.clock_text``, through the ``clock_short`` filter.)"""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def clock_state(obligation) -> str:
    """The state as of this moment: pending, at_risk or overdue (open clocks), else stored."""
    return obligation.state_at(timezone.now())
