"""Import Amazon's seller performance report: the whole file or nothing, once per file."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.marketplaces.models import Channel

from .alerts import health_alerts_record
from .marketplaces import MARKETPLACE_CHANNELS
from .models import ContactResponseFigure, HealthFigure, Metric, PerformanceImport
from .schema import DateRange, MarketplaceMetrics, report_parse, window_until


@dataclass(frozen=True)
class ImportResult:
    source: PerformanceImport
    created: bool
    health_figures: int
    contact_figures: int
    alerts: int


def _window(r: DateRange) -> dict:
    return {"window_from": r.reportingDateFrom, "window_until": window_until(r.reportingDateTo)}


def _health(m: MarketplaceMetrics) -> list[dict]:
    rows = []
    for metric, odr in ((Metric.ODR_MFN, m.orderDefectRate.mfn),
                        (Metric.ODR_AFN, m.orderDefectRate.afn)):
        if odr is not None:
            rows.append(dict(
                metric=metric, value=odr.rate, count=odr.orderWithDefects.count,
                total=odr.orderCount, status=odr.status, **_window(odr.reportingDateRange),
                details={"claims": odr.claims.count, "chargebacks": odr.chargebacks.count,
                         "negative_feedback": odr.negativeFeedback.count,
                         "target": odr.targetValue},
            ))
    late, cancel = m.lateShipmentRate, m.preFulfillmentCancellationRate
    rows.append(dict(metric=Metric.LATE_SHIPMENT, value=late.rate, count=late.lateShipmentCount,
                     total=late.orderCount, status=late.status,
                     details={"target": late.targetValue}, **_window(late.reportingDateRange)))
    rows.append(dict(metric=Metric.PRE_FULFILLMENT_CANCEL, value=cancel.rate,
                     count=cancel.cancellationCount, total=cancel.orderCount,
                     status=cancel.status, details={"target": cancel.targetValue},
                     **_window(cancel.reportingDateRange)))
    if (idr := m.invoiceDefectRate) is not None:
        rows.append(dict(
            metric=Metric.INVOICE_DEFECT, value=idr.rate, count=idr.invoiceDefect.count,
            total=idr.orderCount, status=idr.status, **_window(idr.reportingDateRange),
            details={"target": idr.targetValue,
                     "missing_invoices": idr.missingInvoice and idr.missingInvoice.count,
                     "late_invoices": idr.lateInvoice and idr.lateInvoice.count},
        ))
    if (vt := m.validTrackingRate) is not None:
        rows.append(dict(metric=Metric.VALID_TRACKING, value=vt.rate,
                         count=vt.validTrackingCount, total=vt.shipmentCount, status=vt.status,
                         details={"target": vt.targetValue}, **_window(vt.reportingDateRange)))
    if (otd := m.onTimeDeliveryRate) is not None:
        rows.append(dict(metric=Metric.ON_TIME_DELIVERY, value=otd.rate,
                         count=otd.onTimeDeliveryCount,
                         total=otd.shipmentCountWithValidTracking, status=otd.status,
                         details={"target": otd.targetValue}, **_window(otd.reportingDateRange)))
    ahr = m.accountHealthRating
    rows.append(dict(metric=Metric.ACCOUNT_HEALTH, value=ahr.ahrScore, status=ahr.ahrStatus,
                     **_window(ahr.reportingDateRange)))
    return rows


def _contacts(m: MarketplaceMetrics) -> list[dict]:
    block = m.buyerSellerContactResponseTimeMetrics
    if block is None:
        return []
    rows = []
    for w in block.responseTimeMetrics:
        judged = (w.responseUnder24Hours + w.responseTimeGreaterThan24Hours
                  + w.noResponseForContactsOlderThan24Hours)
        rows.append(dict(
            window_from=w.timeFrame.start, window_until=window_until(w.timeFrame.end),
            contacts=w.contactCount if w.contactCount is not None else judged,
            within_24h=w.responseUnder24Hours, after_24h=w.responseTimeGreaterThan24Hours,
            no_response_24h=w.noResponseForContactsOlderThan24Hours,
            average_response_hours=w.averageResponseTimeInHours,
        ))
    return rows


def performance_import(
    *, raw: bytes, filename: str = "", user: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Store the report in ``raw`` as a snapshot; raises ``schema.ReportInvalid`` (nothing
    stored) when a field is missing or wrong. The same bytes again return the first import."""
    now = now or timezone.now()
    sha = hashlib.sha256(raw).hexdigest()
    if (existing := PerformanceImport.objects.filter(sha256=sha).first()) is not None:
        return ImportResult(existing, False, 0, 0, 0)
    report = report_parse(raw)
    channels = dict(Channel.objects.filter(code__in=MARKETPLACE_CHANNELS.values())
                    .values_list("code", "pk"))
    health, contacts = [], []
    for m in report.performanceMetrics:
        where = {"marketplace_id": m.marketplaceId,
                 "channel_id": channels.get(MARKETPLACE_CHANNELS[m.marketplaceId])}
        health += [HealthFigure(**where, **row) for row in _health(m)]
        contacts += [ContactResponseFigure(**where, **row) for row in _contacts(m)]
    report_date = max(f.window_until for f in [*health, *contacts])
    try:
        with transaction.atomic():
            source = PerformanceImport.objects.create(
                sha256=sha, filename=filename[:255], imported_at=now, imported_by=user,
                report_date=report_date,
            )
            for row in [*health, *contacts]:
                row.source = source
            HealthFigure.objects.bulk_create(health)
            ContactResponseFigure.objects.bulk_create(contacts)
            alerts = health_alerts_record(figures=health, now=now)
    except IntegrityError:
        # The same file imported at the same moment by someone else: theirs is the import.
        if (existing := PerformanceImport.objects.filter(sha256=sha).first()) is not None:
            return ImportResult(existing, False, 0, 0, 0)
        raise
    return ImportResult(source, True, len(health), len(contacts), alerts)
