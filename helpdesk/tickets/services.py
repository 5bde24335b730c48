"""Ticket services: every change to a ticket goes through here, in one transaction with the
timeline event it writes."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from helpdesk.marketplaces.models import Buyer, Channel, Order

from .models import (
    Attachment,
    Direction,
    Message,
    MessageKind,
    MessageReference,
    Ticket,
    TicketKind,
    TicketStatus,
    TimelineEvent,
)

# The ticket kind a message opens when it starts a thread.
OPENS_TICKET_OF_KIND = {
    MessageKind.BUYER_MESSAGE: TicketKind.BUYER_MESSAGE,
    MessageKind.RETURN_REQUEST: TicketKind.RETURN_REQUEST,
    MessageKind.CLAIM: TicketKind.CLAIM,
    MessageKind.CHARGEBACK: TicketKind.CHARGEBACK,
    MessageKind.CANCELLATION: TicketKind.CANCELLATION,
    MessageKind.FEEDBACK: TicketKind.FEEDBACK,
}
# Inbound kinds that ask the seller for something: they reopen a ticket.
NEEDS_SELLER = set(OPENS_TICKET_OF_KIND)


@dataclass
class NewAttachment:
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass
class NewMessage:
    direction: str
    kind: str
    is_auto: bool
    sent_at: datetime
    received_at: datetime
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    to_address: str = ""
    language: str = ""
    buyer_text: str = ""
    quoted_text: str = ""
    body_html: str = ""
    attachments: list[NewAttachment] = field(default_factory=list)


def ticket_open(
    *,
    kind: str,
    channel: Channel,
    buyer: Buyer | None,
    order: Order | None,
    subject: str,
    thread_subject: str,
    language: str,
    at: datetime,
) -> Ticket:
    ticket = Ticket.objects.create(
        kind=kind,
        channel=channel,
        buyer=buyer,
        order=order,
        subject=subject[:500],
        thread_subject=thread_subject,
        language=language,
        created_at=at,
        last_message_at=at,
    )
    TimelineEvent.objects.create(
        ticket=ticket, at=at, kind="opened", text=f"Ticket opened: {ticket.get_kind_display()}"
    )
    return ticket


@transaction.atomic
def message_add(*, ticket: Ticket, new: NewMessage, raw_id: int | None = None) -> Message:
    """Add a message to a ticket, move the ticket's status, and write the timeline."""
    message = Message.objects.create(
        ticket=ticket,
        raw_id=raw_id,
        direction=new.direction,
        kind=new.kind,
        is_auto=new.is_auto,
        sent_at=new.sent_at,
        received_at=new.received_at,
        message_id=new.message_id,
        in_reply_to=new.in_reply_to,
        subject=new.subject[:500],
        from_address=new.from_address[:254],
        from_name=new.from_name[:200],
        to_address=new.to_address[:1000],
        language=new.language,
        buyer_text=new.buyer_text,
        quoted_text=new.quoted_text,
        body_html=new.body_html,
    )
    references = list(dict.fromkeys([*new.references, new.in_reply_to]))
    MessageReference.objects.bulk_create(
        MessageReference(message=message, referenced_id=ref) for ref in references if ref
    )
    if new.attachments:
        Attachment.objects.bulk_create(
            Attachment(message=message, **vars(attachment)) for attachment in new.attachments
        )

    updates = []
    if new.sent_at > ticket.last_message_at:
        ticket.last_message_at = new.sent_at
        updates.append("last_message_at")
    if new.direction == Direction.IN and new.kind in NEEDS_SELLER and not new.is_auto:
        if ticket.status != TicketStatus.OPEN:
            ticket.status = TicketStatus.OPEN
            updates.append("status")
    elif new.direction == Direction.OUT and not new.is_auto and ticket.status == TicketStatus.OPEN:
        ticket.status = TicketStatus.WAITING
        updates.append("status")
    if updates:
        ticket.save(update_fields=updates)

    who = new.from_name or new.from_address or "unknown sender"
    verb = "Reply sent" if new.direction == Direction.OUT else "Message received"
    TimelineEvent.objects.create(
        ticket=ticket,
        at=new.sent_at,
        kind=f"message_{new.direction}",
        text=f"{verb}: {message.get_kind_display()} from {who}"[:1000],
        data={"message": message.pk},
    )
    return message
