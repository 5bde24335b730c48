"""A channel's reply policy as the clock's ``Policy``."""

import logging

from django.core.exceptions import ValidationError

from helpdesk.marketplaces.hours import CALENDAR_WEEKS, business_hours_parse, calendar_weeks_needed
from helpdesk.marketplaces.models import LIMIT_HOURS_MAX, Channel, time_zone_validate

from .clock import BusinessCalendar, Policy

log = logging.getLogger(__name__)


def _limit(channel: Channel, field: str, default: int) -> int:
    """The channel's limit, or the default where it is one the admin's form would refuse
    (0, or past a year: no deadline could be computed and no mail of the channel filed)."""
    value = getattr(channel, field)
    if isinstance(value, int) and 1 <= value <= LIMIT_HOURS_MAX:
        return value
    log.error("Channel %s: %s %r skipped, %s hours count", channel.code, field, value, default)
    return default


def channel_policy(channel: Channel, holidays: frozenset | None = None) -> Policy:
    """The channel's policy. Business hours or a time zone that the admin's form would refuse
    (written around it: a script, a queryset update) are skipped and logged: the clocks then
    count calendar hours, the stricter reading, rather than every mail of the channel failing
    to be filed. So are working hours too few for a limit to end within ten years, and a
    limit or share out of the form's range gives way to the default."""
    defaults = Policy()
    limits = (
        _limit(channel, "reply_limit_hours", defaults.buyer_reply_hours),
        _limit(channel, "return_limit_hours", defaults.return_hours),
        _limit(channel, "claim_limit_hours", defaults.claim_hours),
    )
    # No limit of its own: a chargeback has the A-to-z claim's.
    chargeback = (limits[2] if channel.chargeback_limit_hours is None
                  else _limit(channel, "chargeback_limit_hours", limits[2]))
    calendar = None
    if channel.business_hours:
        if holidays is None:
            holidays = frozenset(channel.holidays.values_list("day", flat=True))
        try:
            time_zone_validate(channel.time_zone)  # the zone is otherwise read only when used
            hours = business_hours_parse(channel.business_hours)
            if calendar_weeks_needed(hours, max(*limits, chargeback)) > CALENDAR_WEEKS:
                raise ValidationError("the limits would take more than ten years of its hours")
            calendar = BusinessCalendar(
                time_zone=channel.time_zone, hours=hours, holidays=holidays
            )
        except ValidationError as exc:
            log.error("Channel %s: business hours skipped, calendar hours count: %s",
                      channel.code, "; ".join(exc.messages))
    return Policy(
        buyer_reply_hours=limits[0],
        return_hours=limits[1],
        claim_hours=limits[2],
        chargeback_hours=chargeback,
        at_risk_share=(channel.at_risk_share if 0 < channel.at_risk_share < 1
                       else defaults.at_risk_share),
        calendar=calendar,
    )
