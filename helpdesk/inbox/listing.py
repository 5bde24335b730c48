"""One page of the inbox, and the counts beside it, in a fixed number of queries.

Order: tickets with an open clock first, soonest due first (so overdue ones lead), then the
rest, newest activity first. The two parts are read separately because each has an index
that answers it without sorting the whole table: the open clocks (a partial index, as many
rows as work in flight) and the tickets by last activity. Page N takes what it needs from
the first part, then from the second."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from helpdesk.replies.selectors import replies_not_sent
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Escalation, Ticket, TicketKind, TicketRead, TicketStatus

from .display import row_decorate
from .filters import UNRESOLVED, ListPlan

PAGE_SIZE = 50
# Counts stop here: "1,000+" is as useful to an agent as an exact figure, and counting a
# million resolved tickets is not free.
COUNT_CAP = 1_000
# Past this many rows a page counts the clocked tickets first instead of reading them all.
DEEP_PAGE = 2_000


@dataclass
class InboxPage:
    rows: list[Ticket]
    number: int
    size: int
    total: int
    capped: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


def count_capped(tickets: QuerySet[Ticket], cap: int = COUNT_CAP) -> tuple[int, bool]:
    n = tickets.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def clocked_ids(clocks: QuerySet[Obligation], want: int) -> tuple[list[int], bool]:
    """Ticket ids in the order of their soonest open clock, the first ``want`` of them; and
    whether that is all of them. Reads clocks in due order and keeps each ticket's first:
    the page's rows come straight off the open-clock index, nothing is sorted or counted
    (a ticket with two open clocks only makes it read a little further)."""
    limit = want
    while True:
        rows = list(
            clocks.order_by("due_at", "ticket_id").values_list("ticket_id", flat=True)[:limit]
        )
        ids = list(dict.fromkeys(rows))
        if len(ids) >= want or len(rows) < limit:
            return ids[:want], len(rows) < limit and len(ids) <= want
        limit *= 2


def inbox_page(
    *, plan: ListPlan, user: AbstractBaseUser, number: int, now: datetime, total: int,
    capped: bool = False, size: int = PAGE_SIZE,
) -> InboxPage:
    """A page of the view; ``total`` is its count (``inbox_counts`` already has it)."""
    offset = (number - 1) * size
    ids: list[int] = []
    n_clocked = 0
    if plan.clocks is not None:
        if offset > DEEP_PAGE and offset >= (
            n_clocked := plan.clocks.values("ticket_id").distinct().count()
        ):
            pass  # a far page past every clocked ticket: straight to the rest
        else:
            clocked, complete = clocked_ids(plan.clocks, offset + size + 1)
            ids = clocked[offset:]
            n_clocked = len(clocked) if complete else offset + len(ids)
    if not plan.only_clocked and len(ids) <= size:
        # Reached only when every clocked ticket is read, so ``n_clocked`` is exact.
        rest = plan.tickets
        if plan.clocks is not None:
            rest = rest.filter(
                ~Exists(Obligation.objects.filter(ticket=OuterRef("pk"), is_open=True))
            )
        rest = rest.order_by("-last_message_at", "-pk").values_list("pk", flat=True)
        start = max(0, offset - n_clocked)
        ids += rest_ids(rest[start : start + size + 1 - len(ids)], walk=plan.walk_recent)
    has_next, ids = len(ids) > size, ids[:size]
    return InboxPage(
        rows=page_rows(ids=ids, user=user, now=now), number=number, size=size, total=total,
        capped=capped, has_next=has_next,
    )


# The tickets by last activity, newest first (inbox migration 0001).
RECENT_INDEX = "inbox_ticket_recent"
_FROM_TICKETS = f'FROM "{Ticket._meta.db_table}" WHERE'


def rest_ids(rest: QuerySet, *, walk: bool) -> list[int]:
    """The ids of a slice of the view's tickets newest first. ``walk``: most tickets qualify
    (every ticket of the agent's channels), so walking the time index is the fast way to any
    page. SQLite, without statistics, picks the channel index for the channels instead and
    sorts every ticket of them (page 500 of "All tickets": 210 ms, walking: 14 ms at 100,000
    tickets), so there it is told which index to use."""
    if not (walk and connection.vendor == "sqlite"):
        return list(rest)
    sql, params = rest.query.sql_with_params()
    if sql.count(_FROM_TICKETS) != 1:  # not the query this was written for: as it is
        return list(rest)
    sql = sql.replace(_FROM_TICKETS, _FROM_TICKETS.replace(
        " WHERE", f" INDEXED BY {RECENT_INDEX} WHERE"))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def page_rows(*, ids: list[int], user: AbstractBaseUser, now: datetime) -> list[Ticket]:
    """The tickets of a page with what a row shows, in the order of ``ids``."""
    read = TicketRead.objects.filter(
        ticket=OuterRef("pk"), user=user, read_at__gte=OuterRef("last_message_at")
    )
    rows = (
        Ticket.objects.filter(pk__in=ids)
        .select_related("channel", "buyer", "order", "assignee")
        .annotate(is_read=Exists(read), reply_failed=Exists(replies_not_sent(OuterRef("pk"))))
        .prefetch_related(
            Prefetch("obligations", queryset=Obligation.objects.open().order_by("due_at"),
                     to_attr="open_clocks"),
            Prefetch("escalations",
                     queryset=Escalation.objects.filter(closed_at=None, follow_up_due_at__lte=now),
                     to_attr="follow_ups_due"),
        )
    )
    by_id = {t.pk: t for t in rows}
    ordered = [by_id[pk] for pk in ids if pk in by_id]
    for ticket in ordered:
        row_decorate(ticket, now)
    return ordered


@dataclass
class Facets:
    channels: Counter
    languages: Counter
    assignees: Counter


@dataclass
class Counts:
    """The number of tickets in each view; ``capped`` names those that stopped counting."""

    numbers: dict[str, int]
    capped: set[str]
    facets: Facets | None = None  # per channel, language, assignee, when read on the way

    def label(self, view: str) -> str:
        n = self.numbers.get(view, 0)
        return f"{n:,}+" if view in self.capped else f"{n:,}" if n >= 10_000 else str(n)


def working_groups(tickets: QuerySet[Ticket]) -> list[dict]:
    """The open tickets grouped by everything the working views and facets count: one pass
    over the working-set index, however the numbers are then summed."""
    return list(
        tickets.filter(status__in=UNRESOLVED).order_by()
        .values("channel_id", "language", "assignee_id", "kind", "status")
        .annotate(n=Count("pk"))
    )


def facets_of(groups: list[dict]) -> Facets:
    facets = Facets(Counter(), Counter(), Counter())
    for row in groups:
        facets.channels[row["channel_id"]] += row["n"]
        facets.languages[row["language"]] += row["n"]
        facets.assignees[row["assignee_id"]] += row["n"]
    return facets


def inbox_counts(
    *, plan: ListPlan, user: AbstractBaseUser, now: datetime, facets_too: bool = False
) -> Counts:
    """The number beside each view, for the visible tickets with the facets applied; with
    ``facets_too`` also the per-channel, language and assignee numbers, from the same query
    when no channel, language or assignee is picked."""
    groups = working_groups(plan.narrowed)
    claims = {TicketKind.CLAIM, TicketKind.CHARGEBACK}
    numbers = {
        "open": sum(g["n"] for g in groups),
        "mine": sum(g["n"] for g in groups if g["assignee_id"] == user.pk),
        "unassigned": sum(g["n"] for g in groups if g["assignee_id"] is None),
        "returns": sum(g["n"] for g in groups if g["kind"] == TicketKind.RETURN_REQUEST),
        "claims": sum(g["n"] for g in groups if g["kind"] in claims),
        "waiting": sum(g["n"] for g in groups if g["status"] == TicketStatus.WAITING),
    }
    ids = plan.narrowed.order_by().values("pk")
    clocks = plan.clocks_scoped
    if clocks is None:
        # A running clock is on an open ticket (resolving is refused while one runs; a mail
        # that starts one reopens the ticket), so the working set, read from its own index,
        # is enough to count them. The clock views themselves still look at every status.
        clocks = Obligation.objects.open().filter(
            ticket__in=plan.narrowed.filter(status__in=UNRESOLVED).order_by().values("pk")
        )
    numbers.update(clocks.aggregate(
        at_risk=Count("ticket", distinct=True,
                      filter=Q(at_risk_at__lt=now, due_at__gte=now)),
        overdue=Count("ticket", distinct=True, filter=Q(due_at__lt=now)),
    ))
    # From the few due follow-ups to their tickets (EXISTS), not from every visible ticket:
    # SQLite would first list all of those.
    numbers["follow_up"] = (
        Escalation.objects.filter(closed_at=None, follow_up_due_at__lte=now)
        .filter(Exists(ids.filter(pk=OuterRef("ticket_id"))))
        .values("ticket_id").distinct().count()
    )
    counts = Counts(numbers=numbers, capped=set())
    for key, subset in (("resolved", plan.narrowed.filter(status=TicketStatus.RESOLVED)),
                        ("all", plan.narrowed)):
        numbers[key], capped = count_capped(subset)
        if capped:
            counts.capped.add(key)
    if facets_too:
        unpicked = plan.unpicked
        counts.facets = facets_of(groups if unpicked is None else working_groups(unpicked))
    return counts
