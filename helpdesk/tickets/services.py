"""Ticket services: every change to a ticket goes through here, in one transaction with the
timeline event it writes."""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import total_ordering

from helpdesk.db import row_new
from helpdesk.letters import CJK, CJK_FIRST, accents_off
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
    # Why it ends no clock although it claims to answer (mail.trust); "" when it counts.
    untrusted_reason: str = ""


# The fields of a message that ``content_key`` reads, in this order.
SAID_FIELDS = ("direction", "kind", "is_auto", "subject", "from_address", "to_address",
               "buyer_text")


@total_ordering
class Written:
    """Where a message stands in the order written, as threading and its replay take mail:
    by sent time, then Message-ID, then what it says (``content_key``), so that no tie is
    left for the order of arrival to break (two mails of one second under one Message-ID,
    a broken sender's). What it says is hashed only when the first two tie: every mail is
    compared with its threads' newest, and hashing each one's text cost more than the
    comparisons."""

    __slots__ = ("sent_at", "message_id", "_said", "_key")

    def __init__(self, sent_at: datetime, message_id: str = "", *, said: object = None,
                 key: str | None = None) -> None:
        """``said``: what has the message's ``SAID_FIELDS`` as attributes (a NewMessage, a
        replayed mail), read only if ``key`` is needed and not given."""
        self.sent_at, self.message_id, self._said, self._key = sent_at, message_id, said, key

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = content_key(**{name: getattr(self._said, name) for name in SAID_FIELDS})
        return self._key

    def at(self, sent_at: datetime) -> "Written":
        """The same place at another time (a ticket's first message at its opening)."""
        return Written(sent_at, self.message_id, said=self._said, key=self._key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Written):
            return NotImplemented
        return (self.sent_at == other.sent_at and self.message_id == other.message_id
                and self.key == other.key)

    def __lt__(self, other: "Written") -> bool:
        if self.sent_at != other.sent_at:
            return self.sent_at < other.sent_at
        if self.message_id != other.message_id:
            return self.message_id < other.message_id
        return self.key < other.key

    __hash__ = None  # type: ignore[assignment]  # compared, never a key

    def __repr__(self) -> str:
        return f"Written({self.sent_at!r}, {self.message_id!r})"


def written(new: "NewMessage") -> Written:
    """``new``'s place in the order written."""
    return Written(new.sent_at, new.message_id, said=new)


def content_key(
    *, direction: str, kind: str, is_auto: bool, subject: str, from_address: str,
    to_address: str, buyer_text: str,
) -> str:
    """A hash of what a message says, as its row keeps it: the same for every copy of a
    mail whichever way it came (the raw bytes are not: IMAP carries CRLF, a file LF), and
    equal for two mails only when nothing the seller sees tells them apart."""
    said = "\x00".join([direction, kind, "1" if is_auto else "0", subject[:500],
                        from_address[:254], to_address[:1000], buyer_text])
    return hashlib.sha256(said.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def ticket_build(
    *,
    kind: str,
    channel: Channel,
    buyer: Buyer | None,
    order: Order | None,
    subject: str,
    thread_subject: str,
    language: str,
    at: datetime,
    asin: str = "",
) -> Ticket:
    """A new ticket, not yet saved: ``ticket_open`` saves it, the batch ingest bulk-inserts."""
    return row_new(
        Ticket,
        kind=kind,
        channel=channel,
        buyer=buyer,
        order=order,
        subject=subject[:500],
        thread_subject=thread_subject,
        language=language,
        asin=asin,
        created_at=at,
        last_message_at=at,
        search_text=searchable(subject[:500]) + _name_words(buyer),
    )


def _name_words(buyer: Buyer | None) -> str:
    """The buyer's name for the search text, when it is not ASCII: the search by name reads
    names as written ("Fernandez" does not find "Fernández" there), the search text without
    accents and with Japanese spaced."""
    name = buyer.name.strip() if buyer is not None else ""
    return "" if name.isascii() else f"\n{searchable(name)}"


def opened_event(ticket: Ticket) -> TimelineEvent:
    return row_new(
        TimelineEvent,
        ticket=ticket,
        at=ticket.created_at,
        kind="opened",
        text=f"Ticket opened: {TicketKind(ticket.kind).label}",
    )


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
    asin: str = "",
) -> Ticket:
    ticket = ticket_build(
        kind=kind, channel=channel, buyer=buyer, order=order, subject=subject,
        thread_subject=thread_subject, language=language, at=at, asin=asin,
    )
    ticket.save(force_insert=True)
    opened_event(ticket).save(force_insert=True)
    return ticket


def message_build(
    ticket: Ticket, new: NewMessage, raw_id: int | None = None, *,
    order: Order | None = None, buyer: Buyer | None = None, channel: Channel | None = None,
    asin: str = "",
) -> Message:
    """The message row, not yet saved; ``channel``, ``order``, ``buyer`` and ``asin`` are
    what the mail named (the ticket's channel when it named none)."""
    return row_new(
        Message,
        ticket=ticket,
        raw_id=raw_id,
        channel_id=channel.pk if channel is not None else ticket.channel_id,
        order=order,
        buyer=buyer,
        asin=asin[:20],
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
        untrusted_reason=new.untrusted_reason[:500],
    )


