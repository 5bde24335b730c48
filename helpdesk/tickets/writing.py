"""The one writer of messages: whatever adds messages (the ingest, by the batch; a reply the
product sent, one at a time) collects its rows here and inserts them with a few statements.
What a ticket's messages derive (clocks, complaint category) is the caller's to refresh,
with ``helpdesk.derived.tickets_derived_refresh``, once for all it wrote."""

from dataclasses import dataclass, field

from django.db import transaction

from helpdesk.db import rows_insert, rows_update_changed
from helpdesk.marketplaces.models import Buyer, Order

from .models import Attachment, Message, MessageReference, Ticket, TimelineEvent
from .services import (
    NewMessage,
    message_build,
    message_children,
    message_event,
    opened_event,
    ticket_follow,
)
from .signals import messages_stored


@dataclass
class MessageRows:
    """New tickets and messages with their references, attachments and timeline, and the
    fields of existing tickets they change: inserted in the order they were added."""

    tickets: list[Ticket] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    references: list[MessageReference] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    # Ticket-opened events, and (ticket, message, new) for events that need the message's pk.
    timeline: list[TimelineEvent | tuple[Ticket, Message, NewMessage]] = field(
        default_factory=list
    )
    # Tickets that existed before, with the fields changed (by id()).
    changed: dict[int, tuple[Ticket, set[str]]] = field(default_factory=dict)
    touched: dict[int, Ticket] = field(default_factory=dict)

    def ticket_opened(self, ticket: Ticket) -> None:
        self.tickets.append(ticket)
        self.timeline.append(opened_event(ticket))

    def ticket_changed(self, ticket: Ticket, fields: list[str]) -> None:
        if fields and ticket.pk is not None:  # a new ticket is inserted as it ends up
            self.changed.setdefault(id(ticket), (ticket, set()))[1].update(fields)

    def message_added(self, message: Message, new: NewMessage) -> None:
        """Add ``message`` (built by ``message_build``) and move its ticket on."""
        self.messages.append(message)
        references, attachments = message_children(message, new)
        self.references += references
        self.attachments += attachments
        self.timeline.append((message.ticket, message, new))
        self.touched[id(message.ticket)] = message.ticket
        self.ticket_changed(message.ticket, ticket_follow(message.ticket, new))

    def save(self) -> None:
        # rows_insert sets the primary keys, which the rows after refer to.
        rows_insert(self.tickets)
        rows_insert(self.messages)
        rows_insert(self.references)
        rows_insert(self.attachments)
        rows_insert(
            [e if isinstance(e, TimelineEvent) else message_event(*e) for e in self.timeline]
        )
        # Only the changed fields: an agent may be editing the others meanwhile.
        rows_update_changed(self.changed.values())
        if self.messages:
            messages_stored.send(sender=MessageRows, tickets=self.tickets,
                                 messages=self.messages)


@transaction.atomic
def message_add(
    *, ticket: Ticket, new: NewMessage, raw_id: int | None = None,
    order: Order | None = None, buyer: Buyer | None = None,
) -> Message:
    """Add one message to a ticket that exists, move the ticket's status, write the
    timeline. The caller refreshes what the ticket's messages derive."""
    rows = MessageRows()
    message = message_build(ticket, new, raw_id, order=order, buyer=buyer)
    rows.message_added(message, new)
    rows.save()
    return message
