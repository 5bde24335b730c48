"""The inbox's views (mine, at risk, overdue…) and facets (channel, language, assignee,
search), read from the query string (``forms.InboxQueryForm``) into one ``InboxQuery``."""

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Escalation, Ticket, TicketKind, TicketStatus
from helpdesk.tickets.selectors import Scope, tickets_visible, user_scope

from .search import search_q

UNRESOLVED = [TicketStatus.OPEN, TicketStatus.WAITING]
# (key, label) in sidebar order. The working views count unresolved tickets; the clock views
# count tickets with such a clock whatever their status, so no running clock can hide.
VIEWS = [
    ("open", _("All open")),
    ("mine", _("Mine")),
    ("unassigned", _("Unassigned")),
    ("at_risk", _("At risk")),
    ("overdue", _("Overdue")),
    ("follow_up", _("Follow-up due")),
    ("returns", _("Return requests")),
    ("claims", _("Claims and chargebacks")),
    ("waiting", _("Waiting for buyer")),
    ("resolved", _("Resolved")),
    ("all", _("All tickets")),
]
VIEW_KEYS = {key for key, _label in VIEWS}
CLOCK_VIEWS = {"at_risk", "overdue", "follow_up"}
UNASSIGNED = "none"


@dataclass(frozen=True)
class InboxQuery:
    view: str = "open"
    channel: int | None = None
    language: str = ""
    assignee: int | str | None = None  # a user id, or UNASSIGNED
    q: str = ""
    page: int = 1

    def querystring(self, **changes: object) -> str:
        """This query with some parts changed, as a URL query string (page reset to 1
        unless given)."""
        changes.setdefault("page", 1)
        merged = replace(self, **changes)
        pairs = [
            ("view", merged.view if merged.view != "open" else ""),
            ("channel", merged.channel or ""), ("language", merged.language),
            ("assignee", merged.assignee or ""), ("q", merged.q),
            ("page", merged.page if merged.page > 1 else ""),
        ]
        return urlencode([(k, v) for k, v in pairs if v not in ("", None)])

    @property
    def facets_active(self) -> bool:
        return bool(self.channel or self.language or self.assignee or self.q)


# A search keeps the newest matches only: enough to find a case, and every count and page
# then works on a short list of ids instead of re-running the search.
SEARCH_LIMIT = 200


def search_found(*, user: AbstractBaseUser, text: str) -> list[int]:
    """Ids of the newest tickets matching ``text`` that ``user`` may see, at most
    SEARCH_LIMIT of them."""
    return list(
        tickets_visible(user=user).filter(search_q(text))
        .order_by("-last_message_at", "-pk").values_list("pk", flat=True)[:SEARCH_LIMIT]
    )


def facets_apply(
    tickets: QuerySet[Ticket], query: InboxQuery, found: list[int] | None = None
) -> QuerySet[Ticket]:
    """Channel, language, assignee and search (``found``: its result, if already read):
    these narrow every view and its count."""
    if query.channel:
        tickets = tickets.filter(channel_id=query.channel)
    if query.language:
        tickets = tickets.filter(language=query.language)
    if query.assignee == UNASSIGNED:
        tickets = tickets.filter(assignee=None)
    elif query.assignee:
        tickets = tickets.filter(assignee_id=query.assignee)
    if query.q:
        tickets = tickets.filter(pk__in=found if found is not None else search_q(query.q))
    return tickets


def clock_ticket_ids(view: str, now: datetime) -> QuerySet:
    """Ids of tickets with an at-risk or overdue clock, or a seller support follow-up due."""
    if view == "at_risk":
        return Obligation.objects.at_risk(now).values("ticket_id")
    if view == "overdue":
        return Obligation.objects.overdue(now).values("ticket_id")
    return Escalation.objects.filter(closed_at=None, follow_up_due_at__lte=now).values(
        "ticket_id"
    )


