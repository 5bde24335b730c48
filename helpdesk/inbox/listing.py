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
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Window

from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Escalation, Ticket, TicketKind, TicketRead, TicketStatus

from .filters import UNRESOLVED, ListPlan

PAGE_SIZE = 50
# Counts stop here: "10,000+" is as useful to an agent as an exact figure, and counting a
# million resolved tickets is not free.
COUNT_CAP = 10_000


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


def inbox_page(
    *, plan: ListPlan, user: AbstractBaseUser, number: int, now: datetime,
    size: int = PAGE_SIZE,
) -> InboxPage:
    offset = (number - 1) * size
    ids: list[int] = []
    n_clocked = 0
    if plan.clocks is not None:
        first = (
            plan.clocks.values("ticket_id").annotate(next_due=Min("due_at"))
            # How many tickets the first part has, in the same query as its page.
            .annotate(clocked=Window(Count("ticket_id")))
            .order_by("next_due", "ticket_id")
        )
        rows = list(first[offset : offset + size + 1])
        ids = [row["ticket_id"] for row in rows]
        if rows:
            n_clocked = rows[0]["clocked"]
        elif offset:  # a page past the first part: only its size is needed
            n_clocked = plan.clocks.values("ticket_id").distinct().count()
    if plan.only_clocked:
        total, capped = min(n_clocked, COUNT_CAP), n_clocked > COUNT_CAP
    else:
        if len(ids) <= size:
            rest = plan.tickets
            if plan.clocks is not None:
                rest = rest.filter(
                    ~Exists(Obligation.objects.filter(ticket=OuterRef("pk"), is_open=True))
                )
            rest = rest.order_by("-last_message_at", "-pk").values_list("pk", flat=True)
            start = max(0, offset - n_clocked)
            ids += list(rest[start : start + size + 1 - len(ids)])
        total, capped = count_capped(plan.tickets)
        total = max(total, min(n_clocked, COUNT_CAP))
        capped = capped or n_clocked > COUNT_CAP
    has_next, ids = len(ids) > size, ids[:size]
    return InboxPage(
        rows=page_rows(ids=ids, user=user, now=now), number=number, size=size, total=total,
        capped=capped, has_next=has_next,
    )


def page_rows(*, ids: list[int], user: AbstractBaseUser, now: datetime) -> list[Ticket]:
    """The tickets of a page with what a row shows, in the order of ``ids``."""
    read = TicketRead.objects.filter(
        ticket=OuterRef("pk"), user=user, read_at__gte=OuterRef("last_message_at")
    )
    rows = (
        Ticket.objects.filter(pk__in=ids)
        .select_related("channel", "buyer", "order", "assignee")
        .annotate(is_read=Exists(read))
        .prefetch_related(
            Prefetch("obligations", queryset=Obligation.objects.open().order_by("due_at"),
                     to_attr="open_clocks"),
            Prefetch("escalations",
                     queryset=Escalation.objects.filter(closed_at=None, follow_up_due_at__lte=now),
                     to_attr="follow_ups_due"),
        )
    )
    by_id = {t.pk: t for t in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def inbox_counts(
    *, plan: ListPlan, user: AbstractBaseUser, now: datetime
) -> dict[str, int | str]:
    """The number beside each view, for the visible tickets with the facets applied."""
    tickets = plan.narrowed
    working = tickets.filter(status__in=UNRESOLVED).aggregate(
        open=Count("pk"),
        mine=Count("pk", filter=Q(assignee=user)),
        unassigned=Count("pk", filter=Q(assignee=None)),
        returns=Count("pk", filter=Q(kind=TicketKind.RETURN_REQUEST)),
        claims=Count("pk", filter=Q(kind__in=[TicketKind.CLAIM, TicketKind.CHARGEBACK])),
        waiting=Count("pk", filter=Q(status=TicketStatus.WAITING)),
    )
    ids = tickets.order_by().values("pk")
    clocks = plan.clocks_scoped
    if clocks is None:
        clocks = Obligation.objects.open().filter(ticket__in=ids)
    counts: dict[str, int | str] = {**working, **clocks.aggregate(
        at_risk=Count("ticket", distinct=True,
                      filter=Q(at_risk_at__lte=now, due_at__gte=now)),
        overdue=Count("ticket", distinct=True, filter=Q(due_at__lt=now)),
    )}
    counts["follow_up"] = (
        Escalation.objects.filter(closed_at=None, follow_up_due_at__lte=now, ticket__in=ids)
        .values("ticket_id").distinct().count()
    )
    for key, subset in (("resolved", tickets.filter(status=TicketStatus.RESOLVED)),
                        ("all", tickets)):
        n, capped = count_capped(subset)
        counts[key] = f"{n:,}+" if capped else n
    return counts


@dataclass
class Facets:
    channels: Counter
    languages: Counter
    assignees: Counter


def inbox_facets(*, tickets: QuerySet[Ticket]) -> Facets:
    """Open tickets per channel, language and assignee, in one grouped query."""
    facets = Facets(Counter(), Counter(), Counter())
    for row in (
        tickets.filter(status__in=UNRESOLVED).order_by()
        .values("channel_id", "language", "assignee_id").annotate(n=Count("pk"))
    ):
        facets.channels[row["channel_id"]] += row["n"]
        facets.languages[row["language"]] += row["n"]
        facets.assignees[row["assignee_id"]] += row["n"]
    return facets
