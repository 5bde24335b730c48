"""The account health page: Amazon's figures against the limits, ours where we can compute
it, the trend over the imported reports and the orders behind our order defect rate."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.utils import translation
from inbox_support import ticket_make, user_make
from performance_support import DE, SAMPLES, marketplace, raw, report

from helpdesk.marketplaces.models import Channel, Order
from helpdesk.performance.health import account_health
from helpdesk.performance.importing import performance_import
from helpdesk.performance.models import Metric

pytestmark = pytest.mark.django_db


def _samples() -> None:
    for path in SAMPLES:
        performance_import(raw=path.read_bytes(), filename=path.name)


def test_the_latest_figure_is_judged_and_the_trend_has_every_snapshot():
    _samples()
    found = {m.name: {h.metric: h for h in m.metrics} for m in account_health()}
    assert set(found) == {"Amazon.com", "Amazon.co.uk", "Amazon.de", "Amazon.fr", "Amazon.it",
                          "Amazon.es", "Amazon.co.jp"}
    japan_ahr = found["Amazon.co.jp"][Metric.ACCOUNT_HEALTH]
    assert [p.value for p in japan_ahr.trend] == [150, 120, 95]
    assert japan_ahr.judgement == "critical"
    assert found["Amazon.co.uk"][Metric.LATE_SHIPMENT].judgement == "crossed"
    assert found["Amazon.it"][Metric.ODR_MFN].judgement == "crossed"
    assert found["Amazon.de"][Metric.ODR_MFN].judgement == "near"
    assert found["Amazon.fr"][Metric.ODR_MFN].judgement == "ok"
    # Only Amazon.de reports invoices (the rate DOMAIN.md keeps below 5 %).
    invoices = found["Amazon.de"][Metric.INVOICE_DEFECT]
    assert [p.value for p in invoices.trend] == pytest.approx([0.021, 0.038, 0.057], abs=5e-4)
    assert invoices.judgement == "crossed"
    assert [n for n, m in found.items() if Metric.INVOICE_DEFECT in m] == ["Amazon.de"]
    assert len(japan_ahr.chart.bars) == 3
    assert [b.below_target for b in japan_ahr.chart.bars] == [True, True, True]


def test_our_order_defect_rate_and_its_orders_beside_amazons(client):
    performance_import(raw=raw(report(marketplace(DE, odr=0.004, to="2026-11-30"))))
    channel = Channel.objects.get(code="amazon-de")
    claimed = ticket_make(channel="amazon-de", kind="claim", order_id="302-1111111-1111111")
    Order.objects.filter(pk=claimed.order_id).update(
        purchased_at=datetime(2026, 11, 10, tzinfo=UTC), channel=channel)
    Order.objects.create(order_id="302-2222222-2222222", channel=channel,
                         purchased_at=datetime(2026, 11, 12, tzinfo=UTC))
    Order.objects.create(order_id="302-3333333-3333333", channel=channel,  # before the window
                         purchased_at=datetime(2026, 9, 1, tzinfo=UTC))
    odr = next(h for h in account_health()[0].metrics if h.metric == Metric.ODR_MFN)
    assert (odr.ours.defective, odr.ours.orders, odr.ours.rate) == (1, 2, 0.5)
    assert [o.order_id for o in odr.orders] == ["302-1111111-1111111"]
    client.force_login(user_make("mgr", role="manager"))
    page = client.get("/reports/health/").text
    assert "50.00% (1 / 2)" in page and "302-1111111-1111111" in page
    assert "0.40%" in page  # Amazon's


def test_the_page_shows_limits_judgements_and_a_chart(client):
    _samples()
    client.force_login(user_make("mgr", role="manager"))
    page = client.get("/reports/health/")
    assert page.status_code == 200
    text = page.text
    assert 'id="metric-A1VC38T7YXB528-account_health"' in text
    assert "Immediate risk" in text and "Past the limit" in text and "Near the limit" in text
    assert "Invoice defect rate" in text and "under 5 %" in text
    assert "under 2.5 %" in text and "200 or more; under 100 is immediate risk" in text
    assert text.count("<svg") >= 7
    only_de = client.get("/reports/health/?channel=amazon-de").text
    assert 'id="health-A1PA6795UKMFR9"' in only_de
    assert 'id="health-A1VC38T7YXB528"' not in only_de
    # A channel code that is no marketplace is ignored, not an error.
    assert client.get("/reports/health/?channel=%3Cscript%3E").status_code == 200


def test_the_reports_page_links_the_new_pages(client):
    client.force_login(user_make("mgr", role="manager"))
    text = client.get("/reports/").text
    for url in ("/reports/amazon/", "/reports/health/", "/inbox/seller-central/"):
        assert f'href="{url}"' in text


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_pages_render_in_every_shipped_language(client, language):
    _samples()
    client.force_login(user_make("mgr", role="manager"))
    with translation.override(language):
        for url in ("/reports/amazon/", "/reports/health/", "/inbox/seller-central/"):
            response = client.get(url, headers={"accept-language": language})
            assert response.status_code == 200
            assert f'lang="{language}"' in response.text
