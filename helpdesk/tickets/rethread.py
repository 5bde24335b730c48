"""Threads worked out again from the mail itself, so that tickets never depend on the order
mail arrived in.

Mail stored in the order it was written is threaded once, by ``thread_resolve``, as it comes.
A mail that arrives after later mail of its threads (a Sent folder fetched after INBOX, a
Seller Central copy before the question it answers) may link tickets that were filed apart,
or belong before messages that decided a ticket's kind. Then the threads it touches are
replayed: every message of them, in the order written, through the same rules
(``threads_replay``, no database), and the result is written back (``tickets_rethread``):
messages move, tickets that the evidence proves to be one conversation are merged (the older
survives, ``tickets_merge``), and each ticket's kind, status, buyer and order are those the
replay derived. A message an agent placed by hand (``thread_pinned``) stays where it is.

Threads change one transaction at a time (``threads_lock``): two workers filing a question
and its answer at the same moment would each look for the other's mail before it is
committed, and file them apart.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from helpdesk.db import row_new, rows_update_changed, transaction_lock
from helpdesk.marketplaces.models import Buyer, Channel, Order

from .lookup import MemoryLookup
from .models import (
    Direction,
    Message,
    MessageReference,
    Ticket,
    TicketKind,
    TicketStatus,
    TimelineEvent,
)
from .services import (
    NEEDS_SELLER,
    OPENS_TICKET_OF_KIND,
    NewMessage,
    Written,
    opened_event,
    ticket_build,
    ticket_fill,
    ticket_follow,
)
from .signals import messages_moved, messages_moving
from .threading import thread_resolve, thread_subject

# Threads a late mail may pull into one replay. A real conversation has a handful; a bound
# keeps a pathological sender (one alias writing thousands of mails) from turning one late
# mail into work proportional to the database. Past it the nearest threads are replayed.
REPLAY_MAX_TICKETS = 200
# Fields of a ticket that the replay derives from its messages.
DERIVED = [
    "channel", "kind", "status", "buyer", "order", "subject", "thread_subject", "language",
    "created_at", "last_message_at", "search_text", "asin",
]


def threads_lock() -> None:
    """Hold, until the transaction ends, the right to change which ticket a message is in:
    taken before a transaction looks up the threads of the mail it files, and by an agent's
    merge and split. Whoever comes second waits, then sees the first one's rows."""
    transaction_lock(name="threads")


@dataclass(frozen=True)
class ThreadMail:
    """One stored message as threading sees it."""

    pk: int
    ticket_id: int
    sent_at: datetime
    received_at: datetime
    message_id: str
    referenced_ids: tuple[str, ...]
    direction: str
    kind: str
    is_auto: bool
    order_id: int | None
    buyer_id: int | None
    subject: str
    language: str
    buyer_text: str
    pinned: bool
    untrusted_reason: str = ""
    channel_id: int | None = None
    asin: str = ""
    from_address: str = ""
    to_address: str = ""

    def place(self) -> tuple[Written, int]:
        """Its place in the order written (``services.written``), then its row."""
        return Written(self.sent_at, self.message_id, said=self), self.pk


