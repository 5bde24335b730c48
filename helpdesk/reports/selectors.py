"""What the reports page, its CSV files and ``sla_report`` show: every figure is counted by
the database (grouped aggregates; the median and p90 as ordered-set aggregates on
PostgreSQL, window functions elsewhere), never by a loop over rows in Python.

The response figures are ``sla.report``'s: the same aggregates, grouped by channel, agent
or day, so each table adds up to the totals the command prints."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from helpdesk.complaints.models import ComplaintCategory, TicketComplaint
from helpdesk.marketplaces.models import Channel, Order, OrderItem
from helpdesk.sla.models import (
    ActionKind,
    Obligation,
    ObligationKind,
    ObligationState,
    Violation,
)
from helpdesk.sla.report import (
    figure_aggregates,
    figures_by,
    figures_empty,
    figures_finish,
    sla_report,
)
from helpdesk.tickets.models import Ticket, TicketKind

from .period import Period

TARGET = 0.9  # a seller should answer 90 % of buyer messages within the limit
ODR_DAYS = 60
ODR_LIMIT = 0.01
DEFECT_KINDS = [TicketKind.CLAIM, TicketKind.CHARGEBACK, TicketKind.FEEDBACK]
CASE_KINDS = [ObligationKind.RETURN_REQUEST, ObligationKind.CLAIM, ObligationKind.CHARGEBACK]


def report_overview(*, period: Period, now: datetime, channel_code: str = "") -> dict:
    """Per clock kind, exactly what ``manage.py sla_report`` prints for the period."""
    return sla_report(
        since=period.since, until=period.until, now=now, channel_code=channel_code or None
    )


def _obligations(period: Period, channel_code: str, kind: str) -> QuerySet:
    qs = Obligation.objects.started_between(period.since, period.until).filter(kind=kind)
    return qs.filter(channel__code=channel_code) if channel_code else qs


def response_by_channel(
    *, period: Period, now: datetime, channel_code: str = "", kind: str = ObligationKind.BUYER_REPLY
) -> list[dict]:
    names = dict(Channel.objects.values_list("pk", "name"))
    by_channel = figures_by(_obligations(period, channel_code, kind), "channel_id", now=now)
    rows = [{"channel": names[pk], **figures} for pk, figures in by_channel.items()]
    return sorted(rows, key=lambda row: row["channel"])


def response_by_day(
    *, period: Period, now: datetime, channel_code: str = "", kind: str = ObligationKind.BUYER_REPLY
) -> list[dict]:
    """One row per local day of the period (days without clocks included)."""
    qs = _obligations(period, channel_code, kind).annotate(
        day=TruncDate("starts_at", tzinfo=period.zone)
    )
    by_day = {
        r.pop("day"): r for r in qs.values("day").annotate(**figure_aggregates(now)).order_by("day")
    }
    empty = figures_empty(now)
    return [
        {"day": day, **figures_finish(by_day.get(day, empty), median=None, p90=None)}
        for day in period.days
    ]


# Whom a clock is credited to (docs/DECISIONS.md, "Reports"): the author of the reply sent
# from the product that ended it; else the agent whose action ended it; else whoever was
# assigned when its breach was recorded; else the ticket's assignee now. Only the window's
# clocks are read: the outbox and the violations are joined on their unique keys, the clock
# actions and the ticket are looked up by key only for the clocks that need them (COALESCE
# and CASE stop at the first answer), so the million tickets are never scanned.
_CREDITED = """
    SELECT o.*, COALESCE(
        reply.author_id,
        CASE WHEN o.satisfied_by IN ({action_kinds}) THEN (
            SELECT MIN(a.actor_id) FROM sla_clockaction a
            WHERE a.ticket_id = o.ticket_id AND a.kind = o.satisfied_by
                  AND a.at = o.satisfied_at) END,
        v.assignee_id,
        (SELECT t.assignee_id FROM tickets_ticket t WHERE t.id = o.ticket_id)) AS agent_id
    FROM ({base}) o
    LEFT JOIN replies_outbox reply ON reply.sent_message_id = CASE
        WHEN o.satisfied_by = '' OR o.satisfied_by IN ({action_kinds}) THEN NULL
        ELSE CAST(o.satisfied_by AS BIGINT) END
    LEFT JOIN sla_violation v ON v.obligation_id = o.id
