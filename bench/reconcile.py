"""Amazon's figures beside ours: the reconciliation over 1,000,000 obligations on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reconcile .venv/bin/python bench/reconcile.py [N] [--reuse]

Builds the reports benchmark's data (`bench/reports.py`: N tickets with a buyer message and a
clock each over a year, replies, half through the outbox), and adds what the reconciliation
explains: a "No response required" on every 500th clock (half of them ticked as marked in
Seller Central), an opt-out notice after the reply on every 700th ticket and a failed send on
every 900th. Then imports a seller performance report for Amazon.com with 7-, 30- and
90-day windows ending now, and times, as a manager, `/reports/amazon/` and its CSV (median
of 5 after one warm-up).
"""

import json
import sys
from datetime import timedelta

from reports import pages_timed, reports_bench


def populate_explanations() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE sla_obligation SET state = 'no_response_required', is_open = false,
                   satisfied_by = 'no_response_required', satisfied_at = starts_at
                   + interval '1 hour', response_seconds = NULL, breached = false
            WHERE ticket_id % 500 = 7""")
        cursor.execute("""
            INSERT INTO sla_clockaction (ticket_id, kind, at, note, seller_central_marked_at)
            SELECT o.ticket_id, 'no_response_required', o.satisfied_at, '',
                   CASE WHEN o.ticket_id % 1000 = 7 THEN o.satisfied_at END
            FROM sla_obligation o WHERE o.ticket_id % 500 = 7""")
        cursor.execute("""
            INSERT INTO tickets_message (ticket_id, direction, kind, is_auto, sent_at,
                received_at, message_id, in_reply_to, subject, from_address, from_name,
                to_address, language, buyer_text, quoted_text, body_html)
            SELECT o.ticket_id, 'in', 'opt_out', true, o.satisfied_at + interval '5 minutes',
                   o.satisfied_at + interval '5 minutes', '<opt' || o.ticket_id || '@bench>', '',
                   'Opted out', 'auto-communication@amazon.com', '', '', 'en', '', '', ''
            FROM sla_obligation o
            WHERE o.ticket_id % 700 = 3 AND o.satisfied_at IS NOT NULL""")
        cursor.execute("""
            INSERT INTO replies_outbox (ticket_id, language, subject, body, message_id,
                from_address, to_address, in_reply_to, "references", state, attempts,
                last_error, claim_token, findings, override_reason, created_at)
            SELECT o.ticket_id, 'en', 'Re', 'Hi', '<fail' || o.ticket_id || '@bench>', 's@x',
                   'b@x', '', '', 'failed', 3, '550', '', '[]', '', o.starts_at
                   + interval '2 hours'
            FROM sla_obligation o WHERE o.ticket_id % 900 = 5""")


def report_now() -> bytes:
    from django.utils import timezone

    end = timezone.now()

    def window(days: int, contacts: int) -> dict:
        return {"timeFrame": {"start": (end - timedelta(days=days)).strftime("%Y-%m-%dT%H:%MZ"),
                              "end": end.strftime("%Y-%m-%dT%H:%MZ")},
                "responseUnder24Hours": contacts * 9 // 10,
                "responseTimeGreaterThan24Hours": contacts // 20,
                "noResponseForContactsOlderThan24Hours": contacts // 50,
                "averageResponseTimeInHours": 9.5, "contactCount": contacts}

    def rate(value: float, target: float) -> dict:
        return {"reportingDateRange": {"reportingDateFrom": (end - timedelta(days=30)).strftime(
            "%Y-%m-%dT%H:%MZ"), "reportingDateTo": end.strftime("%Y-%m-%dT%H:%MZ")},
            "status": "GOOD", "rate": value, "targetValue": target, "targetCondition": "LESS_THAN"}

    part = {**rate(0.004, 0.01), "orderCount": 100000,
            "orderWithDefects": {"count": 400, "status": "GOOD"},
            "claims": {"count": 200, "status": "NONE"},
            "chargebacks": {"count": 100, "status": "NONE"},
            "negativeFeedback": {"count": 100, "status": "NONE"}}
    return json.dumps({"accountStatuses": [], "performanceMetrics": [{
        "marketplaceId": "ATVPDKIKX0DER",
        "accountHealthRating": {"ahrStatus": "GREAT", "ahrScore": 320,
                                "reportingDateRange": rate(0, 0)["reportingDateRange"]},
        "orderDefectRate": {"mfn": part},
        "lateShipmentRate": {**rate(0.01, 0.04), "orderCount": 100000,
                             "lateShipmentCount": 1000},
        "preFulfillmentCancellationRate": {**rate(0.005, 0.025), "orderCount": 100000,
                                           "cancellationCount": 500},
        "buyerSellerContactResponseTimeMetrics": {"responseTimeMetrics": [
            window(7, 19000), window(30, 82000), window(90, 246000)]},
    }]}).encode()


def main() -> None:
    client = reports_bench(sys.argv[1:], populate_more=populate_explanations)
    from django.utils import timezone

    from helpdesk.performance.importing import performance_import
    from helpdesk.performance.reconcile import reconciliation

    source = performance_import(raw=report_now(), filename="bench.json").source
    rows = reconciliation(source=source, now=timezone.now())
    for row in rows:
        print(f"  {row.figure.window_from:%Y-%m-%d}: ours {row.ours}, explained "
              f"{ {e.kind: e.count for e in row.explanations} }")
    pages_timed(client, [f"/reports/amazon/?report={source.pk}",
                         f"/reports/amazon/csv/?report={source.pk}"])


if __name__ == "__main__":
    main()
