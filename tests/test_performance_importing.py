"""Importing Amazon's seller performance report: valid, repeated, malformed, several
marketplaces and windows; the command and the admin upload over the same service."""

from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from performance_support import (
    DE,
    SAMPLES,
    UK,
    US,
    changed,
    contact_window,
    marketplace,
    raw,
    report,
)

from helpdesk.performance.importing import performance_import
from helpdesk.performance.models import (
    ContactResponseFigure,
    HealthFigure,
    Metric,
    PerformanceImport,
)
from helpdesk.performance.schema import ReportInvalid

pytestmark = pytest.mark.django_db


def _stored() -> tuple[int, int, int]:
    return (PerformanceImport.objects.count(), HealthFigure.objects.count(),
            ContactResponseFigure.objects.count())


def test_a_valid_report_is_stored_per_marketplace_metric_and_window():
    doc = report(
        marketplace(US, windows=[contact_window("2026-11-24", "2026-11-30", within=3, after=0,
                                                none=0, contacts=3),
                                 contact_window("2026-11-01", "2026-11-30")]),
        marketplace(DE, odr=0.008),
    )
    result = performance_import(raw=raw(doc), filename="r.json")
    assert result.created
    us = ContactResponseFigure.objects.filter(marketplace_id=US).order_by("window_from")
    assert [(f.window_from, f.window_until, f.contacts) for f in us] == [
        (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), 12),
        (datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), 3),
    ]
    de_odr = HealthFigure.objects.get(marketplace_id=DE, metric=Metric.ODR_MFN)
    assert (de_odr.value, de_odr.count, de_odr.total) == (0.008, 8, 1000)
    assert de_odr.channel.code == "amazon-de"
    assert HealthFigure.objects.get(marketplace_id=US, metric=Metric.ACCOUNT_HEALTH).value == 300
    assert result.source.report_date == datetime(2026, 12, 1, tzinfo=UTC)


def test_the_same_file_twice_changes_nothing():
    data = raw(report())
    first = performance_import(raw=data)
    before = _stored()
    again = performance_import(raw=data)
    assert not again.created and again.source == first.source
    assert _stored() == before


def test_contact_count_missing_is_the_sum_of_its_parts():
    doc = report(marketplace(windows=[contact_window(within=5, after=2, none=1,
                                                     contacts=None)]))
    performance_import(raw=raw(doc))
    assert ContactResponseFigure.objects.get().contacts == 8


def test_amazons_example_spelling_of_the_cancel_rate_is_read():
    doc = report(marketplace())
    metrics = doc["performanceMetrics"][0]
    metrics["prefulfillmentCancelRate"] = metrics.pop("preFulfillmentCancellationRate")
    performance_import(raw=raw(doc))
    assert HealthFigure.objects.filter(metric=Metric.PRE_FULFILLMENT_CANCEL).count() == 1


