"""The period a report covers: [since, until) between local midnights in the manager's
time zone, stored and queried in UTC."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

# Like Seller Central: today, the last 7/30/90 days (today included), or any dates.
PRESETS = {"today": 1, "7": 7, "30": 30, "90": 90}
PRESET_LABELS = [
    ("today", _("Today")),
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("custom", _("Custom")),
]
DEFAULT = "30"
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive
    zone: tzinfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first_day, time(), tzinfo=self.zone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=self.zone)

    @property
    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=n)
            for n in range((self.last_day - self.first_day).days + 1)
        ]

    def previous(self) -> "Period":
        """The same number of days just before: what a rise is measured against."""
        length = timedelta(days=len(self.days))
        return Period("previous", self.first_day - length, self.last_day - length, self.zone)


def period_from(
    *, key: str, since: str = "", until: str = "", zone: tzinfo, now: datetime
) -> Period:
    """The period a picker asks for; a missing or bad custom date falls back to the default."""
    today = now.astimezone(zone).date()
    if key == "custom":
        first, last = parse_date(since or ""), parse_date(until or "")
        if first and last and first <= last and (last - first).days < MAX_DAYS:
            return Period("custom", first, last, zone)
        key = DEFAULT
    days = PRESETS.get(key) or PRESETS[DEFAULT]
    key = key if key in PRESETS else DEFAULT
    return Period(key, today - timedelta(days=days - 1), today, zone)
