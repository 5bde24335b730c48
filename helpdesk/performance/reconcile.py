"""Amazon's contact response figures beside ours, per marketplace and reporting window, and
the tickets that explain each difference where the product can tell.

Ours are ``sla.report``'s aggregates over the buyer-reply clocks that started in the window
on the marketplace's channel, judged as of the window's end, read with Amazon's rules
(``amazon_figures``): "No response needed" is left out of every figure, a reply counts when
it ended the clock. One grouped query per distinct window gives every marketplace's figures
and the count of each explanation; the tickets behind an explanation are read only for the
rows that have some, a bounded number each."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from helpdesk.replies.models import Outbox, OutboxState
from helpdesk.sla.models import (
    ActionKind,
    ClockAction,
    Obligation,
    ObligationKind,
    ObligationState,
)
from helpdesk.sla.report import LATE_NO_RESPONSE_REQUIRED, figure_aggregates, report_reads
from helpdesk.tickets.models import Direction, Message, MessageKind

from .models import ContactResponseFigure, PerformanceImport

TICKETS_SHOWN = 20  # per explanation and row; the count is always the full one
FIGURES = ["contacts", "within_24h", "after_24h", "no_response_24h", "average_response_hours"]
# An average differing by less than this is the rounding of Amazon's one decimal.
AVERAGE_TOLERANCE_HOURS = 0.1


@dataclass(frozen=True)
class ContactFigures:
    contacts: int
    within_24h: int
    after_24h: int
    no_response_24h: int
    average_response_hours: float | None


# Amazon counts 24 hours whatever limit the seller set the channel for itself (12 h, or
# working hours): its three counts are measured against a day, not against our deadlines.
AMAZON_DAY = timedelta(hours=24)
_ANSWERED = Q(state__in=[ObligationState.MET, ObligationState.MET_LATE])


def amazon_aggregates(end: datetime) -> dict:
    """Amazon's three counts over buyer-reply clocks, judged at ``end``. A reply after the
    window's end is late, whenever it came: Amazon's report, made then, had no response."""
    day = int(AMAZON_DAY.total_seconds())
    in_time = Q(response_seconds__lte=day, satisfied_at__lt=end)
    return {
        "within_day": Count("pk", filter=_ANSWERED & in_time),
        "after_day": Count("pk", filter=_ANSWERED & ~in_time),
        "silent_past_day": Count("pk", filter=Q(is_open=True, starts_at__lt=end - AMAZON_DAY)),
    }


def amazon_figures(totals: dict) -> ContactFigures:
    """Our clock counts read with Amazon's rules: "No response needed" is no contact, even
    marked after the deadline (which our own figures count late: ``nrr_late`` of them); a
    reply within 24 h is within, whatever the channel's own limit."""
    mean = totals["mean_response_s"]
    nrr_late = totals.get("nrr_late", 0)
    return ContactFigures(
        contacts=totals["obligations"] - totals["no_response_required"] - nrr_late,
        within_24h=totals["within_day"],
        after_24h=totals["after_day"],
        no_response_24h=totals["silent_past_day"],
        average_response_hours=round(mean / 3600, 1) if mean is not None else None,
    )


# What explains a difference (docs/DECISIONS.md, "Reconciling with Amazon"), with the words
# the page shows. "never_received" has no tickets: we never had them.
EXPLANATIONS = {
    "never_received": "Contacts Amazon counts that never reached the helpdesk",
    "nrr_unmarked": '"No response required" here, not yet marked in Seller Central',
    "reply_bounced": "Answered, but the buyer opted out or the reply was not delivered",
    "bounced_on_time": "… of which we count as answered within 24 h",
    "reply_failed": "A reply written in time did not leave (failed, or delivery unknown)",
}


def _flags() -> dict:
    """Each clock's explanation flags, as EXISTS on the ticket's rows (indexed by ticket)."""
    return {
        "flag_nrr_unmarked": Exists(ClockAction.objects.filter(
            ticket_id=OuterRef("ticket_id"), kind=ActionKind.NO_RESPONSE_REQUIRED,
            at=OuterRef("satisfied_at"), seller_central_marked_at=None,
        )),
        "flag_reply_bounced": Exists(Message.objects.filter(
            ticket_id=OuterRef("ticket_id"), direction=Direction.IN, kind=MessageKind.OPT_OUT,
            sent_at__gte=OuterRef("satisfied_at"),
        )),
        "flag_reply_failed": Exists(Outbox.objects.filter(
            ticket_id=OuterRef("ticket_id"),
            state__in=[OutboxState.FAILED, OutboxState.UNCERTAIN],
            created_at__gte=OuterRef("starts_at"), created_at__lt=OuterRef("due_at"),
        )),
    }


def _when(since: datetime) -> dict[str, Q]:
    """Which clocks each explanation counts. The state comes first, then the ticket among the
    few with an opt-out notice or an unsent reply since the window began (one hashed list,
    read through the partial indexes of migration 0002), and only then the per-clock EXISTS:
    PostgreSQL stops at the first false part, so the million clocks cost no probe each."""
    opted_out = Message.objects.filter(
        kind=MessageKind.OPT_OUT, direction=Direction.IN, sent_at__gte=since
    ).values("ticket_id")
    unsent = Outbox.objects.filter(
        state__in=[OutboxState.FAILED, OutboxState.UNCERTAIN], created_at__gte=since
    ).values("ticket_id")
    return {
        "nrr_unmarked": Q(state=ObligationState.NO_RESPONSE_REQUIRED)
        & Q(flag_nrr_unmarked=True),
        "reply_bounced": Q(state__in=[ObligationState.MET, ObligationState.MET_LATE])
        & Q(ticket_id__in=opted_out) & Q(flag_reply_bounced=True),
        "bounced_on_time": _ANSWERED & Q(response_seconds__lte=AMAZON_DAY.total_seconds())
        & Q(ticket_id__in=opted_out) & Q(flag_reply_bounced=True),
        "reply_failed": ~Q(state=ObligationState.MET) & Q(ticket_id__in=unsent)
        & Q(flag_reply_failed=True),
    }