MALFORMED = [
    ("performanceMetrics[0].orderDefectRate.mfn.rate", 1.5,
     "performanceMetrics[0].orderDefectRate.mfn.rate", "less than or equal to 1"),
    ("performanceMetrics[0].orderDefectRate.mfn.rate", "0.5",
     "performanceMetrics[0].orderDefectRate.mfn.rate", "valid number"),
    ("performanceMetrics[0].lateShipmentRate.orderCount", -3,
     "performanceMetrics[0].lateShipmentRate.orderCount", "greater than or equal to 0"),
    ("performanceMetrics[0].lateShipmentRate", ...,
     "performanceMetrics[0].lateShipmentRate", "Field required"),
    ("performanceMetrics[0].marketplaceId", "XX123",
     "performanceMetrics[0]", "not an Amazon marketplace"),
    ("performanceMetrics[0].accountHealthRating.ahrScore", 1200,
     "performanceMetrics[0].accountHealthRating.ahrScore", "less than or equal to 1000"),
    ("performanceMetrics[0].lateShipmentRate.reportingDateRange.reportingDateTo", "yesterday",
     "performanceMetrics[0].lateShipmentRate.reportingDateRange.reportingDateTo",
     "valid datetime"),
    ("performanceMetrics[0].lateShipmentRate.reportingDateRange.reportingDateTo",
     "2026-11-30T23:59",
     "performanceMetrics[0].lateShipmentRate.reportingDateRange.reportingDateTo",
     "timezone"),
    ("performanceMetrics[0].lateShipmentRate.reportingDateRange.reportingDateTo",
     "2020-01-01T00:00Z",
     "performanceMetrics[0].lateShipmentRate.reportingDateRange",
     "reportingDateTo is before reportingDateFrom"),
    ("performanceMetrics[0].orderDefectRate.mfn.orderWithDefects.count", 5000,
     "performanceMetrics[0].orderDefectRate.mfn", "more than orderCount"),
    ("performanceMetrics[0].orderDefectRate.mfn.targetCondition", "MOSTLY",
     "performanceMetrics[0].orderDefectRate.mfn.targetCondition", "GREATER_THAN"),
    ("performanceMetrics[0].buyerSellerContactResponseTimeMetrics.responseTimeMetrics[0]"
     ".contactCount", 2,
     "performanceMetrics[0].buyerSellerContactResponseTimeMetrics.responseTimeMetrics[0]",
     "contactCount is less than"),
    ("performanceMetrics[0].buyerSellerContactResponseTimeMetrics.responseTimeMetrics[0]"
     ".averageResponseTimeInHours", ...,
     "performanceMetrics[0].buyerSellerContactResponseTimeMetrics.responseTimeMetrics[0]"
     ".averageResponseTimeInHours", "Field required"),
    ("performanceMetrics", [], "performanceMetrics", "at least 1"),
]


@pytest.mark.parametrize(("path", "value", "field", "reason"), MALFORMED)
def test_a_malformed_report_names_the_field_and_reason_and_stores_nothing(
    path, value, field, reason
):
    performance_import(raw=raw(report(marketplace(UK))))  # something already there
    before = _stored()
    doc = changed(report(marketplace(), marketplace(DE)), path, value)
    with pytest.raises(ReportInvalid) as caught:
        performance_import(raw=raw(doc))
    assert any(p.field == field and reason in p.reason for p in caught.value.problems), (
        caught.value.problems
    )
    assert _stored() == before


def test_the_invoice_defect_rate_is_kept_where_amazon_reports_it():
    doc = report(marketplace(DE, idr=0.03, orders=200), marketplace(US))
    performance_import(raw=raw(doc))
    idr = HealthFigure.objects.get(marketplace_id=DE, metric=Metric.INVOICE_DEFECT)
    assert (idr.value, idr.count, idr.total) == (0.03, 6, 200)
    assert (idr.details["missing_invoices"], idr.details["late_invoices"]) == (5, 1)
    assert not HealthFigure.objects.filter(marketplace_id=US, metric=Metric.INVOICE_DEFECT)
    impossible = changed(doc, "performanceMetrics[0].invoiceDefectRate.invoiceDefect.count", 900)
    with pytest.raises(ReportInvalid, match="invoiceDefect.count is more than orderCount"):
        performance_import(raw=raw(impossible))


def test_a_marketplace_twice_or_a_window_twice_is_refused():
    with pytest.raises(ReportInvalid, match="appears more than once"):
        performance_import(raw=raw(report(marketplace(US), marketplace(US))))
    twice = marketplace(windows=[contact_window(), contact_window()])
    with pytest.raises(ReportInvalid, match="timeFrame appears more than once"):
        performance_import(raw=raw(report(twice)))
    assert _stored() == (0, 0, 0)


def test_not_json_and_hostile_input_are_refused():
    deep = b'{"performanceMetrics": ' + b"[" * 50000 + b"]" * 50000 + b"}"
    for data in (b"", b"{", b"\xff\xfe", b"[1, 2]", b'{"performanceMetrics": "x"}',
                 b"9" * 100000, b"[" * 50000, deep, b'{"a": 1e400}'):
        with pytest.raises(ReportInvalid):
            performance_import(raw=data)
    assert _stored() == (0, 0, 0)


