"""Read-side queries for the ticket page and the compose form."""

from django.db.models import OuterRef, QuerySet

from helpdesk.tickets.models import Ticket

from .models import Outbox, OutboxState, ReplyTemplate

# Replies an agent must act on: not sent, or perhaps not delivered.
NOT_SENT = [OutboxState.FAILED, OutboxState.UNCERTAIN]


def replies_not_sent(ticket: Ticket | OuterRef) -> QuerySet[Outbox]:
    """A ticket's replies that did not go (or may not have); with ``OuterRef("pk")`` the
    inbox marks its rows with it in the same query."""
    return Outbox.objects.filter(ticket=ticket, state__in=NOT_SENT)


def outbox_for_ticket(*, ticket: Ticket) -> QuerySet[Outbox]:
    """The ticket's replies on their way or done, newest first: a failed or uncertain one
    shows its state and ``last_error`` on the page."""
    return (
        Outbox.objects.filter(ticket=ticket)
        .select_related("author", "sent_message")
        .prefetch_related("attachments")
        .order_by("-created_at", "-pk")
    )


def templates_for_ticket(*, ticket: Ticket) -> list[ReplyTemplate]:
    """Active templates that fit the ticket's kind (few rows: filtered here, not in SQL, since
    SQLite cannot look inside a JSON list)."""
    templates = ReplyTemplate.objects.filter(active=True).prefetch_related("variants")
    return [t for t in templates if t.fits(ticket.kind)]
