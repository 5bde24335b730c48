"""Read-side queries over tickets."""

from django.db.models import QuerySet

from .models import Message, Ticket


def ticket_list() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("channel", "buyer", "order", "assignee").order_by(
        "-last_message_at", "-pk"
    )


def ticket_messages(*, ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.prefetch_related("attachments").order_by("sent_at", "pk")
