"""Builders for the performance tests: a seller performance report as Amazon documents it,
small enough to reason about, with every figure a keyword."""

import copy
import json
from datetime import date, timedelta
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "performance"
SAMPLES = sorted(FIXTURES.glob("seller-performance-*.json"))

US, DE, UK = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1F83G8C2ARO7P"


def _range(since: str, to: str) -> dict:
    return {"reportingDateFrom": f"{since}T00:00Z", "reportingDateTo": f"{to}T23:59Z"}


def _rate(rate: float, target: float, condition: str = "LESS_THAN") -> dict:
    return {"status": "GOOD", "rate": rate, "targetValue": target, "targetCondition": condition}


def _before(day: str, days: int) -> str:
    return (date.fromisoformat(day) - timedelta(days=days - 1)).isoformat()


def marketplace(
    marketplace_id: str = US, *, since: str = "", to: str = "2026-11-30",
    odr: float = 0.004, orders: int = 1000, late: float = 0.01, cancel: float = 0.005,
    ahr: int | None = 300, windows: list[dict] | None = None, idr: float | None = None,
) -> dict:
    defects = round(odr * orders)
    since = since or _before(to, 30)
    invoices = {} if idr is None else {"invoiceDefectRate": {
        "reportingDateRange": _range(since, to), "orderCount": orders,
        "invoiceDefect": {"count": round(idr * orders), "status": "NONE"},
        "missingInvoice": {"count": round(idr * orders) - 1},
        "lateInvoice": {"count": 1}, **_rate(idr, 0.05)}}
    return {
        **invoices,
        "marketplaceId": marketplace_id,
        "accountHealthRating": {"ahrStatus": "GOOD", **({"ahrScore": ahr} if ahr is not None
                                                        else {}),
                                "reportingDateRange": _range(_before(to, 180), to)},
        "orderDefectRate": {"mfn": {
            "reportingDateRange": _range(_before(to, 60), to), "orderCount": orders,
            "orderWithDefects": {"count": defects, "status": "GOOD"},
            "claims": {"count": defects, "status": "NONE"},
            "chargebacks": {"count": 0, "status": "NONE"},
            "negativeFeedback": {"count": 0, "status": "NONE"},
            "fulfillmentType": "mfn", **_rate(odr, 0.01),
        }},
        "lateShipmentRate": {"reportingDateRange": _range(since, to), "orderCount": orders,
                             "lateShipmentCount": round(late * orders), **_rate(late, 0.04)},
        "preFulfillmentCancellationRate": {
            "reportingDateRange": _range(_before(to, 7), to), "orderCount": orders,
            "cancellationCount": round(cancel * orders), **_rate(cancel, 0.025)},
        "buyerSellerContactResponseTimeMetrics": {"responseTimeMetrics": windows if windows
                                                  is not None else [contact_window()]},
    }


def contact_window(
    since: str = "2026-11-01", to: str = "2026-11-30", *, within: int = 10, after: int = 1,
    none: int = 1, average: float = 6.5, contacts: int | None = 12,
) -> dict:
    window = {"timeFrame": {"start": f"{since}T00:00Z", "end": f"{to}T23:59Z"},
              "responseUnder24Hours": within, "responseTimeGreaterThan24Hours": after,
              "noResponseForContactsOlderThan24Hours": none,
              "averageResponseTimeInHours": average}
    if contacts is not None:
        window["contactCount"] = contacts
    return window


def report(*marketplaces: dict) -> dict:
    return {"accountStatuses": [], "performanceMetrics": list(marketplaces) or [marketplace()]}


def raw(doc: dict) -> bytes:
    return json.dumps(doc).encode()


def changed(doc: dict, path: str, value: object = ..., ) -> dict:
    """A copy of ``doc`` with the field at ``path`` (dots, [n] for list items) set, or
    removed when no value is given."""
    doc = copy.deepcopy(doc)
    parts = path.replace("[", ".").replace("]", "").split(".")
    node = doc
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    key = int(last) if last.isdigit() else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return doc


def reconciliation_world():
    """The hand-computed case of ``test_performance_reconcile``: seven Amazon.com buyer
    messages in November 2026, one of each kind Amazon and we may disagree on, and two that
    must not count (before the window, another marketplace). Returns {name: ticket}."""
    from datetime import UTC, datetime

    from reports_support import agent_replies, buyer_says, manager_make, ticket_at

    from helpdesk.replies.models import Outbox
    from helpdesk.sla.actions import ticket_clock_end

    def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
        return datetime(2026, 11, day, hour, minute, tzinfo=UTC)

    agent = manager_make("recon")
    t = {name: ticket_at(at(day), channel="amazon-com") for name, day in (
        ("on_time", 2), ("late", 3), ("unanswered", 5), ("nrr_unmarked", 6),
        ("nrr_marked", 7), ("bounced", 8), ("failed", 9))}
    agent_replies(t["on_time"], at(2, 12), agent)  # 2 h
    agent_replies(t["late"], at(4, 16), agent)  # 30 h
    ticket_clock_end(ticket=t["nrr_unmarked"], actor=agent, now=at(6, 11))
    action = ticket_clock_end(ticket=t["nrr_marked"], actor=agent, now=at(7, 11))
    type(action).objects.filter(pk=action.pk).update(seller_central_marked_at=at(7, 12),
                                                     seller_central_marked_by=agent)
    agent_replies(t["bounced"], at(8, 11), agent)  # 1 h, then Amazon says: opted out
    buyer_says(t["bounced"], at(8, 11, 5), kind="opt_out", words="Buyer opted out")
    Outbox.objects.create(
        ticket=t["failed"], author=agent, subject="Re", body="Reply",
        message_id="<failed-recon@test>", from_address="support@example-seller.com",
        to_address="b@marketplace.amazon.com", state="failed", attempts=3,
        last_error="550 mailbox unavailable", created_at=at(9, 12),
    )
    t["before"] = ticket_at(datetime(2026, 10, 31, 23, tzinfo=UTC), channel="amazon-com")
    t["germany"] = ticket_at(at(10), channel="amazon-de")
    return t


# What Amazon reported for the world above: 2 contacts that never reached us, the unmarked
# "no response required" and the bounced reply counted as no response.
AMAZON_NOVEMBER = {"within": 1, "after": 1, "none": 4, "contacts": 8, "average": 9.0}
