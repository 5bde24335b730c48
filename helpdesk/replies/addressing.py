"""Where a reply may go. To the buyer's relay alias (the ticket's buyer, or the order's buyer
when the ticket came from a marketplace notice), else to whoever wrote, but never to a
marketplace's system sender: a claim, chargeback, feedback or other notice is answered in
Seller Central, and a mail to ``atoz-guarantee-no-reply@amazon.de`` answers nothing."""

import re
from dataclasses import dataclass, field

from django.conf import settings

from helpdesk.marketplaces.models import Channel
from helpdesk.tickets.models import Direction, Message, Ticket

from .errors import NO_ADDRESS, NOTICE_SENDER, UNSENDABLE_ADDRESS, ReplyError
from .smtp import address_for_smtp

# Mailboxes that send and never read: Amazon's notice senders and the usual no-reply names.
SYSTEM_LOCAL_PART = re.compile(
    r"^(?:.*no-?reply.*|do-?not-?reply|donotreply|seller-guarantee|atoz-guarantee.*"
    r"|cb-seller-notification|order-update|auto-communication|seller-notification"
    r"|mailer-daemon|postmaster|notifications?)$"
)
# Marketplace mail domains beyond the channels' own (older and shared senders). Not eBay's:
# its buyers write from members.ebay.*, so only an eBay channel's own domain marks its senders.
MARKETPLACE_DOMAIN = re.compile(r"(?:^|\.)(?:amazon|kaufland)\.(?:[a-z]{2,3}|co\.[a-z]{2}"
                                r"|com\.[a-z]{2})$")


@dataclass
class Addressing:
    to: str
    sender: str
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)


def is_system_sender(address: str, *, channel: Channel | None = None) -> bool:
    """A marketplace's own sender (a notice, a confirmation), not a buyer's relay alias.
    With ``channel`` only its domains are asked besides the known patterns (no query)."""
    local, _, domain = address.strip().lower().rpartition("@")
    if not domain:
        return False
    if channel is not None:
        channels = [(channel.domain, channel.relay_domain)]
    else:
        channels = list(Channel.objects.exclude(domain="").values_list("domain", "relay_domain"))
    relay_domains = {relay.lower() for _, relay in channels if relay}
    if domain in relay_domains or domain.startswith("marketplace."):
        return False
    marketplace_domains = {d.lower() for d, _ in channels if d}
    return (domain in marketplace_domains or bool(MARKETPLACE_DOMAIN.search(domain))
            or bool(SYSTEM_LOCAL_PART.match(local)))


def buyer_alias(*, ticket: Ticket) -> str:
    """The buyer's relay alias: the ticket's buyer, else the order's."""
    for buyer in (ticket.buyer, ticket.order.buyer if ticket.order_id else None):
        if buyer is not None and buyer.alias and not is_system_sender(
            buyer.alias, channel=ticket.channel
        ):
            return buyer.alias
    return ""


def notice_sender(*, ticket: Ticket, messages: list[Message] | None = None) -> str:
    """The system sender whose notice opened the ticket, if it was one ("" otherwise).
    ``messages``: the ticket's messages when the caller has them already."""
    if messages is None:
        first = ticket.messages.filter(direction=Direction.IN).order_by("sent_at", "pk").first()
    else:
        first = min((m for m in messages if m.direction == Direction.IN),
                    key=lambda m: (m.sent_at, m.pk), default=None)
    if first is not None and is_system_sender(first.from_address, channel=ticket.channel):
        return first.from_address
    return ""


def reply_addressing(*, ticket: Ticket) -> Addressing:
    """To the buyer's relay alias, from the seller address the buyer wrote to, threaded onto
    the buyer's latest message. Raises ``ReplyError`` when the only address is a system
    sender's, or one no mail server could be given."""
    alias = buyer_alias(ticket=ticket)
    inbound = ticket.messages.filter(direction=Direction.IN).order_by("-sent_at", "-pk")
    latest = inbound.filter(from_address__iexact=alias).first() if alias else inbound.first()
    to = alias or (latest.from_address if latest else "")
    if not to:
        raise ReplyError(NO_ADDRESS)
    if is_system_sender(to):
        raise ReplyError(NOTICE_SENDER.format(address=to))
    try:
        address_for_smtp(to)
    except ValueError as exc:
        raise ReplyError(UNSENDABLE_ADDRESS.format(address=to, reason=exc)) from exc
    sender = _sender(ticket, latest or inbound.first())
    if latest is None or not latest.message_id:
        return Addressing(to=to, sender=sender)
    chain = list(latest.references.order_by("pk").values_list("referenced_id", flat=True))
    return Addressing(to=to, sender=sender, in_reply_to=latest.message_id,
                      references=list(dict.fromkeys([*chain, latest.message_id]))[-20:])


def _sender(ticket: Ticket, latest: Message | None) -> str:
    sellers = [a.lower() for a in settings.SELLER_ADDRESSES]
    written_to = [a.strip().lower() for a in latest.to_address.split(",")] if latest else []
    earlier = ticket.messages.filter(direction=Direction.OUT, from_address__in=sellers)
    return (
        next((a for a in written_to if a in sellers), "")
        or earlier.values_list("from_address", flat=True).first()
        or settings.DEFAULT_FROM_EMAIL
    )
