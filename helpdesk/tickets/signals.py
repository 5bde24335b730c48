"""What the ticket side announces, for apps above it that react (outgoing webhooks) without
this app knowing them. Sent inside the transaction that made the change: a receiver that
writes rows writes them in it, and work after commit goes through ``jobs.enqueue``."""

from django.dispatch import Signal

# MessageRows.save() wrote new tickets and messages: ``tickets`` (opened), ``messages`` (all
# the new ones, inbound and outbound).
messages_stored = Signal()
# An agent resolved a ticket: ``ticket``, ``actor``.
ticket_resolved = Signal()