def threads_replay(
    mails: list[ThreadMail], *, tickets: dict[int, Ticket], orders: dict[int, Order],
    buyers: dict[int, Buyer], channels: dict[int, Channel] | None = None,
) -> dict[int, Ticket]:
    """Thread ``mails`` again as if they had come one at a time in the order written: message
    pk → a new, unsaved ticket (one instance per thread) with the fields the thread derives.
    ``tickets`` are the mails' current tickets (for the channel and, for pinned mail, the
    thread); ``orders`` and ``buyers`` the rows the mails name."""
    lookup = MemoryLookup()
    channels = channels or {}
    pinned: dict[int, Ticket] = {}
    thread_of: dict[int, Ticket] = {}
    for mail in sorted(mails, key=ThreadMail.place):
        order = orders.get(mail.order_id) if mail.order_id else None
        buyer = buyers.get(mail.buyer_id) if mail.buyer_id else None
        subject = thread_subject(mail.subject)
        if mail.pinned:
            ticket = pinned.get(mail.ticket_id)
        else:
            ticket = thread_resolve(
                lookup, message_id=mail.message_id, referenced_ids=list(mail.referenced_ids),
                kind=mail.kind, order=order, buyer=buyer, thread_subject=subject,
            )
        if ticket is None:
            ticket = ticket_build(
                kind=OPENS_TICKET_OF_KIND.get(mail.kind, TicketKind.OTHER),
                channel=channels.get(mail.channel_id) or tickets[mail.ticket_id].channel,
                buyer=buyer, order=order,
                subject=mail.subject, thread_subject=subject, language=mail.language,
                at=mail.sent_at, asin=mail.asin,
            )
            if mail.pinned:
                pinned[mail.ticket_id] = ticket
        else:
            ticket_fill(ticket, buyer, order, mail.asin)  # found by a new buyer or order too
        new = NewMessage(
            direction=mail.direction, kind=mail.kind, is_auto=mail.is_auto,
            sent_at=mail.sent_at, received_at=mail.received_at, message_id=mail.message_id,
            in_reply_to="", references=list(mail.referenced_ids), buyer_text=mail.buyer_text,
            untrusted_reason=mail.untrusted_reason, subject=mail.subject,
            from_address=mail.from_address, to_address=mail.to_address,
        )
        ticket_follow(ticket, new)
        lookup.ticket_added(ticket)
        lookup.message_added(ticket, new)
        thread_of[mail.pk] = ticket
    return thread_of


def tickets_rethread(*, message_ids: list[int], reason: str) -> set[int]:
    """Replay the threads these messages touch and write the result; the ids of every
    ticket that changed or was merged away (their clocks are the caller's to recompute)."""
    ticket_ids = _threads_near(set(message_ids))
    if not ticket_ids:
        return set()
    with transaction.atomic():
        tickets = Ticket.objects.select_for_update().in_bulk(ticket_ids)
        mails = _thread_mails(set(tickets))
        orders = Order.objects.in_bulk({m.order_id for m in mails if m.order_id})
        buyers = Buyer.objects.in_bulk({m.buyer_id for m in mails if m.buyer_id})
        channels = Channel.objects.in_bulk({m.channel_id for m in mails if m.channel_id})
        thread_of = threads_replay(mails, tickets=tickets, orders=orders, buyers=buyers,
                                   channels=channels)
        return _write(mails, thread_of, tickets, reason)


def _threads_near(message_ids: set[int]) -> set[int]:
    """The tickets of these messages and of every message linked to them, transitively, by
    a Message-ID (either way), an order, or a buyer: no mail outside them can change how
    they thread."""
    seen: set[int] = set()
    fresh = set(
        Message.objects.filter(pk__in=message_ids).values_list("ticket_id", flat=True)
    )
    while fresh and len(seen) < REPLAY_MAX_TICKETS:
        seen |= fresh
        rows = list(Message.objects.filter(ticket_id__in=fresh).values_list(
            "message_id", "order_id", "buyer_id"
        ))
        tickets = Ticket.objects.filter(pk__in=fresh).values_list("pk", "order_id", "buyer_id")
        mids = {message_id for message_id, _, _ in rows} - {""}
        orders = ({o for _, o, _ in rows} | {o for _, o, _ in tickets}) - {None}
        buyers = ({b for _, _, b in rows} | {b for _, _, b in tickets}) - {None}
        refs = set(
            MessageReference.objects.filter(message__ticket_id__in=fresh).values_list(
                "referenced_id", flat=True
            )
        )
        linked = (
            set(Message.objects.filter(
                Q(message_id__in=refs) | Q(order_id__in=orders) | Q(buyer_id__in=buyers)
            ).values_list("ticket_id", flat=True))
            | set(MessageReference.objects.filter(referenced_id__in=mids).values_list(
                "message__ticket_id", flat=True))
            | set(Ticket.objects.filter(Q(order_id__in=orders) | Q(buyer_id__in=buyers))
                  .values_list("pk", flat=True))
        )
        fresh = set(sorted(linked - seen)[: max(0, REPLAY_MAX_TICKETS - len(seen))])
    return seen


