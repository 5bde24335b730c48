"""The threading lookups of ``thread_resolve`` in memory: over the database as it was when a
batch started plus the batch's own tickets and messages so far (``prefetch``), or over nothing
but the mails being threaded again (``threads_replay``), so that mails threading onto each
other land in one ticket exactly as if they had come one at a time, in the order written."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, Max, Q

from helpdesk.marketplaces.models import Buyer, Order

from .models import Message, MessageReference, Ticket
from .services import NewMessage, references_of

# New tickets rank after every stored one, in the order they were opened (see NEWEST_FIRST).
_NEW_RANK = 1 << 62


class MemoryLookup:
    """A ``TicketLookup``; every ticket it knows of is one instance, changed in place."""

    def __init__(self) -> None:
        self._with_message_id: dict[str, list[Ticket]] = defaultdict(list)
        self._first_reference: dict[str, Ticket] = {}
        self._of_order: dict[int, list[Ticket]] = defaultdict(list)
        self._of_buyer: dict[int, list[Ticket]] = defaultdict(list)
        self._rank: dict[int, int] = {}  # id(ticket) → pk, or its place after them
        self._newest: dict[int, tuple[datetime, str]] = {}  # id(ticket) → see newest()

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
        lookup = cls()
        for ticket in loaded.values():
            lookup.ticket_added(ticket)
        # Of the messages written in a ticket's last second, the one a replay takes last.
        for pk, newest in (
            Message.objects.filter(ticket_id__in=loaded, sent_at=F("ticket__last_message_at"))
            .order_by().values("ticket_id").annotate(newest=Max("message_id"))
            .values_list("ticket_id", "newest")
        ):
            ticket = loaded[pk]
            lookup._newest[id(ticket)] = (ticket.last_message_at, newest)
        for message_id, pk in holders:
            lookup._with_message_id[message_id].append(loaded[pk])
        for message_id, pk in references:
            lookup._first_reference.setdefault(message_id, loaded[pk])
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
        self._newest[id(ticket)] = max(self.newest(ticket), (new.sent_at, new.message_id))
        if new.message_id:
            self._with_message_id[new.message_id].append(ticket)
        for ref in references_of(new):
            self._first_reference.setdefault(ref, ticket)

    def newest(self, ticket: Ticket) -> tuple[datetime, str]:
        """(sent time, Message-ID) of the message of ``ticket`` written last, in the order a
        replay takes them: a mail before it came out of order."""
        return self._newest.get(id(ticket), (ticket.last_message_at, ""))

    def _newest_of(self, tickets: Iterable[Ticket]) -> Ticket | None:
        return max(
            tickets, key=lambda t: (t.last_message_at, -self._rank[id(t)]), default=None
        )

    def by_message_ids(self, message_ids: list[str]) -> Ticket | None:
        return self._newest_of(t for mid in message_ids for t in self._with_message_id.get(mid, ()))

    def by_reference_to(self, message_id: str) -> Ticket | None:
        return self._first_reference.get(message_id)

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
        if message_id and (ticket := self._first_reference.get(message_id)):
            yield ticket
        if order is not None:
            yield from self._of_order.get(order.pk, ())
        if buyer is not None:
            yield from self._of_buyer.get(buyer.pk, ())
