"""Tickets as JSON Lines: one ticket a line, for backups, analysis and other tools."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from .models import Message, Ticket

BATCH = 500


def ticket_export_rows(*, since: datetime | None = None) -> Iterator[dict]:
    """Tickets with activity at or after ``since`` (all without), oldest first; open clocks
    are judged as of now."""
    now = timezone.now()
    tickets = Ticket.objects.select_related("channel", "buyer", "order").order_by("pk")
    if since is not None:
        tickets = tickets.filter(last_message_at__gte=since)
    # Mail written in the same second is listed by Message-ID (then by what it says): the
    # export of the same mail is the same whatever order it arrived in.
    messages = Message.objects.order_by(
        "sent_at", "message_id", "direction", "kind", "is_auto", "subject", "from_address",
        "to_address", "buyer_text", "pk",
    ).only(
        "ticket_id", "message_id", "direction", "kind", "sent_at", "is_auto", "subject"
    )
    for ticket in tickets.prefetch_related(
        Prefetch("messages", queryset=messages), "obligations"
    ).iterator(chunk_size=BATCH):
        message_ids = {m.pk: m.message_id for m in ticket.messages.all()}
        yield {
            "id": ticket.pk,
            "channel": ticket.channel.code,
            "kind": ticket.kind,
            "status": ticket.status,
            "order_id": ticket.order.order_id if ticket.order else None,
            "buyer": ticket.buyer.alias if ticket.buyer else None,
            "messages": [
                {
                    "message_id": m.message_id,
                    "direction": m.direction,
                    "kind": m.kind,
                    "sent_at": m.sent_at.isoformat(),
                    "auto": m.is_auto,
                    "subject": m.subject,
                }
                for m in ticket.messages.all()
            ],
            "obligations": [
                {
                    "kind": o.kind,
                    "starts_at": o.starts_at.isoformat(),
                    "due_at": o.due_at.isoformat(),
                    "satisfied_at": o.satisfied_at.isoformat() if o.satisfied_at else None,
                    "state": o.state_at(now),
                }
                for o in sorted(
                    ticket.obligations.all(),
                    key=lambda o: (o.starts_at, o.kind, message_ids.get(o.message_id, ""), o.pk),
                )
            ],
        }
