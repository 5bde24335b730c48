"""The seller performance report as Amazon documents it, checked field by field.

The shape is Amazon's published JSON schema of the Reports API's seller performance report
(``schemas/reports/accountHealthReport-2020-11-18.json`` in amzn/selling-partner-api-models):
``performanceMetrics[]`` per ``marketplaceId``, each metric with its ``reportingDateRange``,
counts, ``rate``, ``status``, ``targetValue`` and ``targetCondition``. The buyer-seller
contact response time figures are not in that schema; the report that carries them
(``GET_V1_SELLER_PERFORMANCE_REPORT``) names them ``buyerSellerContactResponseTimeMetrics``
→ ``responseTimeMetrics[]`` with a ``timeFrame`` per window, and a file brings them under
that name in each marketplace's entry (docs/DECISIONS.md, "Amazon's performance report").

Parsed with pydantic: every refusal names the field's path and the reason, and unknown
fields (the listing-policy blocks Amazon adds) are left alone."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .marketplaces import MARKETPLACE_CHANNELS

MAX_BYTES = 5 * 1024 * 1024  # a report for every marketplace is a few tens of kB

Count = Annotated[int, Field(ge=0, le=10**9)]
Rate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Status = Literal["GOOD", "BAD", "NONE", "FAIR", "POOR", "AT_RISK"]
Condition = Literal["GREATER_THAN", "LESS_THAN", "EQUALS"]


# Windows are stored in UTC and run to the end of their last minute, and ours beside
# Amazon's looks back 60 days from a window's end: a year's margin covers both.
_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=366)
_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=366)


def _in_utc(value: datetime) -> datetime:
    """A time at the calendar's ends (year 9999, year 1) has no window end to store or no
    60 days before it to count; it is no report's date."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not _EARLIEST <= utc <= _LATEST:
        raise ValueError("the date is too close to the ends of the calendar")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class _Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class DateRange(_Part):
    reportingDateFrom: Instant
    reportingDateTo: Instant

    @model_validator(mode="after")
    def _ordered(self) -> "DateRange":
        if self.reportingDateTo < self.reportingDateFrom:
            raise ValueError("reportingDateTo is before reportingDateFrom")
        return self


class CountStatus(_Part):
    count: Count
    status: Status


class _Metric(_Part):
    reportingDateRange: DateRange
    status: Status
    rate: Rate
    targetValue: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    targetCondition: Condition


class OrderDefects(_Metric):
    orderCount: Count
    orderWithDefects: CountStatus
    claims: CountStatus
    chargebacks: CountStatus
    negativeFeedback: CountStatus

    @model_validator(mode="after")
    def _within(self) -> "OrderDefects":
        if self.orderWithDefects.count > self.orderCount:
            raise ValueError("orderWithDefects.count is more than orderCount")
        return self


class OrderDefectRate(_Part):
    afn: OrderDefects | None = None
    mfn: OrderDefects | None = None

    @model_validator(mode="after")
    def _some(self) -> "OrderDefectRate":
        if self.afn is None and self.mfn is None:
            raise ValueError("needs afn or mfn")
        return self


class LateShipmentRate(_Metric):
    orderCount: Count
    lateShipmentCount: Count


class CancellationRate(_Metric):
    orderCount: Count
    cancellationCount: Count


class ValidTrackingRate(_Metric):
    shipmentCount: Count
    validTrackingCount: Count


class OnTimeDeliveryRate(_Metric):
    shipmentCountWithValidTracking: Count
    onTimeDeliveryCount: Count


class Counted(_Part):
    count: Count
    status: Status | None = None


class InvoiceDefectRate(_Metric):
    """Invoices missing or late (due by the end of the first business day after shipment):
    reported for the marketplaces where Amazon tracks them, so the block may be absent."""

    orderCount: Count
    invoiceDefect: Counted
    missingInvoice: Counted | None = None
    lateInvoice: Counted | None = None

    @model_validator(mode="after")
    def _within(self) -> "InvoiceDefectRate":
        if self.invoiceDefect.count > self.orderCount:
            raise ValueError("invoiceDefect.count is more than orderCount")
        return self


