"""What a reply template sees, built from a ticket: records of plain values, dates already
formatted for the buyer's locale, and unknown values left out so that using one stops the
render instead of printing a blank."""

from collections.abc import Callable
from datetime import datetime

from babel import Locale
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from helpdesk.marketplaces.models import Order
from helpdesk.tickets.models import Direction, Ticket

from .models import AgentSignature
from .rendering import Record, date_format


def reply_context(
    *, ticket: Ticket, author: AbstractBaseUser | None, locale: Locale,
    now: datetime | None = None,
) -> dict:
    channel = ticket.channel
    tz = channel.time_zone or "UTC"

    def day(value: datetime | None) -> str | None:
        return date_format(value, locale=locale, tz=tz) if value else None

    buyer = ticket.buyer
    context = {
        "buyer": Record(
            "buyer",
            name=buyer.name.strip() if buyer else None,
            first_name=buyer.first_name if buyer else None,
        ),
        "ticket": Record(
            "ticket", id=ticket.pk, subject=ticket.subject, kind=ticket.get_kind_display(),
            buyer_text=_latest_buyer_text(ticket),
        ),
        "agent": Record("agent", name=_agent_name(author), signature=_signature(author)),
        "marketplace": Record(
            "marketplace", name=channel.name, code=channel.code,
            platform=channel.get_platform_display(),
        ),
        "today": day(now or timezone.now()),
    }
    if ticket.order_id:
        # No "order" at all when the ticket has none: {{ order.id }} then says so.
        context["order"] = _order(ticket.order, day)
    return context


def _order(order: Order, day: Callable[[datetime | None], str | None]) -> Record:
    items = tuple(
        Record("item", title=i.title, asin=i.asin, sku=i.sku, quantity=i.quantity)
        for i in order.items.order_by("pk")
    )
    first = items[0] if items else None
    return Record(
        "order",
        id=order.order_id,
        items=items,
        asin=getattr(first, "asin", None) if first else None,
        item_title=getattr(first, "title", None) if first else None,
        purchase_date=day(order.purchased_at),
        shipped_date=day(order.shipped_at),
        delivery_date=day(order.delivered_at),
    )


def _latest_buyer_text(ticket: Ticket) -> str | None:
    # The buyer's own words are data: Jinja writes them out as they are, never evaluates them.
    return (
        ticket.messages.filter(direction=Direction.IN, is_auto=False)
        .exclude(buyer_text="")
        .order_by("-sent_at", "-pk")
        .values_list("buyer_text", flat=True)
        .first()
    )


def _agent_name(author: AbstractBaseUser | None) -> str | None:
    if author is None:
        return None
    return author.get_full_name().strip() or author.get_username()


def _signature(author: AbstractBaseUser | None) -> str | None:
    if author is None:
        return None
    text = (
        AgentSignature.objects.filter(user=author).values_list("text", flat=True).first() or ""
    )
    return text.strip() or _agent_name(author)