def _thread_mails(ticket_ids: set[int]) -> list[ThreadMail]:
    refs: dict[int, list[str]] = defaultdict(list)
    for message_id, ref in MessageReference.objects.filter(
        message__ticket_id__in=ticket_ids
    ).order_by("pk").values_list("message_id", "referenced_id"):
        refs[message_id].append(ref)
    rows = Message.objects.filter(ticket_id__in=ticket_ids).values_list(
        "pk", "ticket_id", "sent_at", "received_at", "message_id", "direction", "kind",
        "is_auto", "order_id", "buyer_id", "subject", "language", "buyer_text", "thread_pinned",
        "untrusted_reason", "channel_id", "asin", "from_address", "to_address",
    )
    return [
        ThreadMail(pk, ticket_id, sent, received, mid, tuple(refs[pk]), direction, kind, auto,
                   order_id, buyer_id, subject, language, text, pinned, doubt, channel_id, asin,
                   from_address, to_address)
        for (pk, ticket_id, sent, received, mid, direction, kind, auto, order_id, buyer_id,
             subject, language, text, pinned, doubt, channel_id, asin, from_address,
             to_address) in rows
    ]


def _write(
    mails: list[ThreadMail], thread_of: dict[int, Ticket], tickets: dict[int, Ticket],
    reason: str,
) -> set[int]:
    """Give every replayed thread a ticket (the oldest of those its messages are in that no
    earlier thread took, else a new one), move messages, merge emptied tickets."""
    members: dict[int, list[ThreadMail]] = defaultdict(list)
    threads: dict[int, Ticket] = {}
    for mail in sorted(mails, key=ThreadMail.place):
        thread = thread_of[mail.pk]
        members[id(thread)].append(mail)
        threads.setdefault(id(thread), thread)
    pinned_to = {id(thread_of[m.pk]): m.ticket_id for m in mails if m.pinned}
    taken: set[int] = set(pinned_to.values())
    target: dict[int, Ticket] = {}
    for key, thread in threads.items():
        if key in pinned_to:
            target[key] = tickets[pinned_to[key]]
            continue
        ticket_id = next(
            (pk for pk in sorted({m.ticket_id for m in members[key]}) if pk not in taken), None
        )
        if ticket_id is None:
            source = tickets[members[key][0].ticket_id]
            thread.save(force_insert=True)
            opened = opened_event(thread)
            opened.text = f"{opened.text} (its mail was filed in #{source.pk} before)"[:1000]
            opened.save(force_insert=True)
            target[key] = thread
        else:
            taken.add(ticket_id)
            target[key] = tickets[ticket_id]
    changed: set[int] = set()
    moves: dict[int, list[int]] = defaultdict(list)  # ticket id → message pks moving in
    derived: list[tuple[Ticket, list[str]]] = []
    for key, thread in threads.items():
        ticket = target[key]
        for mail in members[key]:
            if mail.ticket_id != ticket.pk:
                moves[ticket.pk].append(mail.pk)
                changed |= {mail.ticket_id, ticket.pk}
        updates = _derive(ticket, thread, members[key])
        if updates:
            derived.append((ticket, updates))
            changed.add(ticket.pk)
    rows_update_changed(derived)
    if moves:
        messages_moving.send(sender=Ticket, ticket_ids={m.ticket_id for m in mails})
    for ticket_id, pks in moves.items():
        Message.objects.filter(pk__in=pks).update(ticket_id=ticket_id)
        _events_follow(pks, ticket_id)
        messages_moved.send(sender=Ticket, message_ids=pks, ticket_id=ticket_id)
    first_mail = {}
    for mail in mails:
        first_mail.setdefault(mail.ticket_id, mail)
    # Tickets whose every message went to another: the conversation they were part of.
    left = {pk for pk in first_mail if pk not in {t.pk for t in target.values()}}
    for pk in sorted(left):
        survivor = target[id(thread_of[first_mail[pk].pk])]
        tickets_merge(survivor=survivor, merged=tickets[pk], reason=reason)
    return changed | left


