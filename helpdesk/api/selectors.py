"""What a user reaches through the API, always derived from ``tickets_visible`` (the rule of
the web pages): a clock, violation or message through its ticket, a buyer or an order through
a ticket of theirs. Managers and admins reach everything, as on the pages."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from helpdesk.marketplaces.models import Buyer, Order
from helpdesk.sla.models import Obligation, Violation
from helpdesk.sla.selectors import ticket_list
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.selectors import (
    ticket_escalations,
    ticket_messages,
    ticket_timeline,
    tickets_visible,
    user_scope,
)


def ticket_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a ticket in a list shows: channel, buyer, order, assignee and its open clocks."""
    rows = tickets.select_related("channel", "buyer__channel", "order", "assignee")
    return rows.prefetch_related(
        Prefetch("obligations", queryset=Obligation.objects.open().order_by("due_at"),
                 to_attr="open_clocks")
    )


def tickets_shown(*, user: AbstractBaseUser) -> QuerySet[Ticket]:
    """``ticket_list`` (the user's tickets with what a row shows) and the buyer's channel."""
    return ticket_list(user=user).select_related("buyer__channel")


def ticket_detail(*, user: AbstractBaseUser, pk: int) -> Ticket | None:
    """A ticket the user may see, with its messages, every clock, cases and timeline."""
    ticket = tickets_shown(user=user).filter(pk=pk).first()
    if ticket is None:
        return None
    ticket.message_rows = list(ticket_messages(ticket=ticket))
    ticket.clock_rows = list(ticket.obligations.order_by("starts_at", "pk"))
    ticket.escalation_rows = list(ticket_escalations(ticket=ticket))
    ticket.timeline_rows = list(ticket_timeline(ticket=ticket))
    return ticket


def messages_visible(*, user: AbstractBaseUser) -> QuerySet[Message]:
    messages = Message.objects.prefetch_related("attachments")
    if user_scope(user).everything:
        return messages
    return messages.filter(ticket__in=tickets_visible(user=user).values("pk"))


def clocks_visible(*, user: AbstractBaseUser) -> QuerySet[Obligation]:
    if user_scope(user).everything:
        return Obligation.objects.all()
    return Obligation.objects.filter(ticket__in=tickets_visible(user=user).values("pk"))


def violations_visible(*, user: AbstractBaseUser) -> QuerySet[Violation]:
    violations = Violation.objects.select_related("channel")
    if user_scope(user).everything:
        return violations
    return violations.filter(ticket__in=tickets_visible(user=user).values("pk"))


def buyers_visible(*, user: AbstractBaseUser) -> QuerySet[Buyer]:
    buyers = Buyer.objects.select_related("channel")
    if user_scope(user).everything:
        return buyers
    return buyers.filter(Exists(tickets_visible(user=user).filter(buyer=OuterRef("pk"))))


def orders_visible(*, user: AbstractBaseUser) -> QuerySet[Order]:
    orders = Order.objects.select_related("channel").prefetch_related("items")
    if user_scope(user).everything:
        return orders
    return orders.filter(Exists(tickets_visible(user=user).filter(order=OuterRef("pk"))))
