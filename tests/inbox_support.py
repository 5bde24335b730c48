"""Builders for the inbox tests: agents in queues, and tickets with live clocks, made through
the ticket services (not through mail parsing, which other tests cover)."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import count

from django.contrib.auth.models import Group, User
from django.utils import timezone

from helpdesk.marketplaces.models import Buyer, Channel, Order, OrderItem
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.models import Queue, Ticket
from helpdesk.tickets.services import NewMessage, ticket_open
from helpdesk.tickets.writing import message_add

_seq = count(1)


def page(client, ticket) -> str:
    """The ticket page's HTML, which must answer 200."""
    response = client.get(f"/inbox/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def queue_make(name: str, codes: list[str], kinds: list[str] | None = None) -> Queue:
    queue = Queue.objects.create(name=name, kinds=kinds or [])
    queue.channels.add(*Channel.objects.filter(code__in=codes))
    return queue


def user_make(username: str, *, role: str = "agent", queues: list[Queue] = ()) -> User:
    user = User.objects.create_user(username, password=f"{username}-pass-1234")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    for queue in queues:
        queue.members.add(user)
    return user


def ticket_make(
    *, channel: str = "amazon-com", kind: str = "buyer_message", subject: str = "Question",
    words: str = "Where is my parcel?", buyer_name: str = "Jane Doe", order_id: str = "",
    age: timedelta = timedelta(hours=1), language: str = "en", status: str = "open",
    html: str = "", now: datetime | None = None, asin: str = "",
) -> Ticket:
    """A ticket with one inbound message ``age`` old, and its clocks computed."""
    now = now or timezone.now()
    n = next(_seq)
    at = now - age
    channel_row = Channel.objects.get(code=channel)
    buyer = Buyer.objects.create(alias=f"buyer{n}@marketplace.amazon.com", name=buyer_name,
                                 language=language, channel=channel_row)
    order = None
    if order_id:
        order = Order.objects.create(order_id=order_id, channel=channel_row, buyer=buyer)
        if asin:
            OrderItem.objects.create(order=order, asin=asin, title="Travel Mug 450 ml")
    ticket = ticket_open(kind=kind, channel=channel_row, buyer=buyer, order=order,
                         subject=subject, thread_subject=subject.lower(), language=language,
                         at=at)
    message_add(ticket=ticket, new=NewMessage(
        direction="in", kind=kind if kind != "other" else "other", is_auto=False, sent_at=at,
        received_at=at, message_id=f"<t{n}@test>", subject=subject,
        from_address=buyer.alias, from_name=f"{buyer_name} - Amazon Marketplace",
        to_address="support@example-seller.com", language=language, buyer_text=words,
        body_html=html,
    ))
    obligations_recompute(ticket_ids=[ticket.pk], now=now)
    if status != "open":
        Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    return ticket


class MailSink:
    """An SMTP server on loopback that keeps what it is given (aiosmtpd)."""

    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(envelope.content)
        return "250 OK"


@contextmanager
def smtp_sink() -> Iterator[tuple[MailSink, dict]]:
    """(sink, a MAILERS setting that sends to it)."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, {"default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }}
    finally:
        controller.stop()