def test_the_sample_reports_import_as_three_snapshots_of_seven_marketplaces(settings):
    for path in SAMPLES:
        performance_import(raw=path.read_bytes(), filename=path.name)
    assert PerformanceImport.objects.count() == 3
    assert set(HealthFigure.objects.values_list("channel__code", flat=True)) == {
        "amazon-com", "amazon-co-uk", "amazon-de", "amazon-fr", "amazon-it", "amazon-es",
        "amazon-co-jp",
    }
    # 7 marketplaces x 3 windows (7, 30, 90 days) x 3 snapshots
    assert ContactResponseFigure.objects.count() == 63


def test_the_command_imports_reports_once_and_refuses_a_bad_one(tmp_path, capsys):
    call_command("import_performance", *map(str, SAMPLES[:2]))
    out = capsys.readouterr().out
    assert "seller-performance-2026-09-30.json: report of 2026-10-01" in out
    call_command("import_performance", str(SAMPLES[0]))
    assert "imported before" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_bytes(raw(changed(report(), "performanceMetrics[0].orderDefectRate", ...)))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_performance", str(bad))
    assert "performanceMetrics[0].orderDefectRate: Field required" in capsys.readouterr().err
    assert PerformanceImport.objects.count() == 2


_LATE_TO = "performanceMetrics[0].lateShipmentRate.reportingDateRange.reportingDateTo"
_CONTACT_END = ("performanceMetrics[0].buyerSellerContactResponseTimeMetrics"
                ".responseTimeMetrics[0].timeFrame.end")


@pytest.mark.parametrize(("path", "value"), [
    (_LATE_TO, "9999-12-31T23:59Z"),  # the window's end, a minute later, is past the calendar
    (_LATE_TO, "9999-12-31T20:00-08:00"),  # no UTC time holds it
    (_CONTACT_END, "9999-12-31T23:59Z"),
    ("performanceMetrics[0].orderDefectRate.mfn.reportingDateRange.reportingDateFrom",
     "0001-01-01T00:00+05:00"),
])
def test_a_date_at_the_end_of_the_calendar_names_the_field_on_upload_not_a_server_error(
    admin_client: Client, path, value
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = raw(changed(report(), path, value))
    page = admin_client.post("/admin/performance/performanceimport/upload/",
                             {"report": SimpleUploadedFile("far.json", bad)})
    assert page.status_code == 200
    assert f"{path}: the date is too close to the ends of the calendar" in page.text
    assert _stored() == (0, 0, 0)


def test_a_report_of_the_first_years_of_the_calendar_leaves_the_health_page_readable(
    admin_client: Client
):
    """Ours beside Amazon's looks back 60 days from a window's end: a window ending in the
    calendar's first weeks has no such 60 days, so such a date is refused at import."""
    path = "performanceMetrics[0].orderDefectRate.mfn.reportingDateRange"
    doc = changed(changed(report(), f"{path}.reportingDateFrom", "0001-01-01T00:00Z"),
                  f"{path}.reportingDateTo", "0001-01-02T23:59Z")
    with pytest.raises(ReportInvalid, match="too close to the ends of the calendar"):
        performance_import(raw=raw(doc))
    assert admin_client.get("/reports/health/").status_code == 200


def test_the_admin_upload_imports_and_shows_the_problems(admin_client: Client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/admin/performance/performanceimport/upload/"
    bad = raw(changed(report(), "performanceMetrics[0].lateShipmentRate.rate", 7))
    page = admin_client.post(url, {"report": SimpleUploadedFile("bad.json", bad)})
    assert "nothing was imported" in page.text
    assert "performanceMetrics[0].lateShipmentRate.rate: Input should be less than or equal" \
        in page.text
    assert PerformanceImport.objects.count() == 0
    good = SAMPLES[0].read_bytes()
    done = admin_client.post(url, {"report": SimpleUploadedFile("r.json", good)}, follow=True)
    assert "Imported the report of 2026-10-01" in done.text
    again = admin_client.post(url, {"report": SimpleUploadedFile("r.json", good)}, follow=True)
    assert "imported before; nothing changed" in again.text
    assert PerformanceImport.objects.count() == 1
