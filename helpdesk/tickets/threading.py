"""Which ticket a new message belongs to. A reply must never open a second ticket."""

from helpdesk.marketplaces.models import Buyer, Order

from .models import MessageKind, MessageReference, Ticket, TicketKind

# Mail that names an order but no buyer (system notices) joins a ticket of these kinds.
ORDER_ONLY_KINDS: dict[str, list[str]] = {
    MessageKind.REPLY_CONFIRMATION: [
        TicketKind.BUYER_MESSAGE, TicketKind.CANCELLATION, TicketKind.RETURN_REQUEST
    ],
    MessageKind.OPT_OUT: [
        TicketKind.BUYER_MESSAGE, TicketKind.CANCELLATION, TicketKind.RETURN_REQUEST
    ],
    MessageKind.RETURN_REQUEST: [TicketKind.RETURN_REQUEST],
    MessageKind.CLAIM: [TicketKind.CLAIM],
    MessageKind.CHARGEBACK: [TicketKind.CHARGEBACK],
    MessageKind.FEEDBACK: [TicketKind.FEEDBACK],
    MessageKind.NOTICE: [
        TicketKind.RETURN_REQUEST, TicketKind.CLAIM, TicketKind.BUYER_MESSAGE,
        TicketKind.CANCELLATION, TicketKind.CHARGEBACK,
    ],
}


def thread_find(
    *,
    message_id: str,
    referenced_ids: list[str],
    kind: str,
    order: Order | None,
    buyer: Buyer | None,
    thread_subject: str,
) -> Ticket | None:
    """The ticket by, in order: In-Reply-To/References (either direction), order id with
    buyer, buyer alias with normalised subject."""
    if referenced_ids:
        ticket = (
            Ticket.objects.filter(messages__message_id__in=referenced_ids)
            .order_by("-last_message_at")
            .first()
        )
        if ticket:
            return ticket
    if message_id:
        # A reply stored before the mail it answers (e.g. a Sent folder fetched first).
        reference = (
            MessageReference.objects.filter(referenced_id=message_id)
            .select_related("message__ticket")
            .first()
        )
        if reference:
            return reference.message.ticket
    if order is not None:
        if buyer is not None:
            by_order = Ticket.objects.filter(order=order, buyer=buyer)
        else:
            by_order = Ticket.objects.filter(order=order, kind__in=ORDER_ONLY_KINDS.get(kind, []))
        ticket = by_order.order_by("-last_message_at").first()
        if ticket:
            return ticket
    if buyer is not None and thread_subject:
        return (
            Ticket.objects.filter(buyer=buyer, thread_subject=thread_subject)
            .order_by("-last_message_at")
            .first()
        )
    return None
