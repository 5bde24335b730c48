"""What a ticket's messages derive, kept true by whoever wrote messages: the clocks (sla)
and the complaint category (complaints). Above both apps, so that neither the ticket side
nor the mail side needs to reach into them."""

from collections.abc import Iterable

from helpdesk.complaints.services import tickets_categorise
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.models import Ticket


def tickets_derived_refresh(
    *, ticket_ids: Iterable[int], tickets: list[Ticket] | None = None
) -> None:
    """Recompute the clocks and the complaint category of these tickets (tickets merged away
    may be named too: their clocks went with their messages). ``tickets``: the rows as they
    are, when the caller holds them (saves a query)."""
    ids = set(ticket_ids)
    obligations_recompute(ticket_ids=ids)
    tickets_categorise(
        tickets=tickets if tickets is not None else Ticket.objects.filter(pk__in=ids)
    )
