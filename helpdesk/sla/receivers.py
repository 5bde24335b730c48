"""The clock side of messages moving between tickets (``tickets.signals``): an agent's
action ends the clocks that were on its ticket when it was taken, and goes with them."""

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.signals import messages_moved, messages_moving

from .services import clock_actions_follow, clock_actions_pin


def on_messages_moving(sender, *, ticket_ids, **kwargs) -> None:
    clock_actions_pin(ticket_ids=ticket_ids)


def on_messages_moved(sender, *, message_ids, ticket_id, **kwargs) -> None:
    clock_actions_follow(message_ids=message_ids, ticket_id=ticket_id)


def connect() -> None:
    messages_moving.connect(on_messages_moving, sender=Ticket, dispatch_uid="sla-moving")
    messages_moved.connect(on_messages_moved, sender=Ticket, dispatch_uid="sla-moved")
