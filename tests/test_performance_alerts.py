"""The account-health limits and the managers' alerts: crossing a limit or moving towards
it mails the managers through the job queue, once; a repeated import sends nothing."""

import pytest
from django.core import mail
from inbox_support import user_make
from performance_support import DE, US, changed, marketplace, raw, report

from helpdesk.performance.importing import performance_import
from helpdesk.performance.models import HealthAlert, Metric
from helpdesk.performance.thresholds import THRESHOLDS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("metric", "value", "judged"), [
    (Metric.ODR_MFN, 0.0079, "ok"),
    (Metric.ODR_MFN, 0.0080, "near"),
    (Metric.ODR_MFN, 0.0099, "near"),
    (Metric.ODR_MFN, 0.0100, "crossed"),  # the rule is "under 1 %"
    (Metric.LATE_SHIPMENT, 0.039, "near"),
    (Metric.LATE_SHIPMENT, 0.04, "crossed"),
    (Metric.PRE_FULFILLMENT_CANCEL, 0.019, "ok"),
    (Metric.PRE_FULFILLMENT_CANCEL, 0.025, "crossed"),
    (Metric.INVOICE_DEFECT, 0.049, "near"),
    (Metric.INVOICE_DEFECT, 0.05, "crossed"),  # "below 5 %"
    (Metric.ACCOUNT_HEALTH, 240, "ok"),
    (Metric.ACCOUNT_HEALTH, 239, "near"),
    (Metric.ACCOUNT_HEALTH, 200, "near"),
    (Metric.ACCOUNT_HEALTH, 199, "crossed"),
    (Metric.ACCOUNT_HEALTH, 99, "critical"),
])
def test_the_limits_from_the_rulebook(metric, value, judged):
    assert THRESHOLDS[metric].judge(value) == judged


@pytest.fixture
def managers(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                                    "OPTIONS": {}}}
    boss = user_make("boss", role="manager")
    boss.email = "boss@example-seller.com"
    boss.save()
    agent = user_make("anna", role="agent")
    agent.email = "anna@example-seller.com"
    agent.save()
    return [boss]


def test_a_figure_past_its_limit_mails_the_managers_once(managers, run_jobs):
    doc = report(marketplace(DE, odr=0.012), marketplace(US))
    result = performance_import(raw=raw(doc))
    assert result.alerts == 1
    run_jobs()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["boss@example-seller.com"]
    assert "Amazon.de: Order defect rate (seller-fulfilled) 1.20% CROSSED its limit " \
           "(under 1 %)" in sent.body
    assert "Amazon.com" not in sent.body
    # The same file again, and the same figures in another file: nothing more.
    performance_import(raw=raw(doc))
    performance_import(raw=raw(doc) + b"\n")
    run_jobs()
    assert len(mail.outbox) == 1
    assert HealthAlert.objects.count() == 1


def test_moving_towards_a_limit_alerts_only_when_worse_than_the_report_before(
    managers, run_jobs
):
    performance_import(raw=raw(report(marketplace(DE, to="2026-10-31", odr=0.006))))
    run_jobs()
    assert mail.outbox == []  # healthy
    performance_import(raw=raw(report(marketplace(DE, to="2026-11-30", odr=0.0085))))
    run_jobs()
    assert len(mail.outbox) == 1
    assert "is moving towards its limit" in mail.outbox[0].body
    performance_import(raw=raw(report(marketplace(DE, to="2026-12-31", odr=0.0082))))
    run_jobs()
    assert len(mail.outbox) == 1  # still near, but better than before


def test_near_a_limit_with_no_report_before_is_no_alert(managers, run_jobs):
    performance_import(raw=raw(report(marketplace(DE, odr=0.009, late=0.035))))
    run_jobs()
    assert mail.outbox == []


def test_an_account_health_rating_under_100_is_named_in_the_mail(managers, run_jobs):
    performance_import(raw=raw(report(marketplace(US, ahr=95))))
    run_jobs()
    assert "Amazon.com: Account health rating 95 CROSSED its limit (200 or more; under 100 " \
           "is immediate risk)" in mail.outbox[0].body


def test_a_refused_file_sends_nothing(managers, run_jobs):
    from helpdesk.performance.schema import ReportInvalid

    bad = changed(report(marketplace(DE, odr=0.02)), "performanceMetrics[0].lateShipmentRate",
                  ...)
    with pytest.raises(ReportInvalid):
        performance_import(raw=raw(bad))
    run_jobs()
    assert mail.outbox == [] and HealthAlert.objects.count() == 0


def test_an_invoice_defect_rate_past_five_percent_mails_the_managers(managers, run_jobs):
    """DOMAIN.md measures sellers on the invoice defect rate too (below 5 %): a report that
    carries it alerts like the other limits; a report without it (most marketplaces) does
    not make one up."""
    result = performance_import(raw=raw(report(marketplace(DE, idr=0.06), marketplace(US))))
    assert result.alerts == 1
    run_jobs()
    assert "Amazon.de: Invoice defect rate 6.00% CROSSED its limit (under 5 %)" \
        in mail.outbox[0].body
    assert not HealthAlert.objects.filter(marketplace_id=US, metric=Metric.INVOICE_DEFECT)