class AccountHealthRating(_Part):
    ahrStatus: Annotated[str, Field(min_length=1, max_length=40)]
    ahrScore: Annotated[int, Field(ge=0, le=1000)] | None = None
    reportingDateRange: DateRange


class TimeFrame(_Part):
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> "TimeFrame":
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class ResponseTimeWindow(_Part):
    timeFrame: TimeFrame
    responseUnder24Hours: Count
    responseTimeGreaterThan24Hours: Count
    noResponseForContactsOlderThan24Hours: Count
    averageResponseTimeInHours: Annotated[float, Field(ge=0, le=24 * 365, allow_inf_nan=False)]
    contactCount: Count | None = None

    @model_validator(mode="after")
    def _adds_up(self) -> "ResponseTimeWindow":
        judged = (self.responseUnder24Hours + self.responseTimeGreaterThan24Hours
                  + self.noResponseForContactsOlderThan24Hours)
        if self.contactCount is not None and self.contactCount < judged:
            raise ValueError("contactCount is less than the contacts counted in its parts")
        return self


class ContactResponseTimeMetrics(_Part):
    responseTimeMetrics: Annotated[list[ResponseTimeWindow], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _windows_once(self) -> "ContactResponseTimeMetrics":
        frames = [(w.timeFrame.start, w.timeFrame.end) for w in self.responseTimeMetrics]
        if len(set(frames)) < len(frames):
            raise ValueError("the same timeFrame appears more than once")
        return self


class MarketplaceMetrics(_Part):
    marketplaceId: str
    accountHealthRating: AccountHealthRating
    orderDefectRate: OrderDefectRate
    lateShipmentRate: LateShipmentRate
    # Amazon's schema requires ``preFulfillmentCancellationRate`` but its own example writes
    # ``prefulfillmentCancelRate``: both are read.
    preFulfillmentCancellationRate: CancellationRate = Field(
        validation_alias=AliasChoices("preFulfillmentCancellationRate", "prefulfillmentCancelRate")
    )
    invoiceDefectRate: InvoiceDefectRate | None = None
    validTrackingRate: ValidTrackingRate | None = None
    onTimeDeliveryRate: OnTimeDeliveryRate | None = None
    buyerSellerContactResponseTimeMetrics: ContactResponseTimeMetrics | None = None

    @model_validator(mode="after")
    def _known(self) -> "MarketplaceMetrics":
        if self.marketplaceId not in MARKETPLACE_CHANNELS:
            raise ValueError(f"marketplaceId {self.marketplaceId[:20]!r} is not an Amazon "
                             "marketplace the product knows")
        return self


class AccountStatus(_Part):
    marketplaceId: str
    status: Annotated[str, Field(min_length=1, max_length=40)]


class PerformanceReport(_Part):
    accountStatuses: Annotated[list[AccountStatus], Field(max_length=50)] = []
    performanceMetrics: Annotated[list[MarketplaceMetrics], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _once_each(self) -> "PerformanceReport":
        seen = [m.marketplaceId for m in self.performanceMetrics]
        twice = sorted({m for m in seen if seen.count(m) > 1})
        if twice:
            raise ValueError(f"marketplaceId {', '.join(twice)} appears more than once")
        return self


@dataclass(frozen=True)
class Problem:
    field: str  # e.g. performanceMetrics[0].orderDefectRate.mfn.rate
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


class ReportInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def _path(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            # The alias pair shows as "a|b": name the field by the documented name.
            text += ("." if text else "") + str(part).split("|")[0]
    return text


def report_parse(raw: bytes) -> PerformanceReport:
    """The report in ``raw``, or ``ReportInvalid`` naming every bad field and why."""
    if len(raw) > MAX_BYTES:
        raise ReportInvalid([Problem("", f"the file is over {MAX_BYTES // 1024 // 1024} MB")])
    try:
        return PerformanceReport.model_validate_json(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False)[:50]:
            reason = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(_path(error["loc"]), reason))
        raise ReportInvalid(problems) from exc


def window_until(to: datetime) -> datetime:
    """Amazon writes a window's last minute (``…T23:59Z``); the window runs to its end."""
    return to.replace(second=0, microsecond=0) + timedelta(minutes=1)
