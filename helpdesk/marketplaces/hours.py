"""A channel's opening hours as the admin types them (``{"0": ["09:00", "17:00"]}``):
read, checked, and measured against the channel's limits. The clock (``helpdesk.sla``)
counts working time with them; the channel's form refuses what it could not count."""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError


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


# The clock looks ten years ahead for working time (BusinessCalendar.add_hours); 500 weeks
# leave room for holidays and the hour a DST change takes from a window.
CALENDAR_WEEKS = 500


def calendar_weeks_needed(hours: dict[int, tuple[time, time]], limit_hours: int) -> float:
    """How many working weeks ``limit_hours`` take with these opening hours (wall time)."""
    day = date(2001, 1, 1)  # any date: only the times' difference counts
    weekly = sum(
        (datetime.combine(day, closing) - datetime.combine(day, opening)).total_seconds()
        for opening, closing in hours.values()
    ) / 3600
    return limit_hours / weekly if weekly else float("inf")
