"""The bodies of the events: one envelope, versioned, with the thing the event is about.

    {"version": 1, "id": "evt_…", "event": "ticket.opened", "occurred_at": "…Z",
     "data": {"ticket": {…}}}

``version`` changes only when a field is removed or changes meaning; new fields may appear
in any version (receivers ignore what they do not know). docs/API.md shows every event."""

import json
import uuid
from datetime import datetime

from helpdesk.replies.models import Outbox
from helpdesk.sla.models import Obligation, Violation
from helpdesk.tickets.models import Message, Ticket

VERSION = 1
TEXT_MAX = 2000  # a message's words in a payload: enough to route it, not a copy of the mail


def _at(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def ticket_data(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk, "kind": ticket.kind, "status": ticket.status,
        "subject": ticket.subject, "language": ticket.language,
        "channel": ticket.channel.code if ticket.channel_id else None,
        "buyer": ({"id": ticket.buyer_id, "name": ticket.buyer.name,
                   "alias": ticket.buyer.alias} if ticket.buyer_id else None),
        "order": ticket.order.order_id if ticket.order_id else None,
        "assignee": ticket.assignee.get_username() if ticket.assignee_id else None,
        "created_at": _at(ticket.created_at), "last_message_at": _at(ticket.last_message_at),
    }


def message_data(message: Message) -> dict:
    return {
        "id": message.pk, "ticket": message.ticket.pk, "direction": message.direction,
        "kind": message.kind, "sent_at": _at(message.sent_at), "subject": message.subject,
        "from_name": message.from_name, "language": message.language,
        "text": message.buyer_text[:TEXT_MAX],
    }


def clock_data(clock: Obligation) -> dict:
    return {
        "id": clock.pk, "ticket": clock.ticket_id, "kind": clock.kind, "state": clock.state,
        "starts_at": _at(clock.starts_at), "at_risk_at": _at(clock.at_risk_at),
        "due_at": _at(clock.due_at),
    }


def violation_data(violation: Violation) -> dict:
    return {
        "id": violation.pk, "clock": violation.obligation_id, "ticket": violation.ticket_id,
        "kind": violation.kind, "starts_at": _at(violation.starts_at),
        "due_at": _at(violation.due_at), "occurred_at": _at(violation.occurred_at),
    }


def reply_data(outbox: Outbox) -> dict:
    return {
        "id": outbox.pk, "ticket": outbox.ticket_id, "state": outbox.state,
        "subject": outbox.subject, "to": outbox.to_address, "attempts": outbox.attempts,
        "error": outbox.last_error, "next_attempt_at": _at(outbox.next_attempt_at),
        "sent_at": _at(outbox.sent_at),
    }


def envelope(*, event: str, data: dict, at: datetime) -> tuple[str, str]:
    """(event id, the body as sent): compact JSON, keys in a fixed order."""
    event_id = f"evt_{uuid.uuid4().hex}"
    body = json.dumps({"version": VERSION, "id": event_id, "event": event,
                       "occurred_at": _at(at), "data": data},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return event_id, body
