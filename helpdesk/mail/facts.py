"""What a recognised mail says about its message and its thread: the facts the ticket side
is given (``NewMessage``, the arguments of threading and of a new ticket)."""

from datetime import datetime, timedelta

from helpdesk.marketplaces.models import Buyer, Order
from helpdesk.tickets.models import Ticket, TicketKind
from helpdesk.tickets.services import OPENS_TICKET_OF_KIND, NewAttachment, NewMessage
from helpdesk.tickets.threading import thread_subject

from .parse import ParsedMail, storable
from .raw_store import blob_put
from .recognise import Recognised
from .text import sanitise_html

# A Date header further behind its arrival than this is the sender's clock gone wrong (a
# phone set to another year), not a delay: the arrival is when the buyer's mail came.
DATE_BEHIND_ARRIVAL_MAX = timedelta(hours=24)


def sent_at(parsed: ParsedMail, received_at: datetime) -> datetime:
    """Date header → newest Received header → ingest time; never later than ingest time,
    nor more than ``DATE_BEHIND_ARRIVAL_MAX`` before the newest Received header (the one the
    receiving server wrote)."""
    arrived = parsed.received_dates[0] if parsed.received_dates else None
    when = parsed.date or arrived
    if parsed.date and arrived and arrived - parsed.date > DATE_BEHIND_ARRIVAL_MAX:
        when = arrived
    if when is None or when > received_at:
        return received_at
    return when


def message_new(parsed: ParsedMail, found: Recognised, received_at: datetime) -> NewMessage:
    """The message a recognised mail makes; keeps its attachments' bytes in the raw store."""
    return NewMessage(
        direction=found.direction,
        kind=found.kind,
        is_auto=found.is_auto,
        sent_at=sent_at(parsed, received_at),
        received_at=received_at,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_address=", ".join(parsed.to_addresses),
        language=found.language,
        buyer_text=_clean(found.buyer_text),
        quoted_text=_clean(found.quoted_text),
        body_html=_clean(sanitise_html(parsed.html)),
        attachments=[
            NewAttachment(a.filename[:255], a.content_type[:255], len(a.data), blob_put(a.data))
            for a in parsed.attachments
        ],
    )


def thread_facts(
    parsed: ParsedMail, found: Recognised, order: Order | None, buyer: Buyer | None
) -> dict:
    """The arguments of ``thread_find`` for a mail."""
    return {
        "message_id": parsed.message_id,
        "referenced_ids": [r for r in [parsed.in_reply_to, *parsed.references] if r],
        "kind": found.kind,
        "order": order,
        "buyer": buyer,
        "thread_subject": thread_subject(parsed.subject),
    }


def ticket_facts(
    parsed: ParsedMail, found: Recognised, order: Order | None, buyer: Buyer | None,
    at: datetime,
) -> dict:
    """The arguments of ``ticket_open`` for a mail that starts a thread."""
    return {
        "kind": OPENS_TICKET_OF_KIND.get(found.kind, TicketKind.OTHER),
        "channel": found.channel,
        "buyer": buyer,
        "order": order,
        "subject": parsed.subject,
        "thread_subject": thread_subject(parsed.subject),
        "language": found.language,
        "at": at,
        "asin": found.asin,
    }


def _clean(text: str) -> str:
    # PostgreSQL refuses NUL characters in text; they carry nothing a reader needs.
    return storable(text)


def buyer_named(ticket: Ticket, found: Recognised) -> tuple[int, str] | None:
    """(the ticket's buyer, the name) when a mail of no buyer of its own names the buyer of
    the thread it joins ("Your message to Megan Lowe was not delivered"): the name for a
    buyer known so far only by the relay alias of the seller's mail. Set only where empty."""
    if found.buyer_name and not found.buyer_alias and ticket.buyer_id is not None:
        return ticket.buyer_id, found.buyer_name
    return None


def buyer_name_fill(buyer_id: int, name: str) -> None:
    """Give the buyer this name unless they have one."""
    Buyer.objects.filter(pk=buyer_id, name="").update(name=name)
