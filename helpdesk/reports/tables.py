"""Every table of the reports page as (columns, rows): the page renders them, the CSV
export writes them, from the same selector calls."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from . import selectors
from .period import Period

FIGURES = [
    ("obligations", "clocks"),
    ("answered_on_time", "on time"),
    ("answered_late", "late"),
    ("no_response_required", "no response required"),
    ("unanswered_overdue", "unanswered"),
    ("pending", "pending"),
    ("on_time_rate", "on-time share"),
    ("median_response_s", "median s"),
    ("p90_response_s", "p90 s"),
    ("mean_response_s", "mean s"),
]


@dataclass(frozen=True)
class Filters:
    period: Period
    now: datetime
    channel_code: str = ""
    kind: str = ""
    agent_id: int | None = None


def _overview(f: Filters) -> list[dict]:
    report = selectors.report_overview(period=f.period, now=f.now, channel_code=f.channel_code)
    return [{"kind": kind, **figures} for kind, figures in report.items()]


# The page shows the first rows of these; their CSV files hold every row, so that the file of
# "the orders behind the rate" has as many orders as the rate counts.
CASES_SHOWN = 20
ODR_ORDERS_SHOWN = 20


def case_rows(f: Filters, *, limit: int | None = None) -> list[dict]:
    return [
        {
            "kind": o.kind,
            "ticket": o.ticket_id,
            "channel": o.channel.name,
            "subject": o.ticket.subject,
            "started": o.starts_at,
            "due": o.due_at,
        }
        for o in selectors.cases_open(now=f.now, channel_code=f.channel_code, limit=limit)
    ]


def _violations(f: Filters) -> list[dict]:
    # Every breach of the period can be many: plain tuples, read in chunks.
    keys = ["kind", "ticket", "channel", "started", "due", "recorded", "assignee"]
    rows = selectors.violations_list(
        period=f.period,
        channel_code=f.channel_code,
        kind=f.kind,
        agent_id=f.agent_id,
    ).values_list(
        "kind",
        "ticket_id",
        "channel__name",
        "starts_at",
        "due_at",
        "recorded_at",
        "assignee__username",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows.iterator(chunk_size=2000)]


def _complaints(f: Filters) -> list[dict]:
    return [
        {
            "asin": r.asin,
            "title": r.title,
            "category": r.category,
            "previous": r.previous,
            "current": r.current,
            "rise": r.rise,
        }
        for r in selectors.complaint_trends(period=f.period, channel_code=f.channel_code)
    ]


def odr_order_rows(f: Filters, *, limit: int | None = None) -> list[dict]:
    return [
        {
            "order": o.order_id,
            "channel": o.channel.name if o.channel else "",
            "purchased": o.purchased_at,
            "claim": o.claim,
            "chargeback": o.chargeback,
            "feedback": o.feedback,
        }
        for o in selectors.defective_orders(now=f.now, channel_code=f.channel_code,
                                            limit=limit)
    ]


def _grouped(selector: Callable) -> Callable[[Filters], list[dict]]:
    def rows(f: Filters) -> list[dict]:
        return selector(period=f.period, now=f.now, channel_code=f.channel_code)

    return rows


# name → (columns [(key, header)], rows function)
TABLES: dict[str, tuple[list[tuple[str, str]], Callable[[Filters], list[dict]]]] = {
    "overview": ([("kind", "clock")] + FIGURES, _overview),
    "channels": ([("channel", "channel")] + FIGURES, _grouped(selectors.response_by_channel)),
    "agents": ([("agent", "agent")] + FIGURES, _grouped(selectors.response_by_agent)),
    "days": ([("day", "day")] + FIGURES, _grouped(selectors.response_by_day)),
    "cases": (
        [
            ("kind", "clock"),
            ("ticket", "ticket"),
            ("channel", "channel"),
            ("subject", "subject"),
            ("started", "started UTC"),
            ("due", "due UTC"),
        ],
        case_rows,
    ),
    "violations": (
        [
            ("kind", "clock"),
            ("ticket", "ticket"),
            ("channel", "channel"),
            ("started", "started UTC"),
            ("due", "due UTC"),
            ("recorded", "recorded UTC"),
            ("assignee", "assigned to"),
        ],
        _violations,
    ),
    "complaints": (
        [
            ("asin", "ASIN"),
            ("title", "product"),
            ("category", "category"),
            ("previous", "previous period"),
            ("current", "this period"),
            ("rise", "rise"),
        ],
        _complaints,
    ),
    "odr_orders": (
        [
            ("order", "order"),
            ("channel", "channel"),
            ("purchased", "purchased UTC"),
            ("claim", "A-to-z claim"),
            ("chargeback", "chargeback"),
            ("feedback", "negative feedback"),
        ],
        odr_order_rows,
    ),
}
