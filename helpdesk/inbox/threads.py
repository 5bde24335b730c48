"""Agents correct threading by hand: merge two tickets, or move a message into a ticket of
its own. Both recompute the clocks, write the timeline, and stay put under later mail."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from helpdesk.db import row_id
from helpdesk.derived import tickets_derived_refresh
from helpdesk.sla.selectors import ticket_list
from helpdesk.tickets.actions import ActionError
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.rethread import message_split, tickets_merge

REASON_MAX = 500


@transaction.atomic
def ticket_merge_by_agent(
    *, ticket: Ticket, other: str, reason: str, user: AbstractBaseUser
) -> Ticket:
    """Merge ``ticket`` and the ticket numbered ``other`` (both must be the agent's to see):
    the older survives. The ticket that remains."""
    number = other.strip().lstrip("#")
    if row_id(number) is None or len(number) > 12:
        raise ActionError(_("Give the number of the ticket to merge with, e.g. 1234."))
    partner = ticket_list(user=user).filter(pk=int(number)).first()
    if partner is None:
        raise ActionError(_("There is no ticket #%(n)s in your queues.") % {"n": number})
    if partner.pk == ticket.pk:
        raise ActionError(_("A ticket cannot be merged with itself."))
    if partner.channel_id != ticket.channel_id:
        raise ActionError(_("Tickets of different marketplaces cannot be merged."))
    survivor, merged = sorted([ticket, partner], key=lambda t: t.pk)
    gone = merged.pk
    why = reason.strip()[:REASON_MAX] or _("merged by hand")
    tickets_merge(survivor=survivor, merged=merged, reason=why, actor=user)
    tickets_derived_refresh(ticket_ids={survivor.pk, gone})
    return survivor


@transaction.atomic
def message_split_by_agent(
    *, ticket: Ticket, message_id: str, reason: str, user: AbstractBaseUser
) -> Ticket:
    """Move a message of ``ticket`` into a new ticket; the new ticket."""
    wanted = row_id(message_id)
    message = Message.objects.filter(ticket=ticket, pk=wanted).first() if wanted else None
    if message is None:
        raise ActionError(_("That message is not in this ticket."))
    try:
        old, new = message_split(message=message, actor=user, reason=reason.strip()[:REASON_MAX])
    except ValueError as exc:
        raise ActionError(str(exc)) from exc
    tickets_derived_refresh(ticket_ids={old.pk, new.pk})
    return new