def view_q(view: str, *, user: AbstractBaseUser, now: datetime) -> Q:
    unresolved = Q(status__in=UNRESOLVED)
    match view:
        case "mine":
            return unresolved & Q(assignee=user)
        case "unassigned":
            return unresolved & Q(assignee=None)
        case "returns":
            return unresolved & Q(kind=TicketKind.RETURN_REQUEST)
        case "claims":
            return unresolved & Q(kind__in=[TicketKind.CLAIM, TicketKind.CHARGEBACK])
        case "waiting":
            return Q(status=TicketStatus.WAITING)
        case "resolved":
            return Q(status=TicketStatus.RESOLVED)
        case "all":
            return Q()
        case _ if view in CLOCK_VIEWS:
            return Q(pk__in=clock_ticket_ids(view, now))
    return unresolved


@dataclass
class ListPlan:
    """What one inbox request reads: the view's tickets, and the open clocks that order its
    first part (None: the view has no first part)."""

    tickets: QuerySet[Ticket]
    narrowed: QuerySet[Ticket]  # visible, facets applied, any view: for the counts
    clocks: QuerySet[Obligation] | None
    clocks_scoped: QuerySet[Obligation] | None  # every open clock the counts may use alone
    only_clocked: bool = False  # every ticket of the view is in the first part
    found: list[int] | None = None  # the search's matches (None: no search)
    # Visible tickets with the search but no channel, language or assignee picked, for the
    # numbers beside those choices; None when none is picked (then it is ``narrowed``).
    unpicked: QuerySet[Ticket] | None = None
    # Most tickets are in the view (all tickets, nothing picked, no search): its pages are
    # read by walking the tickets newest first (``listing.rest_ids``).
    walk_recent: bool = False

    @property
    def search_capped(self) -> bool:
        return self.found is not None and len(self.found) >= SEARCH_LIMIT


def clocks_alone(scope: Scope, query: InboxQuery) -> bool:
    """Whether the open clocks can be chosen without reading their tickets: a clock carries
    its ticket's channel, which is all a channels-only scope and the channel facet need."""
    return scope.channels_only() and not (query.language or query.assignee or query.q)


def scoped_clocks(scope: Scope, query: InboxQuery) -> QuerySet[Obligation]:
    clocks = Obligation.objects.open()
    if not scope.everything:
        clocks = clocks.filter(channel_id__in=sorted(scope.channel_ids()))
    if query.channel:
        clocks = clocks.filter(channel_id=query.channel)
    return clocks


def list_plan(*, query: InboxQuery, user: AbstractBaseUser, now: datetime) -> ListPlan:
    scope = user_scope(user)
    found = search_found(user=user, text=query.q) if query.q else None
    narrowed = facets_apply(tickets_visible(user=user), query, found)
    tickets = narrowed.filter(view_q(query.view, user=user, now=now))
    alone = scoped_clocks(scope, query) if clocks_alone(scope, query) else None
    if query.view == "resolved":
        # Never a running clock here: resolving is refused while one runs, and any mail that
        # starts one reopens its ticket. So the resolved view is simply newest first.
        clocks = None
    elif alone is not None and query.view in ("open", "all", "at_risk", "overdue"):
        # "open" too: a running clock is on an open ticket (and if one ever were not, showing
        # it among the open ones is the safe side).
        clocks = {"at_risk": alone.at_risk(now), "overdue": alone.overdue(now)}.get(
            query.view, alone
        )
    else:
        clocks = Obligation.objects.open().filter(ticket__in=tickets.order_by().values("pk"))
    picked = query.channel or query.language or query.assignee
    return ListPlan(
        tickets=tickets, narrowed=narrowed, clocks=clocks, clocks_scoped=alone,
        only_clocked=query.view in ("at_risk", "overdue"), found=found,
        unpicked=facets_apply(tickets_visible(user=user), InboxQuery(q=query.q), found)
        if picked else None,
        walk_recent=query.view == "all" and not query.facets_active,
    )
