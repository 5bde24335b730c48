"""A channel's reply policy as the clock's ``Policy``."""

import logging
from datetime import time

from django.core.exceptions import ValidationError

from helpdesk.marketplaces.models import Channel, time_zone_validate

from .clock import BusinessCalendar, Policy

log = logging.getLogger(__name__)


def business_hours_parse(value: dict) -> dict[int, tuple[time, time]]:
    """``{"0": ["09:00", "17:00"], ...}`` → ``{0: (time(9), time(17)), ...}``; raises
    ValidationError with a message an admin understands."""
    if not isinstance(value, dict):
        raise ValidationError('Business hours must look like {"0": ["09:00", "17:00"]}.')
    hours = {}
    for day, span in value.items():
        try:
            weekday = int(day)
            opening, closing = (time.fromisoformat(part) for part in span)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f'Business hours for day {day!r} must be ["HH:MM", "HH:MM"].'
            ) from exc
        if not 0 <= weekday <= 6:
            raise ValidationError(f"Weekday {day!r} must be 0 (Monday) to 6 (Sunday).")
        if closing <= opening:
            raise ValidationError(f"On day {day!r} closing must be after opening.")
        hours[weekday] = (opening, closing)
    return hours


def channel_policy(channel: Channel, holidays: frozenset | None = None) -> Policy:
    """The channel's policy. Business hours or a time zone that the admin's form would refuse
    (written around it: a script, a queryset update) are skipped and logged: the clocks then
    count calendar hours, the stricter reading, rather than every mail of the channel failing
    to be filed."""
    calendar = None
    if channel.business_hours:
        if holidays is None:
            holidays = frozenset(channel.holidays.values_list("day", flat=True))
        try:
            time_zone_validate(channel.time_zone)  # the zone is otherwise read only when used
            calendar = BusinessCalendar(
                time_zone=channel.time_zone,
                hours=business_hours_parse(channel.business_hours),
                holidays=holidays,
            )
        except ValidationError as exc:
            log.error("Channel %s: business hours skipped, calendar hours count: %s",
                      channel.code, "; ".join(exc.messages))
    return Policy(
        buyer_reply_hours=channel.reply_limit_hours,
        return_hours=channel.return_limit_hours,
        claim_hours=channel.claim_limit_hours,
        at_risk_share=channel.at_risk_share,
        calendar=calendar,
    )
