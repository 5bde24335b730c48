"""Tickets with their clocks, for the pages and the API that list and show them."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.selectors import tickets_visible

from .models import Obligation


def ticket_list(*, user: AbstractBaseUser | AnonymousUser | None = None) -> QuerySet[Ticket]:
    """Tickets with what a row or a page shows: channel, buyer, order, assignee and the open
    clocks (soonest first, as ``open_clocks``). Without a user: every ticket (commands)."""
    tickets = Ticket.objects.all() if user is None else tickets_visible(user=user)
    return (
        tickets.select_related("channel", "buyer", "order", "assignee")
        .prefetch_related(
            Prefetch("obligations", queryset=Obligation.objects.open().order_by("due_at"),
                     to_attr="open_clocks")
        )
        .order_by("-last_message_at", "-pk")
    )
