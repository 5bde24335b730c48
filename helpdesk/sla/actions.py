"""What agents do to a ticket that the clocks decide: resolve it (refused while a clock
runs) and end a clock without a mail. Callers pass a ticket they already fetched through
``tickets.selectors.tickets_visible``, as for ``tickets.actions``."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.tickets.actions import ActionError, timeline_add
from helpdesk.tickets.models import Ticket, TicketStatus
from helpdesk.tickets.signals import ticket_resolved

from .models import ClockAction, Obligation
from .services import clock_action_record

# The clock action each open clock kind can be ended with, in the agent's words.
CLOCK_ENDINGS = {
    "no_response_required": frozenset({"buyer_reply"}),
    "responded_elsewhere": frozenset({"claim", "chargeback"}),
    "return_decided": frozenset({"return_request"}),
}


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, actor: AbstractBaseUser,
                   now: datetime | None = None) -> Ticket:
    """Resolve. Refused while a clock is open: a resolved ticket leaves the working view,
    and a clock nobody sees would run out unnoticed."""
    now = now or timezone.now()
    if ticket.status == TicketStatus.RESOLVED:
        return ticket
    if Obligation.objects.open().filter(ticket=ticket).exists():
        raise ActionError(_("Ticket #%(id)s still has an open clock: reply, or mark it "
                            "“No response required”, first.") % {"id": ticket.pk})
    ticket.status = TicketStatus.RESOLVED
    ticket.save(update_fields=["status"])
    timeline_add(ticket, actor, "resolved", _("Resolved"), now)
    ticket_resolved.send(sender=Ticket, ticket=ticket, actor=actor)
    return ticket


@transaction.atomic
def ticket_clock_end(
    *, ticket: Ticket, actor: AbstractBaseUser, kind: str = "no_response_required",
    note: str = "", now: datetime | None = None,
) -> ClockAction:
    """End the ticket's open clocks of the kinds ``kind`` can end, without a mail ("No
    response required", "Responded in Seller Central", "Return decided"). Marking after
    the deadline still keeps the breach on record (the clock decides that)."""
    if kind not in CLOCK_ENDINGS:
        raise ActionError(_("Unknown clock action."))
    if not Obligation.objects.open().filter(ticket=ticket, kind__in=CLOCK_ENDINGS[kind]).exists():
        raise ActionError(_("Ticket #%(id)s has no open clock this ends.") % {"id": ticket.pk})
    return clock_action_record(ticket=ticket, kind=kind, actor=actor, note=note.strip(),
                               at=now or timezone.now())
