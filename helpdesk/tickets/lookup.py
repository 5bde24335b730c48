"""The threading lookups of ``thread_resolve`` in memory: over the database as it was when a
batch started plus the batch's own tickets and messages so far (``prefetch``), or over nothing
but the mails being threaded again (``threads_replay``), so that mails threading onto each
other land in one ticket exactly as if they had come one at a time, in the order written."""

from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace

from django.db.models import F, Q

from helpdesk.marketplaces.models import Buyer, Order

from .models import Message, MessageReference, Ticket
from .services import SAID_FIELDS, NewMessage, Written, references_of, written

# New tickets rank after every stored one, in the order they were opened (see ``_age``).
_NEW_RANK = 1 << 62


class MemoryLookup:
    """A ``TicketLookup``; every ticket it knows of is one instance, changed in place."""

    def __init__(self) -> None:
        self._with_message_id: dict[str, list[Ticket]] = defaultdict(list)
        # Message-ID → the tickets whose mail references it, in the order they were added.
        self._referencing: dict[str, list[Ticket]] = defaultdict(list)
        self._of_order: dict[int, list[Ticket]] = defaultdict(list)
        self._of_buyer: dict[int, list[Ticket]] = defaultdict(list)
        self._rank: dict[int, int] = {}  # id(ticket) → pk, or its place after them
        self._newest: dict[int, Written] = {}  # id(ticket) → see newest()
        self._first: dict[int, Written] = {}  # id(ticket) → see _age()

    @classmethod
    def prefetch(
        cls, *, message_ids: set[str], referenced_ids: set[str], tickets: Q
    ) -> "MemoryLookup":
        """Load what the rules can reach: the tickets of messages with a Message-ID the run
        references, of the first references to a Message-ID of the run, and ``tickets``."""
        holders = list(
            Message.objects.filter(message_id__in=referenced_ids)
            .order_by()
            .values_list("message_id", "ticket_id")
        )
        references = list(
            MessageReference.objects.filter(referenced_id__in=message_ids)
            .order_by("pk")
            .values_list("referenced_id", "message__ticket_id")
        )
        pks = {pk for _, pk in holders} | {pk for _, pk in references}
        loaded = {t.pk: t for t in Ticket.objects.filter(tickets | Q(pk__in=pks)).order_by()}
        # The other tickets of the orders of tickets found by Message-ID: a late reply there
        # may make its ticket the one a Seller Central copy of that order belongs to (``rivals``).
        orders = {loaded[pk].order_id for pk in pks} - {None}
        if orders:
            for ticket in Ticket.objects.filter(order_id__in=orders).order_by():
                loaded.setdefault(ticket.pk, ticket)
        lookup = cls()
        for ticket in loaded.values():
            lookup.ticket_added(ticket)
        # Of the messages written in a ticket's last second, the one a replay takes last.
        # And of those written in its first second, the one a replay takes first (``_age``):
        # one query for both ends of every ticket (a few messages each).
        for ticket in loaded.values():
            lookup._first[id(ticket)] = Written(ticket.created_at, key="")
        ends = (
            Message.objects.filter(ticket_id__in=loaded)
            .filter(Q(sent_at=F("ticket__last_message_at")) | Q(sent_at=F("ticket__created_at")))
            .order_by().values_list("ticket_id", "sent_at", "message_id", *SAID_FIELDS)
        )
        newest: dict[int, Written] = {}
        first: dict[int, Written] = {}
        for pk, sent_at, message_id, *said in ends:
            place = Written(sent_at, message_id,
                            said=SimpleNamespace(**dict(zip(SAID_FIELDS, said, strict=True))))
            if sent_at == loaded[pk].last_message_at:
                newest[pk] = max(newest.get(pk, place), place)
            if sent_at == loaded[pk].created_at:
                first[pk] = min(first.get(pk, place), place)
        for pk, place in newest.items():
            lookup._newest[id(loaded[pk])] = place
        for pk, place in first.items():
            lookup._first[id(loaded[pk])] = place
        for message_id, pk in holders:
            lookup._with_message_id[message_id].append(loaded[pk])
        for message_id, pk in references:
            lookup._referencing[message_id].append(loaded[pk])
        return lookup

    def ticket_added(self, ticket: Ticket) -> None:
        """Know of ``ticket``: a new one, a stored one, or one that gained a buyer or order."""
        if id(ticket) not in self._rank:
            self._rank[id(ticket)] = ticket.pk if ticket.pk is not None else (
                _NEW_RANK + len(self._rank)
            )
        if ticket.order_id is not None and ticket not in self._of_order[ticket.order_id]:
            self._of_order[ticket.order_id].append(ticket)
        if ticket.buyer_id is not None and ticket not in self._of_buyer[ticket.buyer_id]:
            self._of_buyer[ticket.buyer_id].append(ticket)

    def message_added(self, ticket: Ticket, new: NewMessage) -> None:
        place = written(new)
        self._first.setdefault(id(ticket), place.at(ticket.created_at))
        self._newest[id(ticket)] = max(self.newest(ticket), place)
        if new.message_id:
            self._with_message_id[new.message_id].append(ticket)
        for ref in references_of(new):
            self._referencing[ref].append(ticket)

    def newest(self, ticket: Ticket) -> Written:
        """The place (``written``) of the message of ``ticket`` written last, in the order a
        replay takes them: a mail before it came out of order."""
        return self._newest.get(id(ticket)) or Written(ticket.last_message_at, key="")

    def _age(self, ticket: Ticket) -> tuple[Written, int]:
        """Older first: by the place (``written``) of the message a ticket started with, the
        order a replay opens them in, and only then by row. The row alone would follow the
        order mail arrived in: a question and a return request of the same second would take
        a later Seller Central copy by which of them came first."""
        place = self._first.get(id(ticket)) or Written(ticket.created_at, key="")
        return place, self._rank[id(ticket)]

    def _newest_of(self, tickets: Iterable[Ticket]) -> Ticket | None:
        """Among several candidates the most recently active ticket wins, then the oldest."""
        tickets = list(tickets)
        if not tickets:
            return None
        newest = max(t.last_message_at for t in tickets)
        return min((t for t in tickets if t.last_message_at == newest), key=self._age)

    def by_message_ids(self, message_ids: list[str], buyer: Buyer | None = None) -> Ticket | None:
        return self._newest_of(_buyers_own(
            [t for mid in message_ids for t in self._with_message_id.get(mid, ())], buyer
        ))

    def by_reference_to(self, message_id: str, buyer: Buyer | None = None) -> Ticket | None:
        referencing = _buyers_own(self._referencing.get(message_id, []), buyer)
        return referencing[0] if referencing else None

    def by_order(self, order: Order, buyer: Buyer | None, kinds: list[str]) -> Ticket | None:
        tickets = self._of_order.get(order.pk, ())
        if buyer is not None:
            return self._newest_of(t for t in tickets if t.buyer_id == buyer.pk)
        return self._newest_of(t for t in tickets if t.kind in kinds)

    def by_subject(self, buyer: Buyer, thread_subject: str) -> Ticket | None:
        tickets = self._of_buyer.get(buyer.pk, ())
        return self._newest_of(t for t in tickets if t.thread_subject == thread_subject)

    def reach(
        self, *, message_id: str, referenced_ids: list[str], order: Order | None,
        buyer: Buyer | None,
    ) -> Iterable[Ticket]:
        """Every ticket a mail's evidence touches, whichever rule would take it: when one of
        them already holds later mail, this mail came out of order."""
        for ref in referenced_ids:
            yield from self._with_message_id.get(ref, ())
        if message_id:
            # Every ticket that answers it, not only the one the rules would take: a later
            # answer filed apart (it named no buyer) belongs with this mail once it is here.
            yield from self._referencing.get(message_id, ())
        if order is not None:
            yield from self._of_order.get(order.pk, ())
        if buyer is not None:
            yield from self._of_buyer.get(buyer.pk, ())

    def rivals(self, ticket: Ticket) -> Iterable[Ticket]:
        """The tickets of ``ticket``'s order and buyer: mail naming only the order (a Seller
        Central copy) went to whichever of them was most recently active, so a mail that
        makes ``ticket`` active later than what they already hold came out of order too."""
        if ticket.order_id is not None:
            yield from self._of_order.get(ticket.order_id, ())
        if ticket.buyer_id is not None:
            yield from self._of_buyer.get(ticket.buyer_id, ())


def _buyers_own(tickets: list[Ticket], buyer: Buyer | None) -> list[Ticket]:
    """Of the tickets a Message-ID names, those of the mail's own buyer, if it has any: two
    mails of two buyers under one Message-ID (a relay that reuses ids across marketplaces)
    must not hand the seller's answer to one buyer to the other buyer's ticket, stopping the
    wrong clock and leaving the question it answers overdue."""
    if buyer is None:
        return tickets
    own = [t for t in tickets if t.buyer_id == buyer.pk]
    return own or tickets
