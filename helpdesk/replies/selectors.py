"""Read-side queries for the ticket page and the compose form."""

from django.db.models import QuerySet

from helpdesk.tickets.models import Ticket

from .models import Outbox, ReplyTemplate


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
