"""Which ticket a new message belongs to. A reply must never open a second ticket.

The rules live in ``thread_resolve``; where the tickets are looked up is a ``TicketLookup``
(``lookup.MemoryLookup``: the database plus the batch so far, or only the mails of threads
worked out again by ``rethread``)."""

import re
import unicodedata
from typing import Protocol

from helpdesk.marketplaces.models import Buyer, Order

from .models import MessageKind, Ticket, TicketKind

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


# Reply and forward prefixes as mail programs write them in the buyers' languages: French
# "RE :", "TR :", "Réf :"; Italian "R:", "RIF:", "I:" (inoltro); Spanish "RV:" (reenviado);
# German "AW:", "WG:", "Antw:"; Japanese and Chinese "返信:", "転送:", "回复:", "转发:";
# Portuguese "RES:", "ENC:". Counters ("Re[2]:", "AW^2:") and repeats are taken off too.
_PREFIX = (r"(re|aw|wg|fw|fwd|tr|réf|ref|rif|r|i|sv|vs|antw|odp|res|rv|enc"
           r"|返信|転送|回复|回覆|转发|轉寄|答复)\s*(\[\d+\]|\^\d+)?\s*:\s*")
# The tag a company's mail server puts on mail from outside ("[External]", "[EXT]",
# "[Extern]", "[Externe]", "[Esterno]", "[Externo]"), before or after the prefixes, or at
# the end of the subject, where Outlook users' replies carry it.
_EXTERNAL_TAG = (r"[\[(]\s*(ext|extern|external|externe|externo|externa|esterno|esterna)\b"
                 r"[^\])]{0,30}[\])]\s*")
_SUBJECT_PREFIX = re.compile(rf"^\s*({_PREFIX}|{_EXTERNAL_TAG})+", re.IGNORECASE)
_SUBJECT_TAG_END = re.compile(rf"\s*{_EXTERNAL_TAG}$", re.IGNORECASE)


class TicketLookup(Protocol):
    def by_message_ids(self, message_ids: list[str], buyer: Buyer | None = None) -> Ticket | None:
        """The ticket holding a message with one of these Message-IDs (of several, one of
        ``buyer``'s if there is one)."""

    def by_reference_to(self, message_id: str, buyer: Buyer | None = None) -> Ticket | None:
        """The ticket of the first message that names ``message_id`` as referenced (of
        ``buyer``'s tickets, if there is one)."""

    def by_order(self, order: Order, buyer: Buyer | None, kinds: list[str]) -> Ticket | None:
        """A ticket of the order: with this buyer, or without one of these kinds."""

    def by_subject(self, buyer: Buyer, thread_subject: str) -> Ticket | None:
        """A ticket of the buyer with this normalised subject."""


def thread_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, for threading by subject."""
    # NFKC first: a Japanese mail program writes "Ｒｅ：" in full-width letters and colon.
    text = subject or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if prefixes := _SUBJECT_PREFIX.match(text):  # anchored: not tried at every position
        text = text[prefixes.end():]
    if text.rstrip().endswith((")", "]")):  # only then can a tag end it
        text = _SUBJECT_TAG_END.sub("", text)
    return " ".join(text.split()).lower()[:500]


def thread_resolve(
    lookup: TicketLookup,
    *,
    message_id: str,
    referenced_ids: list[str],
    kind: str,
    order: Order | None,
    buyer: Buyer | None,
    thread_subject: str,
) -> Ticket | None:
    """The ticket by, in order: In-Reply-To/References (either direction), order id with
    buyer, buyer alias with normalised subject; None: the mail starts a thread."""
    if referenced_ids:
        ticket = lookup.by_message_ids(referenced_ids, buyer)
        if ticket:
            return ticket
    if message_id:
        # A reply stored before the mail it answers (e.g. a Sent folder fetched first).
        ticket = lookup.by_reference_to(message_id, buyer)
        if ticket:
            return ticket
    if order is not None:
        ticket = lookup.by_order(order, buyer, ORDER_ONLY_KINDS.get(kind, []))
        if ticket:
            return ticket
    if buyer is not None and thread_subject:
        return lookup.by_subject(buyer, thread_subject)
    return None
