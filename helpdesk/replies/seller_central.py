"""Notice tickets: a claim, chargeback, negative feedback or other marketplace notice is
answered in the marketplace's seller interface, never by mail to the notice's sender. This
module says which tickets those are, links the page where each kind is answered, and records
the agent's "Responded in Seller Central" (which alone ends a claim or chargeback clock)."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.marketplaces.models import Channel, Platform
from helpdesk.sla.models import ActionKind, Obligation
from helpdesk.sla.services import clock_action_record
from helpdesk.tickets.models import Direction, Message, Ticket, TicketKind, TimelineEvent

from .addressing import buyer_alias, notice_sender
from .errors import NOTE_REQUIRED, NOTE_TOO_LONG, ReplyError

NOTE_MAX = 2000
# Ticket kinds answered in the seller interface whoever sent them.
NOTICE_KINDS = frozenset({TicketKind.CLAIM, TicketKind.CHARGEBACK, TicketKind.FEEDBACK})
# Where each kind is answered in Seller Central (the same paths on every Amazon marketplace;
# the host is the marketplace's own: sellercentral.amazon.de for amazon.de).
AMAZON_PAGES = {
    TicketKind.CLAIM: ("A-to-z Guarantee claims", "/gp/guarantee-claims/home.html"),
    TicketKind.CHARGEBACK: ("Chargeback claims", "/gp/chargebacks/home.html"),
    TicketKind.FEEDBACK: ("Feedback Manager", "/feedback-manager/index.html"),
    TicketKind.RETURN_REQUEST: ("Manage Returns", "/gp/returns/list/v2"),
    TicketKind.BUYER_MESSAGE: ("Buyer messages", "/messaging/inbox"),
    TicketKind.CANCELLATION: ("Buyer messages", "/messaging/inbox"),
}
ORDER_PAGE = ("The order", "/orders-v3/order/{order_id}")
HOME_PAGE = ("Seller Central", "/home")
KAUFLAND = ("Kaufland Seller Portal", "https://sellerportal.kaufland.de/")
# A link in the notice itself (Amazon writes the claim's own page, "…/home.html?claimId=…"),
# taken only on the marketplace's own Seller Central host: a mail cannot point agents
# anywhere else through this button.
NOTICE_LINK = re.compile(r"https://(sellercentral(?:-europe)?\.amazon\.[a-z.]+)(/[^\s<>\"')\]]*)")
# The clock action each open clock kind is ended with when answered there.
ENDS = {"claim": ActionKind.RESPONDED_ELSEWHERE, "chargeback": ActionKind.RESPONDED_ELSEWHERE,
        "return_request": ActionKind.RETURN_DECIDED}


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Notice:
    """What the composer offers on a notice ticket."""

    sender: str  # the system sender that wrote, "" when the kind alone makes it a notice
    link: Link | None
    buyer_alias: str  # where a message to the buyer goes, "" when the buyer is unknown


def seller_central_link(*, ticket: Ticket, notice_text: str = "") -> Link | None:
    """The page of the seller interface where this ticket is answered: the one the notice
    names for this very case when it names one on the marketplace's own host, else the page
    for the ticket's kind."""
    channel: Channel = ticket.channel
    if channel.platform == Platform.KAUFLAND:
        return Link(*KAUFLAND)
    if channel.platform != Platform.AMAZON or not channel.domain:
        return None
    label, path = AMAZON_PAGES.get(ticket.kind, ORDER_PAGE if ticket.order_id else HOME_PAGE)
    if "{order_id}" in path:
        path = path.format(order_id=ticket.order.order_id)
    hosts = {f"sellercentral.{channel.domain}", "sellercentral-europe.amazon.com"}
    for found in NOTICE_LINK.finditer(notice_text):
        if found.group(1) in hosts and found.group(2).split("?")[0] == path:
            return Link(label, found.group(0))
    return Link(label, f"https://sellercentral.{channel.domain}{path}")


def ticket_notice(*, ticket: Ticket, messages: list[Message] | None = None) -> Notice | None:
    """For a ticket opened by a marketplace notice (a claim, chargeback, feedback, or any mail
    from a system sender), how it is answered; None for a buyer's own message."""
    sender = notice_sender(ticket=ticket, messages=messages)
    if ticket.kind not in NOTICE_KINDS and not sender:
        return None
    if messages is None:
        messages = list(ticket.messages.filter(direction=Direction.IN).order_by("sent_at", "pk"))
    text = "\n".join(f"{m.buyer_text}\n{m.quoted_text}" for m in messages
                     if m.direction == Direction.IN and m.kind == ticket.kind)
    return Notice(sender=sender, link=seller_central_link(ticket=ticket, notice_text=text),
                  buyer_alias=buyer_alias(ticket=ticket))


@transaction.atomic
def seller_central_responded(
    *, ticket: Ticket, actor: AbstractBaseUser, note: str, now: datetime | None = None
) -> list[str]:
    """The agent answered this notice in Seller Central: the note says what was answered.
    Ends the open claim, chargeback and return clocks (each with its own action); on a
    notice without a clock it is a line on the timeline. Returns the clock kinds ended."""
    now = now or timezone.now()
    note = note.strip()
    if not note:
        raise ReplyError(NOTE_REQUIRED)
    if len(note) > NOTE_MAX:
        raise ReplyError(NOTE_TOO_LONG.format(n=NOTE_MAX))
    open_kinds = set(
        Obligation.objects.open().filter(ticket=ticket, kind__in=ENDS)
        .values_list("kind", flat=True)
    )
    for action in dict.fromkeys(ENDS[kind] for kind in sorted(open_kinds)):
        clock_action_record(ticket=ticket, kind=action, actor=actor, note=note, at=now)
    if not open_kinds:
        TimelineEvent.objects.create(
            ticket=ticket, at=now, actor=actor, kind="seller_central",
            text=f"Responded in Seller Central: {note}"[:1000], data={"note": note},
        )
    return sorted(open_kinds)
