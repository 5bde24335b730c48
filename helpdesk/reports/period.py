"""The period a report covers: [since, until) between local midnights in the manager's
time zone, stored and queried in UTC."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

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


class PeriodError(ValueError):
    """A period the picker cannot show, with the field to mark and what to tell the manager."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _representable(period: Period) -> None:
    """Refuse dates at the ends of the calendar (year 1, year 9999): the period's end is the
    midnight after its last day, the complaint trends read the period just before it, and
    both are queried in UTC; a date typed there would otherwise be a server error."""
    try:
        period.until.astimezone(UTC)
    except OverflowError:
        raise PeriodError("until", _("The last day is too far in the future.")) from None
    try:
        period.previous().since.astimezone(UTC)
    except OverflowError:
        raise PeriodError("since", _("The first day is too far in the past.")) from None


def period_default(*, zone: tzinfo, now: datetime) -> Period:
    return period_from(key=DEFAULT, zone=zone, now=now)


def period_from(
    *, key: str, since: date | None = None, until: date | None = None, zone: tzinfo,
    now: datetime,
) -> Period:
    """The period a picker asks for. Dates given make it a custom period whatever the preset
    (a date typed is meant); a custom period needs both dates in order and at most
    ``MAX_DAYS`` long, else PeriodError says which field is wrong."""
    if since or until or key == "custom":
        if since is None:
            raise PeriodError("since", _("Give the first day of the period."))
        if until is None:
            raise PeriodError("until", _("Give the last day of the period."))
        if until < since:
            raise PeriodError("until", _("The last day is before the first day."))
        if (until - since).days >= MAX_DAYS:
            raise PeriodError("until", _("A period may be at most %(n)d days long.")
                              % {"n": MAX_DAYS})
        period = Period("custom", since, until, zone)
        _representable(period)
        return period
    if key and key not in PRESETS:
        raise PeriodError("period", _("Pick a period from the list."))
    key = key or DEFAULT
    today = now.astimezone(zone).date()
    return Period(key, today - timedelta(days=PRESETS[key] - 1), today, zone)
