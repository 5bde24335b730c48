"""Store a run of new, recognised mails with a few set-based queries and bulk inserts.

Buyers, orders and threads are resolved in the order the mails were written (their sent
time) against the database plus the mails before in the run (``MemoryLookup``), so a run is
stored as if its mails had come one at a time in that order. A mail whose threads already
hold later mail came out of order: once the run is written, the threads it touches are
replayed (``tickets.rethread``), so that tickets and clocks are those of the mail held, not of
the order it came in. Runs inside the caller's transaction; a failure leaves the rows half
written, so the caller wraps it in a savepoint (see ``batch.py``)."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from helpdesk.db import row_new, rows_insert, rows_update
from helpdesk.derived import tickets_derived_refresh
from helpdesk.marketplaces.models import Buyer, Order, OrderItem
from helpdesk.tickets.lookup import MemoryLookup
from helpdesk.tickets.models import (
    Message,
    Ticket,
    TimelineEvent,
)
from helpdesk.tickets.rethread import threads_lock, tickets_rethread
from helpdesk.tickets.services import (
    message_build,
    references_of,
    ticket_build,
    ticket_fill,
    written,
)
from helpdesk.tickets.threading import thread_resolve, thread_subject
from helpdesk.tickets.writing import MessageRows

from .batch_read import KeptMail, Recognition
from .facts import buyer_name_fill, buyer_named, thread_facts, ticket_facts
from .models import RawMail, RawMailStatus
from .recognise import Recognised
from .records import IngestResult, Outcome


def mails_store(mails: list[KeptMail]) -> list[IngestResult]:
    """Store new, recognised mails: ``kept_ingest`` sends no other."""
    read = [m.recognition for m in mails]
    found = [r.found for r in read]
    buyers = _buyers_resolve(found)
    orders = _orders_resolve(found, buyers)
    lookup = MemoryLookup.prefetch(
        message_ids={r.parsed.message_id for r in read if r.parsed.message_id},
        referenced_ids={ref for r in read for ref in references_of(r.new)},
        tickets=_tickets_near(read, buyers, orders),
    )
    rows = _Rows()
    # In the order written: then only mail older than what its threads hold needs a replay.
    # (Sent time, Message-ID, content): the order a replay takes them in (``tickets.rethread``).
    in_order = sorted(range(len(mails)), key=lambda i: (written(read[i].new), i))
    outcomes = {i: _mail_thread(mails[i], buyers, orders, lookup, rows) for i in in_order}
    rows.save()
    touched = {ticket.pk for ticket in rows.touched.values()}
    if rows.late:
        touched |= tickets_rethread(
            message_ids=[message.pk for message in rows.late],
            reason="mail that arrived after later mail of the same conversation links them",
        )
    tickets_derived_refresh(
        ticket_ids=touched, tickets=None if rows.late else list(rows.touched.values()),
        written=rows.messages,
    )
    # A ticket this run opened may have been merged into an older one by the replay.
    gone = touched - set(
        Ticket.objects.filter(pk__in=touched).values_list("pk", flat=True)
    ) if rows.late else set()
    return [
        IngestResult(Outcome.STORED, raw_mail.pk, message.pk,
                     ticket_created=opened and message.ticket.pk not in gone)
        for raw_mail, message, opened in (outcomes[i] for i in range(len(mails)))
    ]


def mails_trusted(*, raw_mail_ids: list[int]) -> None:
    """These mails came again from a source that vouches for them (a Sent folder, an
    operator's files) after a copy from one that does not (the webhook, INBOX) was kept:
    trust is the mail's, whichever copy came first, so the kept copy now ends the clocks it
    answers, as it would have had the trusted copy come first."""
    threads_lock()
    doubted = list(RawMail.objects.filter(pk__in=raw_mail_ids, source_trusted=False)
                   .values_list("pk", flat=True))
    if not doubted:
        return
    # A copy still waiting for the backlog (or quarantined) is read as trusted when filed.
    RawMail.objects.filter(pk__in=doubted).update(source_trusted=True)
    messages = Message.objects.filter(raw_id__in=doubted).exclude(untrusted_reason="")
    counted = list(messages.values_list("pk", "ticket_id"))
    if not counted:
        return
    messages.update(untrusted_reason="")
    now = timezone.now()
    TimelineEvent.objects.bulk_create(
        row_new(TimelineEvent, ticket_id=ticket_id, at=now, kind="message_trusted",
                text="The same mail came from the seller's own mail: it counts as the reply.",
                data={"message": pk})
        for pk, ticket_id in counted
    )
    touched = {ticket_id for _, ticket_id in counted} | tickets_rethread(
        message_ids=[pk for pk, _ in counted],
        reason="a reply counted once its copy came from the seller's own mail",
    )
    tickets_derived_refresh(ticket_ids=touched)


def _buyers_resolve(mails: list[Recognised]) -> dict[str, Buyer]:
    """``_buyer`` (get or create, then fill in the name) for every mail, by alias."""
    aliases = {found.buyer_alias for found in mails if found.buyer_alias}
    buyers = {b.alias: b for b in Buyer.objects.filter(alias__in=aliases)}
    created: list[Buyer] = []
    named: list[Buyer] = []
    for found in mails:
        if not found.buyer_alias:
            continue
        buyer = buyers.get(found.buyer_alias)
        if buyer is None:
            buyer = buyers[found.buyer_alias] = row_new(
                Buyer, alias=found.buyer_alias, name=found.buyer_name, language=found.language,
                channel=found.channel,
            )
            created.append(buyer)
        elif found.buyer_name and not buyer.name:
            buyer.name = found.buyer_name
            if buyer.pk is not None:
                named.append(buyer)
    rows_insert(created)
    rows_update(named, ["name"])
    return buyers


def _orders_resolve(mails: list[Recognised], buyers: dict[str, Buyer]) -> dict[str, Order]:
    """``_order`` (get or create, claim for a buyer, add the item) for every mail, by id."""
    order_ids = {found.order_id for found in mails if found.order_id}
    orders = {o.order_id: o for o in Order.objects.filter(order_id__in=order_ids)}
    by_pk = {o.pk: o.order_id for o in orders.values()}
    items = {
        (by_pk[order_pk], asin)
        for order_pk, asin in OrderItem.objects.filter(order_id__in=by_pk).values_list(
            "order_id", "asin"
        )
    }
    created: list[Order] = []
    claimed: list[Order] = []
    new_items: list[OrderItem] = []
    for found in mails:
        if not found.order_id:
            continue
        buyer = buyers[found.buyer_alias] if found.buyer_alias else None
        order = orders.get(found.order_id)
        if order is None:
            order = orders[found.order_id] = row_new(
                Order, order_id=found.order_id, channel=found.channel, buyer=buyer
            )
            created.append(order)
        elif buyer is not None and order.buyer_id is None:
            order.buyer = buyer
            if order.pk is not None:
                claimed.append(order)
        if found.asin and (found.order_id, found.asin) not in items:
            items.add((found.order_id, found.asin))
            new_items.append(
                row_new(OrderItem, order=order, asin=found.asin, title=found.item_title)
            )
    rows_insert(created)
    rows_update(claimed, ["buyer"])
    rows_insert(new_items)
    return orders


def _tickets_near(
    mails: list[Recognition], buyers: dict[str, Buyer], orders: dict[str, Order]
) -> Q:
    """Tickets the run may thread onto by order, or by buyer and subject: the pairs the run
    holds, picked from the buyers' tickets (a covering index) rather than asked for as every
    buyer with every subject, which the database probed one by one."""
    pairs = {
        (buyers[r.found.buyer_alias].pk, thread_subject(r.parsed.subject))
        for r in mails if r.found.buyer_alias
    }
    by_subject = [
        pk for pk, buyer_id, subject in Ticket.objects.filter(
            buyer__in={buyer_id for buyer_id, _ in pairs}
        ).order_by().values_list("pk", "buyer_id", "thread_subject")
        if (buyer_id, subject) in pairs
    ]
    return Q(order__in=[o.pk for o in orders.values()]) | Q(pk__in=by_subject)


def _mail_thread(
    mail: KeptMail,
    buyers: dict[str, Buyer],
    orders: dict[str, Order],
    lookup: MemoryLookup,
    rows: "_Rows",
) -> tuple[RawMail, Message, bool]:
    """``_store`` for one mail, with every write collected in ``rows``."""
    parsed, found, new = mail.recognition.parsed, mail.recognition.found, mail.recognition.new
    buyer = buyers[found.buyer_alias] if found.buyer_alias else None
    order = orders[found.order_id] if found.order_id else None
    facts = thread_facts(parsed, found, order, buyer)
    # Written before the newest mail of a thread it touches, in the order a replay takes them
    # (sent time, Message-ID, content: mail of the same second is not ordered by arrival).
    late = any(
        lookup.newest(t) > written(new)
        for t in lookup.reach(message_id=facts["message_id"],
                              referenced_ids=facts["referenced_ids"], order=order, buyer=buyer)
    )
    ticket = thread_resolve(lookup, **facts)
    late = late or ticket is not None and any(
        lookup.newest(t) > written(new) for t in lookup.rivals(ticket)
    )
    created = ticket is None
    if ticket is None:
        ticket = ticket_build(**ticket_facts(parsed, found, order, buyer, new.sent_at))
        rows.ticket_opened(ticket)
        lookup.ticket_added(ticket)
    else:
        filled = ticket_fill(ticket, buyer, order, found.asin)
        rows.ticket_changed(ticket, filled)
        if named := buyer_named(ticket, found):
            rows.buyers_named.append(named)
        if filled:  # it gained a buyer or an order: now found by them too
            lookup.ticket_added(ticket)
    raw_mail = mail.raw_mail or row_new(
        RawMail, dedup_key=mail.keys[0], sha256=mail.sha256, size=len(mail.raw),
        source=mail.source[:300], received_at=new.received_at, source_trusted=mail.trusted,
    )
    raw_mail.status, raw_mail.quarantine_reason = RawMailStatus.STORED, ""
    message = message_build(ticket, new, order=order, buyer=buyer, channel=found.channel,
                            asin=found.asin)
    message.raw = raw_mail
    rows.raw_mails.append(raw_mail)
    rows.message_added(message, new)
    if late:
        rows.late.append(message)
    lookup.message_added(ticket, new)
    return raw_mail, message, created


@dataclass
class _Rows(MessageRows):
    """The run's tickets and messages, with their raw mails (inserted first: the messages
    name them) and what the mail side keeps besides."""

    raw_mails: list[RawMail] = field(default_factory=list)
    buyers_named: list[tuple[int, str]] = field(default_factory=list)  # (buyer id, name)
    late: list[Message] = field(default_factory=list)  # came after later mail of its threads

    def save(self) -> None:
        processed_at = timezone.now()
        for raw_mail in self.raw_mails:
            raw_mail.processed_at = processed_at
        recorded = [r for r in self.raw_mails if r.pk is not None]  # the backlog's
        rows_insert([r for r in self.raw_mails if r.pk is None])
        rows_update(recorded, ["status", "quarantine_reason", "processed_at"])
        super().save()
        for buyer_id, name in self.buyers_named:  # rare: notices naming a nameless buyer
            buyer_name_fill(buyer_id, name)