def references_of(new: NewMessage) -> list[str]:
    """The Message-IDs a message names, each once: what its MessageReference rows hold."""
    return [ref for ref in dict.fromkeys([*new.references, new.in_reply_to]) if ref]


def message_children(
    message: Message, new: NewMessage
) -> tuple[list[MessageReference], list[Attachment]]:
    """(MessageReference rows, Attachment rows) of a message, not yet saved."""
    references = [
        row_new(MessageReference, message=message, referenced_id=ref)
        for ref in references_of(new)
    ]
    attachments = [row_new(Attachment, message=message, **vars(a)) for a in new.attachments]
    return references, attachments


# Enough for any real thread; a runaway one (a bot writing daily) stops growing its search text.
SEARCH_TEXT_MAX = 20_000
# Kana, the iteration mark and CJK ideographs: Japanese (and Chinese) is written without
# spaces, and the full-text indexes (PostgreSQL's parser, SQLite's unicode61) make one word of
# a whole run of it, so "破損" would only be found at the start of a sentence. The search text
# holds each such character as a word of its own; the search looks for them side by side.
_CJK_EDGE = re.compile(rf"(?<=[{CJK}])(?=\S)|(?<=\S)(?=[{CJK}])")


def searchable(text: str) -> str:
    """``text`` as the search text holds it, and as a search is read: accents taken off
    ("endommagé" is found by "endommage" on every database, as SQLite's index already did),
    full-width letters and digits made plain, and each kana or ideograph spaced from its
    neighbours ("商品が破損" → "商 品 が 破 損"). ASCII text is unchanged."""
    if text.isascii():
        return text
    text = accents_off(text)
    return _CJK_EDGE.sub(" ", text) if max(text, default="") >= CJK_FIRST else text


def search_text_add(ticket: Ticket, words: str) -> bool:
    """Add a message's own words to what the ticket is found by; whether it changed."""
    room = SEARCH_TEXT_MAX - len(ticket.search_text) - 1
    words = searchable(words.strip())[:room] if room > 0 else ""
    if not words:
        return False
    ticket.search_text = f"{ticket.search_text}\n{words}" if ticket.search_text else words
    return True


def ticket_fill(
    ticket: Ticket, buyer: Buyer | None, order: Order | None, asin: str = ""
) -> list[str]:
    """A later mail may name the buyer, the order or the product the first one did not; the
    changed fields (not saved)."""
    updates = []
    if asin and not ticket.asin:
        ticket.asin = asin
        updates.append("asin")
    if buyer is not None and ticket.buyer_id is None:
        ticket.buyer = buyer
        updates.append("buyer")
        if (words := _name_words(buyer)) and search_text_add(ticket, words):
            updates.append("search_text")
    if order is not None and ticket.order_id is None:
        ticket.order = order
        updates.append("order")
    return updates


def ticket_follow(ticket: Ticket, new: NewMessage) -> list[str]:
    """Move the ticket's kind, last-message time and status for a message that comes after
    those it has (by sent time); the changed fields. The kind is that of the earliest message
    that decides one (a thread the seller started is a buyer's once the buyer answers)."""
    updates = []
    if ticket.kind == TicketKind.OTHER and new.kind in OPENS_TICKET_OF_KIND:
        ticket.kind = OPENS_TICKET_OF_KIND[new.kind]
        updates.append("kind")
    if search_text_add(ticket, new.buyer_text):
        updates.append("search_text")
    if new.sent_at > ticket.last_message_at:
        ticket.last_message_at = new.sent_at
        updates.append("last_message_at")
    if new.direction == Direction.IN and new.kind in NEEDS_SELLER and not new.is_auto:
        if ticket.status != TicketStatus.OPEN:
            ticket.status = TicketStatus.OPEN
            updates.append("status")
    elif (new.direction == Direction.OUT and not new.is_auto and not new.untrusted_reason
          and ticket.status == TicketStatus.OPEN):
        ticket.status = TicketStatus.WAITING
        updates.append("status")
    return updates


def message_event(ticket: Ticket, message: Message, new: NewMessage) -> TimelineEvent:
    """The timeline line of a saved message (it names the message's pk)."""
    who = new.from_name or new.from_address or "unknown sender"
    verb = "Reply sent" if new.direction == Direction.OUT else "Message received"
    return row_new(
        TimelineEvent,
        ticket=ticket,
        at=new.sent_at,
        kind=f"message_{new.direction}",
        text=(f"{verb}: {MessageKind(message.kind).label} from {who}"
              + (f". {new.untrusted_reason}" if new.untrusted_reason else ""))[:1000],
        data={"message": message.pk},
    )