def _derive(ticket: Ticket, thread: Ticket, mails: list[ThreadMail]) -> list[str]:
    """Give ``ticket`` the fields its replayed ``thread`` derived; those that changed (not
    saved). An agent's "resolved" stands unless the buyer wrote last and that mail is new to
    the ticket since the agent resolved it: it arrived after, or it comes from another
    ticket the replay merges in (a question the agent never saw there, whose clock would run
    out in a ticket nobody works)."""
    if ticket.status == TicketStatus.RESOLVED and not _asks_since_resolved(ticket, thread, mails):
        thread.status = TicketStatus.RESOLVED
    updates = [f for f in DERIVED if getattr(ticket, _attname(f)) != getattr(thread, _attname(f))]
    for field in updates:
        setattr(ticket, _attname(field), getattr(thread, _attname(field)))
    return updates


def _asks_since_resolved(ticket: Ticket, thread: Ticket, mails: list[ThreadMail]) -> bool:
    if thread.status != TicketStatus.OPEN:
        return False
    resolved = ticket.timeline.filter(kind="resolved").order_by("-at").values_list(
        "at", flat=True
    ).first()
    return resolved is None or any(
        m.direction == Direction.IN and m.kind in NEEDS_SELLER
        and (m.received_at > resolved or m.ticket_id != ticket.pk)
        for m in mails
    )


def _attname(field: str) -> str:
    return Ticket._meta.get_field(field).attname


def _events_follow(message_pks: list[int], ticket_id: int) -> None:
    """A moved message's own timeline line goes with it."""
    wanted = set(message_pks)
    events = TimelineEvent.objects.filter(
        kind__in=["message_in", "message_out"],
        ticket_id__in=Message.objects.filter(pk__in=message_pks).values("ticket_id"),
    ).exclude(ticket_id=ticket_id)
    moving = [e.pk for e in events.only("pk", "data") if e.data.get("message") in wanted]
    TimelineEvent.objects.filter(pk__in=moving).update(ticket_id=ticket_id)


@transaction.atomic
def tickets_merge(
    *, survivor: Ticket, merged: Ticket, reason: str, actor: AbstractBaseUser | None = None
) -> Ticket:
    """Make ``merged`` part of ``survivor``: its messages, assignment, notes, escalations,
    read markers, clocks and timeline move, the timeline says why, and ``merged`` is gone.
    The caller recomputes the clocks of ``survivor``."""
    if survivor.pk == merged.pk:
        raise ValueError("A ticket cannot be merged into itself.")
    threads_lock()
    messages_moving.send(sender=Ticket, ticket_ids={survivor.pk, merged.pk})
    for relation in Ticket._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        related = relation.related_model
        field = relation.field.name
        rows = related._default_manager.filter(**{field: merged})
        unique = _unique_with_ticket(related, field)
        if relation.one_to_one or unique:
            # One row per ticket (and user): the survivor's own wins.
            keep = related._default_manager.filter(**{field: survivor})
            if relation.one_to_one:
                if keep.exists():
                    rows.delete()
                    continue
            else:
                rows.filter(**{
                    f"{other}__in": keep.values(other) for other in unique
                }).delete()
        rows.update(**{field: survivor})
    if survivor.assignee_id is None and merged.assignee_id is not None:
        survivor.assignee_id = merged.assignee_id
        survivor.save(update_fields=["assignee"])
    if actor is not None and survivor.status == TicketStatus.RESOLVED != merged.status:
        # Merged by hand into a resolved ticket, a ticket still being worked stays in the
        # working view: resolved, its open clocks would run out where nobody looks. (A
        # replay derives the survivor's status from the mail before it merges.)
        survivor.status = merged.status
        survivor.save(update_fields=["status"])
    TimelineEvent.objects.create(
        ticket=survivor, at=timezone.now(), actor=actor, kind="merged",
        text=f"Ticket #{merged.pk} ({merged.subject[:200]}) merged into this one: {reason}"[:1000],
        data={"merged": merged.pk},
    )
    if actor is not None:
        # Merged by an agent's hand: later mail never pulls the two apart again.
        Message.objects.filter(ticket=survivor).update(thread_pinned=True)
    merged.delete()
    return survivor


