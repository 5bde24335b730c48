"""Builders for the performance tests: a seller performance report as Amazon documents it,
small enough to reason about, with every figure a keyword."""

import copy
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "performance"
SAMPLES = sorted(FIXTURES.glob("seller-performance-*.json"))

US, DE, UK = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1F83G8C2ARO7P"


def _range(since: str, to: str) -> dict:
    return {"reportingDateFrom": f"{since}T00:00Z", "reportingDateTo": f"{to}T23:59Z"}


def _rate(rate: float, target: float, condition: str = "LESS_THAN") -> dict:
    return {"status": "GOOD", "rate": rate, "targetValue": target, "targetCondition": condition}


def marketplace(
    marketplace_id: str = US, *, since: str = "2026-11-01", to: str = "2026-11-30",
    odr: float = 0.004, orders: int = 1000, late: float = 0.01, cancel: float = 0.005,
    ahr: int | None = 300, windows: list[dict] | None = None,
) -> dict:
    defects = round(odr * orders)
    return {
        "marketplaceId": marketplace_id,
        "accountHealthRating": {"ahrStatus": "GOOD", **({"ahrScore": ahr} if ahr is not None
                                                        else {}),
                                "reportingDateRange": _range("2026-06-03", to)},
        "orderDefectRate": {"mfn": {
            "reportingDateRange": _range("2026-10-02", to), "orderCount": orders,
            "orderWithDefects": {"count": defects, "status": "GOOD"},
            "claims": {"count": defects, "status": "NONE"},
            "chargebacks": {"count": 0, "status": "NONE"},
            "negativeFeedback": {"count": 0, "status": "NONE"},
            "fulfillmentType": "mfn", **_rate(odr, 0.01),
        }},
        "lateShipmentRate": {"reportingDateRange": _range(since, to), "orderCount": orders,
                             "lateShipmentCount": round(late * orders), **_rate(late, 0.04)},
        "preFulfillmentCancellationRate": {
            "reportingDateRange": _range("2026-11-24", to), "orderCount": orders,
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