"""
# The same counts as sla.report.figure_aggregates, over the credited rows, in one pass.
_AGENT_COUNTS = """
    SELECT agent_id, COUNT(*) AS obligations,
           SUM(CASE WHEN state = %s THEN 1 ELSE 0 END) AS on_time,
           SUM(CASE WHEN state = %s OR (state = %s AND breached) THEN 1 ELSE 0 END) AS late,
           SUM(CASE WHEN state = %s AND NOT breached THEN 1 ELSE 0 END) AS nrr,
           SUM(CASE WHEN is_open AND due_at < %s THEN 1 ELSE 0 END) AS overdue,
           SUM(CASE WHEN is_open AND due_at >= %s THEN 1 ELSE 0 END) AS pending,
           AVG(response_seconds) AS mean,
"""
# PostgreSQL: the nearest-rank median and p90 as ordered-set aggregates (sla.report's
# PercentileDisc), in the same grouped pass.
_BY_AGENT_POSTGRES = (
    _AGENT_COUNTS
    + """
           PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY response_seconds) AS median,
           PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY response_seconds) AS p90
    FROM ({credited}) credited
    GROUP BY agent_id
"""
)
# Elsewhere: the rows numbered by response time within each agent (unanswered ones last,
# past every rank wanted), so one sort gives the nearest ranks, as sla.report.percentiles_by.
_BY_AGENT_RANKED = (
    _AGENT_COUNTS
    + """
           MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN response_seconds END) AS median,
           MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN response_seconds END) AS p90
    FROM (
        SELECT credited.*,
               ROW_NUMBER() OVER (
                   PARTITION BY agent_id
                   ORDER BY CASE WHEN response_seconds IS NULL THEN 1 ELSE 0 END,
                            response_seconds) AS rn,
               COUNT(response_seconds) OVER (PARTITION BY agent_id) AS n
        FROM ({credited}) credited) ranked
    GROUP BY agent_id
