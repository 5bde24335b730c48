"""For the reply tests: a real SMTP server on loopback (aiosmtpd) that records what it
receives and can hold a session at a chosen step, and tickets to reply to."""

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from django.utils import timezone
from mails import amazon_body, build_mail

from helpdesk.mail.services import mail_ingest
from helpdesk.marketplaces.models import Buyer, Channel, Order, OrderItem
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import ticket_open

BUYER = "abc123xyz@marketplace.amazon.com"
SELLER = "support@example-seller.com"
ORDER_ID = "111-7366207-0755439"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


class Recorder:
    """An aiosmtpd handler: keeps every mail; ``hold_at`` ("RCPT" or "DATA") makes the next
    session wait at that step (after DATA's content arrived) until ``release`` is set."""

    def __init__(self) -> None:
        self.mails: list[Received] = []
        self.hold_at: str | None = None
        self.refuse: set[str] = set()
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        await self._maybe_hold("RCPT")
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        await self._maybe_hold("DATA")
        return "250 Message accepted for delivery"

    async def _maybe_hold(self, step: str) -> None:
        if self.hold_at != step:
            return
        self.hold_at = None  # only the first session
        self.held.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.mails if address in m.rcpt_tos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int | None = None, **options: object) -> Iterator[tuple[Recorder, int]]:
    """``options`` go to aiosmtpd's server, e.g. ``enable_SMTPUTF8=False`` (its controller
    offers SMTPUTF8 unless told not to)."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port or free_port(),
                            **options)
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        recorder.release.set()
        controller.stop()


def mailer_settings(port: int) -> dict:
    return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}


def rfc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def buyer_ticket(
    *, words: str = "Where is my order?", message_id: str = "<b1@x>",
    when: datetime | None = None, headers: dict | None = None,
    sender: str = '"Jane Doe - Amazon Marketplace" <abc123xyz@marketplace.amazon.com>',
) -> Ticket:
    """A buyer's mail through the real ingest: a ticket with buyer, order and open clock."""
    when = when or timezone.now() - timedelta(hours=1)
    result = mail_ingest(raw=build_mail(
        body=amazon_body(words, order_id=ORDER_ID), message_id=message_id, date=rfc(when),
        sender=sender,
        subject=f"Order delivery inquiry from Amazon customer Jane Doe (Order: {ORDER_ID})",
        headers=headers,
    ), source="test")
    ticket = Message.objects.get(pk=result.message_pk).ticket
    # The ingest's own recompute is being wired into message_add; doing it twice is harmless.
    obligations_recompute(ticket_ids=[ticket.pk])
    return ticket


def made_ticket(
    *, channel: str = "amazon-de", language: str = "de", name: str = "Jana Beispiel",
    order: bool = True, delivered_at: datetime | None = None, title: str = "Thermobecher",
) -> Ticket:
    """A ticket built directly, for rendering and compliance."""
    chan = Channel.objects.get(code=channel)
    buyer = Buyer.objects.create(alias=f"x{Buyer.objects.count()}@{chan.relay_domain or 'x.test'}",
                                 name=name, language=language, channel=chan)
    the_order = None
    if order:
        the_order = Order.objects.create(order_id=f"302-{Order.objects.count():07d}-1234567",
                                         channel=chan, buyer=buyer, delivered_at=delivered_at)
        OrderItem.objects.create(order=the_order, asin="B01FCAWEYM", title=title)
    return ticket_open(
        kind="buyer_message", channel=chan, buyer=buyer, order=the_order, subject="Frage",
        thread_subject="frage", language=language, at=timezone.now(),
    )
