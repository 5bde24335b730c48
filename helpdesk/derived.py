"""What a ticket's messages derive, kept true by whoever wrote messages: the clocks (sla)
and the complaint category (complaints). Above both apps, so that neither the ticket side
nor the mail side needs to reach into them."""

from collections.abc import Iterable

from django.utils import timezone

from helpdesk.complaints.services import tickets_categorise
from helpdesk.db import row_new
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.models import Message, Ticket, TicketStatus, TimelineEvent


def tickets_derived_refresh(
    *, ticket_ids: Iterable[int], tickets: list[Ticket] | None = None,
    written: Iterable[Message] = (),
) -> None:
    """Recompute the clocks and the complaint category of these tickets (tickets merged away
    may be named too: their clocks went with their messages). ``tickets``: the rows as they
    are, and ``written``: the messages just stored, when the caller holds them (saves
    reading them back)."""
    ids = set(ticket_ids)
    _resolved_reopen(obligations_recompute(ticket_ids=ids))
    tickets_categorise(
        tickets=tickets if tickets is not None else Ticket.objects.filter(pk__in=ids),
        written=written,
    )


def _resolved_reopen(reopened: set[int]) -> None:
    """A resolved ticket whose mail now leaves a clock open is open again: resolving is
    refused while a clock runs, and a resolved ticket leaves the working view, so a clock
    reopened there (the answer split off by hand, a question merged in) ran out unseen."""
    if not reopened:
        return
    Ticket.objects.filter(pk__in=reopened).update(status=TicketStatus.OPEN)
    now = timezone.now()
    TimelineEvent.objects.bulk_create(
        row_new(TimelineEvent, ticket_id=pk, at=now, kind="reopened",
                text="Reopened: a clock of this ticket is running again")
        for pk in sorted(reopened)
    )
