"""The reconciliation as (columns, rows): the page's CSV and ``performance_reconcile`` write
it, from the same selector call the page renders."""

from collections.abc import Iterable

from .reconcile import EXPLANATIONS, FIGURES, ReconciliationRow

FIGURE_HEADERS = {
    "contacts": "contacts",
    "within_24h": "responded within 24 h",
    "after_24h": "responded after 24 h",
    "no_response_24h": "no response, older than 24 h",
    "average_response_hours": "average response h",
}

COLUMNS: list[tuple[str, str]] = [
    ("marketplace_id", "marketplace ID"),
    ("channel", "channel"),
    ("window_from", "window from UTC"),
    ("window_until", "window until UTC"),
    *[(f"{side}_{name}", f"{side} {FIGURE_HEADERS[name]}")
      for name in FIGURES for side in ("amazon", "ours", "difference")],
    *[(f"explained_{kind}", label) for kind, label in EXPLANATIONS.items()],
]


def reconciliation_rows(rows: Iterable[ReconciliationRow]) -> list[dict]:
    found = []
    for row in rows:
        flat = {
            "marketplace_id": row.figure.marketplace_id,
            "channel": row.channel_name,
            "window_from": row.figure.window_from,
            "window_until": row.figure.window_until,
        }
        differences = row.differences
        for name in FIGURES:
            flat[f"amazon_{name}"] = getattr(row.amazon, name)
            flat[f"ours_{name}"] = getattr(row.ours, name) if row.ours else None
            flat[f"difference_{name}"] = differences[name]
        for kind in EXPLANATIONS:
            flat[f"explained_{kind}"] = row.explained(kind)
        found.append(flat)
    return found