EXPLAINED = ["nrr_unmarked", "reply_bounced", "bounced_on_time", "reply_failed"]


def window_clocks(*, since: datetime, until: datetime, channel_ids: list[int]) -> QuerySet:
    return Obligation.objects.started_between(since, until).filter(
        kind=ObligationKind.BUYER_REPLY, channel_id__in=channel_ids
    )


@dataclass
class Explanation:
    kind: str
    label: str
    count: int
    tickets: list[dict] = field(default_factory=list)


@dataclass
class ReconciliationRow:
    figure: ContactResponseFigure
    amazon: ContactFigures
    ours: ContactFigures | None  # None: the marketplace is no channel here
    explanations: list[Explanation]

    @property
    def channel_name(self) -> str:
        return self.figure.channel.name if self.figure.channel else self.figure.marketplace_id

    @property
    def differences(self) -> dict[str, float | int | None]:
        if self.ours is None:
            return dict.fromkeys(FIGURES)
        found = {}
        for name in FIGURES:
            a, o = getattr(self.amazon, name), getattr(self.ours, name)
            found[name] = None if a is None or o is None else round(a - o, 1)
        return found

    @property
    def differing(self) -> list[str]:
        limit = {"average_response_hours": AVERAGE_TOLERANCE_HOURS}
        return [name for name, d in self.differences.items()
                if d is not None and abs(d) >= limit.get(name, 1)]

    def explained(self, kind: str) -> int:
        return next((e.count for e in self.explanations if e.kind == kind), 0)


def _amazon(figure: ContactResponseFigure) -> ContactFigures:
    return ContactFigures(figure.contacts, figure.within_24h, figure.after_24h,
                          figure.no_response_24h, figure.average_response_hours)


def reconciliation(
    *, source: PerformanceImport, channel_code: str = "", now: datetime
) -> list[ReconciliationRow]:
    figures = sorted(
        source.contact_figures.select_related("channel"),
        # per marketplace by name, the shortest window first (7, 30, 90 days)
        key=lambda f: (f.channel.name if f.channel else f.marketplace_id,
                       f.window_until - f.window_from, f.window_from),
    )
    if channel_code:
        figures = [f for f in figures if f.channel and f.channel.code == channel_code]
    by_window: dict[tuple, list[ContactResponseFigure]] = defaultdict(list)
    for figure in figures:
        by_window[(figure.window_from, figure.window_until)].append(figure)
    counts: dict[tuple, dict] = {}
    # JIT off for these reads (``report_reads``): compiling the EXISTS took longer than
    # running them.
    with report_reads():
        for (since, until), group in by_window.items():
            channel_ids = [f.channel_id for f in group if f.channel_id]
            if not channel_ids:
                continue
            grouped = (
                window_clocks(since=since, until=until, channel_ids=channel_ids)
                .annotate(**_flags())
                .values("channel_id")
                .annotate(**figure_aggregates(min(until, now)),
                          **amazon_aggregates(min(until, now)),
                          nrr_late=Count("pk", filter=LATE_NO_RESPONSE_REQUIRED),
                          **{k: Count("pk", filter=q) for k, q in _when(since).items()})
                .order_by()
            )
            for totals in grouped:
                counts[(since, until, totals.pop("channel_id"))] = totals
        return _rows(figures, counts, now)


def _rows(figures: list[ContactResponseFigure], counts: dict, now: datetime
          ) -> list[ReconciliationRow]:
    rows = []
    for figure in figures:
        if figure.channel_id is None:
            rows.append(ReconciliationRow(figure, _amazon(figure), None, []))
            continue
        totals = counts.get((figure.window_from, figure.window_until, figure.channel_id))
        totals = totals or {**dict.fromkeys(figure_aggregates(now), 0), "mean_response_s": None,
                            **dict.fromkeys(amazon_aggregates(now), 0),
                            **dict.fromkeys(EXPLAINED, 0)}
        ours = amazon_figures(totals)
        amazon = _amazon(figure)
        explanations = []
        missing = amazon.contacts - ours.contacts - totals["nrr_unmarked"]
        if missing > 0:
            explanations.append(Explanation("never_received", EXPLANATIONS["never_received"],
                                            missing))
        for kind in EXPLAINED:
            if totals[kind]:
                explanations.append(Explanation(kind, EXPLANATIONS[kind], totals[kind],
                                                _tickets(figure, kind)))
        rows.append(ReconciliationRow(figure, amazon, ours, explanations))
    return rows


def _tickets(figure: ContactResponseFigure, kind: str) -> list[dict]:
    clocks = (
        window_clocks(since=figure.window_from, until=figure.window_until,
                      channel_ids=[figure.channel_id])
        .annotate(**_flags()).filter(_when(figure.window_from)[kind])
        .order_by("starts_at", "pk")
        .values("ticket_id", "ticket__subject", "starts_at")[:TICKETS_SHOWN]
    )
    return [{"ticket": c["ticket_id"], "subject": c["ticket__subject"],
             "started": c["starts_at"]} for c in clocks]


def import_latest() -> PerformanceImport | None:
    """The import with the latest report that has contact response figures."""
    return (PerformanceImport.objects.filter(contact_figures__isnull=False)
            .order_by("-report_date", "-pk").first())
