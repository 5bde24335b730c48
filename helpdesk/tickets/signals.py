"""What the ticket side announces, for apps above it that react (outgoing webhooks) without
this app knowing them. Sent inside the transaction that made the change: a receiver that
writes rows writes them in it, and work after commit goes through ``jobs.enqueue``."""

from django.dispatch import Signal

# MessageRows.save() wrote new tickets and messages: ``tickets`` (opened), ``messages`` (all
# the new ones, inbound and outbound).
messages_stored = Signal()
# An agent resolved a ticket: ``ticket``, ``actor``.
ticket_resolved = Signal()
# Messages are about to move between tickets (threads merged, replayed or split):
# ``ticket_ids``, the tickets they leave or join. Receivers fix what must stay with these
# tickets as they are now (the clocks an agent's action ended).
messages_moving = Signal()
# Messages moved to a ticket: ``message_ids``, ``ticket_id``.
messages_moved = Signal()