"""
)
_COUNTS = [
    "obligations",
    "answered_on_time",
    "answered_late",
    "no_response_required",
    "unanswered_overdue",
    "pending",
    "mean_response_s",
]


def response_by_agent(
    *, period: Period, now: datetime, channel_code: str = "", kind: str = ObligationKind.BUYER_REPLY
) -> list[dict]:
    """Per agent credited (None: nobody, e.g. an unassigned ticket answered from a mail
    client), the same figures as the totals."""
    from django.contrib.auth import get_user_model

    base = (
        _obligations(period, channel_code, kind)
        .values(
            "id",
            "ticket_id",
            "state",
            "breached",
            "is_open",
            "due_at",
            "response_seconds",
            "satisfied_by",
            "satisfied_at",
        )
        .order_by()
    )
    base_sql, base_params = base.query.sql_with_params()
    credited = _CREDITED.format(
        base=base_sql, action_kinds=", ".join(["%s"] * len(ActionKind.values))
    )
    field = Obligation._meta.get_field("due_at")
    when = field.get_db_prep_value(now, connection)
    params = [  # in the order of the placeholders in the text
        ObligationState.MET.value,
        ObligationState.MET_LATE.value,
        ObligationState.NO_RESPONSE_REQUIRED.value,
        ObligationState.NO_RESPONSE_REQUIRED.value,
        when,
        when,
        *ActionKind.values,
        *base_params,
        *ActionKind.values,
    ]
    with connection.cursor() as cursor:
        by_agent = _BY_AGENT_POSTGRES if connection.vendor == "postgresql" else _BY_AGENT_RANKED
        cursor.execute(by_agent.format(credited=credited), params)
        rows = cursor.fetchall()
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[r[0] for r in rows])}
    result = []
    for agent_id, *counts, median, p90 in rows:
        totals = dict(zip(_COUNTS, counts, strict=True))
        totals = {
            k: (int(v) if v is not None and k != "mean_response_s" else v)
            for k, v in totals.items()
        }
        user = users.get(agent_id)
        result.append(
            {
                "agent": (user.get_full_name() or user.get_username()) if user else None,
                **figures_finish(totals, median=median, p90=p90),
            }
        )
    return sorted(result, key=lambda row: (row["agent"] is None, row["agent"] or ""))


def cases_open(*, now: datetime, channel_code: str = "", limit: int | None = 20) -> QuerySet:
    """Open return requests, claims and chargebacks, the nearest deadline first (all of them
    with ``limit`` None)."""
    qs = Obligation.objects.open().filter(kind__in=CASE_KINDS)
    if channel_code:
        qs = qs.filter(channel__code=channel_code)
    return qs.select_related("ticket", "channel").order_by("due_at")[:limit]


def violations_list(
    *, period: Period, channel_code: str = "", kind: str = "", agent_id: int | None = None
) -> QuerySet:
    """Breaches of the clocks that started in the period (the ones its figures count as
    late or overdue, once the sweep recorded them), the latest first. A breach later mail
    proved was no breach (withdrawn) is left out: reports count what is known to be true."""
    qs = Violation.objects.filter(
        starts_at__gte=period.since, starts_at__lt=period.until, withdrawn_at=None
    )
    if channel_code:
        qs = qs.filter(channel__code=channel_code)
    if kind:
        qs = qs.filter(kind=kind)
    if agent_id:
        qs = qs.filter(assignee_id=agent_id)
    return qs.select_related("channel", "assignee", "ticket").order_by("-occurred_at", "-pk")


@dataclass(frozen=True)
class ComplaintRow:
    asin: str
    title: str
    category: str
    previous: int
    current: int

    @property
    def rise(self) -> int:
        return self.current - self.previous


def complaint_trends(
    *, period: Period, channel_code: str = "", limit: int = 50
) -> list[ComplaintRow]:
    """ASIN × complaint category: tickets opened in the period and in the one before,
    the biggest rise first."""
    previous = period.previous()
    qs = TicketComplaint.objects.filter(
        ticket__created_at__gte=previous.since,
        ticket__created_at__lt=period.until,
    ).exclude(ticket__asin="")
    if channel_code:
        qs = qs.filter(ticket__channel__code=channel_code)
    in_period = Q(ticket__created_at__gte=period.since)
    rows = list(
        qs.values("ticket__asin", "category_id")
        .annotate(current=Count("pk", filter=in_period), previous=Count("pk", filter=~in_period))
        .order_by((F("current") - F("previous")).desc(), F("current").desc(), "ticket__asin")[
            :limit
        ]
    )
    names = dict(ComplaintCategory.objects.values_list("pk", "name"))
    titles = dict(
        OrderItem.objects.filter(asin__in={r["ticket__asin"] for r in rows})
        .exclude(title="")
        .values_list("asin", "title")
    )
    return [
        ComplaintRow(
            asin=r["ticket__asin"],
            title=titles.get(r["ticket__asin"], ""),
            category=names[r["category_id"]],
            previous=r["previous"],
            current=r["current"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class OrderDefectRate:
    since: datetime
    until: datetime
    orders: int
    defective: int
    unmatched: int  # defects on orders whose purchase date no imported report gave

    @property
    def rate(self) -> float | None:
        return self.defective / self.orders if self.orders else None

    @property
    def above_limit(self) -> bool:
        # Amazon asks for an ODR *under* 1 %: 1.00 % is past it, as the account health page
        # (performance.thresholds) judges Amazon's own figure.
        return self.rate is not None and self.rate >= ODR_LIMIT


def _defect(kind: str) -> Exists:
    return Exists(Ticket.objects.filter(order=OuterRef("pk"), kind=kind))


def _orders_window(now: datetime, channel_code: str) -> tuple[datetime, QuerySet]:
    since = now - timedelta(days=ODR_DAYS)
    orders = Order.objects.filter(purchased_at__gte=since, purchased_at__lt=now)
    if channel_code:
        orders = orders.filter(channel__code=channel_code)
    return since, orders


def order_defect_rate(*, now: datetime, channel_code: str = "") -> OrderDefectRate:
    """Orders placed in the last 60 days with an A-to-z claim, a chargeback or negative
    feedback (each order once, whatever it has) over all orders placed then."""
    since, orders = _orders_window(now, channel_code)
    # Counted from the defect tickets' side (few) rather than probing every order.
    defects = Ticket.objects.filter(
        kind__in=DEFECT_KINDS, order__purchased_at__gte=since, order__purchased_at__lt=now
    )
    if channel_code:
        defects = defects.filter(order__channel__code=channel_code)
    counts = {"orders": orders.count(), "defective": defects.values("order_id").distinct().count()}
    unmatched = Ticket.objects.filter(
        kind__in=DEFECT_KINDS,
        created_at__gte=since,
        order__isnull=False,
        order__purchased_at=None,
    )
    if channel_code:
        unmatched = unmatched.filter(channel__code=channel_code)
    return OrderDefectRate(
        since=since,
        until=now,
        orders=counts["orders"],
        defective=counts["defective"],
        unmatched=unmatched.values("order_id").distinct().count(),
    )


def defective_orders(
    *, now: datetime, channel_code: str = "", limit: int | None = 200
) -> QuerySet:
    """The orders behind the rate, newest first, with which defects each has (all of them
    with ``limit`` None)."""
    _since, orders = _orders_window(now, channel_code)
    return (
        orders.annotate(
            claim=_defect(TicketKind.CLAIM),
            chargeback=_defect(TicketKind.CHARGEBACK),
            feedback=_defect(TicketKind.FEEDBACK),
        )
        .filter(Q(claim=True) | Q(chargeback=True) | Q(feedback=True))
        .select_related("channel")
        .order_by("-purchased_at")[:limit]
    )