def _unique_with_ticket(model: type[models.Model], field: str) -> list[str]:
    """The other fields of a unique constraint of ``model`` that includes ``field``."""
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if field in fields:
            return [f for f in fields if f != field]
    return []


@transaction.atomic
def message_split(
    *, message: Message, actor: AbstractBaseUser, reason: str = ""
) -> tuple[Ticket, Ticket]:
    """Move a message into a ticket of its own, by an agent's hand: later mail never pulls
    it back. (old ticket, new ticket); the caller recomputes both tickets' clocks."""
    threads_lock()
    old = Ticket.objects.select_for_update().get(pk=message.ticket_id)
    if not Message.objects.filter(ticket=old).exclude(pk=message.pk).exists():
        raise ValueError("This is the ticket's only message: there is nothing to split off.")
    new = ticket_build(
        kind=OPENS_TICKET_OF_KIND.get(message.kind, TicketKind.OTHER), channel=old.channel,
        buyer=message.buyer, order=message.order, subject=message.subject,
        thread_subject=thread_subject(message.subject), language=message.language,
        at=message.sent_at, asin=message.asin,
    )
    new.save(force_insert=True)
    messages_moving.send(sender=Ticket, ticket_ids={old.pk})
    Message.objects.filter(pk=message.pk).update(ticket=new, thread_pinned=True)
    messages_moved.send(sender=Ticket, message_ids=[message.pk], ticket_id=new.pk)
    # The agent judged the rest one conversation too: pinned, so that no later mail naming
    # the order or the buyer of both pulls them back together in a replay.
    Message.objects.filter(ticket=old).update(thread_pinned=True)
    _events_follow([message.pk], new.pk)
    now = timezone.now()
    why = f": {reason}" if reason else ""
    row_new(TimelineEvent, ticket=new, at=now, actor=actor, kind="split",
            text=f"Split from #{old.pk} by hand{why}"[:1000], data={"from": old.pk}).save()
    row_new(TimelineEvent, ticket=old, at=now, actor=actor, kind="split",
            text=f"A message was moved to #{new.pk} by hand{why}"[:1000],
            data={"to": new.pk}).save()
    for ticket in (old, new):
        _derive(ticket, *_replayed(ticket))
    return old, new


def _replayed(ticket: Ticket) -> tuple[Ticket, list[ThreadMail]]:
    """The fields ``ticket``'s own messages derive, replayed alone (and those messages)."""
    mails = _thread_mails({ticket.pk})
    orders = Order.objects.in_bulk({m.order_id for m in mails if m.order_id})
    buyers = Buyer.objects.in_bulk({m.buyer_id for m in mails if m.buyer_id})
    channels = Channel.objects.in_bulk({m.channel_id for m in mails if m.channel_id})
    pinned = [ThreadMail(**{**vars(m), "pinned": True}) for m in mails]
    thread_of = threads_replay(pinned, tickets={ticket.pk: ticket}, orders=orders,
                               buyers=buyers, channels=channels)
    return next(iter(thread_of.values())), mails
