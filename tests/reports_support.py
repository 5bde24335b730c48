"""Builders for the report tests: tickets with messages at exact times, replies sent by a
named agent through the outbox, and a manager who reads in Europe/Berlin."""

from datetime import datetime, timedelta
from itertools import count

from django.contrib.auth.models import User

from helpdesk.derived import tickets_derived_refresh
from helpdesk.marketplaces.models import Channel
from helpdesk.replies.models import Outbox
from helpdesk.tickets.models import AgentProfile, Message, Ticket
from helpdesk.tickets.services import NewMessage, ticket_open
from helpdesk.tickets.writing import message_add

_seq = count(1)


def ticket_at(
    at: datetime,
    *,
    channel: str = "amazon-com",
    kind: str = "buyer_message",
    words: str = "Where is my parcel?",
    asin: str = "",
    language: str = "en",
    assignee: User | None = None,
) -> Ticket:
    ticket = ticket_open(
        kind=kind,
        channel=Channel.objects.get(code=channel),
        buyer=None,
        order=None,
        subject=f"Question {next(_seq)}",
        thread_subject="q",
        language=language,
        at=at,
        asin=asin,
    )
    if assignee:
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee)
        ticket.assignee = assignee
    buyer_says(ticket, at, words=words, kind=kind, language=language)
    return ticket


def buyer_says(
    ticket: Ticket,
    at: datetime,
    *,
    words: str = "Hello?",
    kind: str = "buyer_message",
    language: str = "en",
) -> Message:
    message = message_add(
        ticket=ticket,
        new=NewMessage(
            direction="in",
            kind=kind,
            is_auto=False,
            sent_at=at,
            received_at=at,
            message_id=f"<in{next(_seq)}@test>",
            from_address="b@marketplace.amazon.com",
            language=language,
            buyer_text=words,
        ),
    )
    tickets_derived_refresh(ticket_ids=[ticket.pk])
    return message


def agent_replies(ticket: Ticket, at: datetime, agent: User | None) -> Message:
    """A reply that left through the product's outbox, written by ``agent``."""
    n = next(_seq)
    message = message_add(
        ticket=ticket,
        new=NewMessage(
            direction="out",
            kind="seller_reply",
            is_auto=False,
            sent_at=at,
            received_at=at,
            message_id=f"<out{n}@test>",
            from_address="support@example-seller.com",
        ),
    )
    if agent is not None:
        Outbox.objects.create(
            ticket=ticket,
            author=agent,
            subject="Re",
            body="Reply",
            message_id=f"<out{n}@test>",
            from_address="support@example-seller.com",
            to_address="b@marketplace.amazon.com",
            state="sent",
            sent_at=at,
            sent_message=message,
            created_at=at - timedelta(minutes=1),
        )
    tickets_derived_refresh(ticket_ids=[ticket.pk])
    return message


def manager_make(username: str = "boss", zone: str = "Europe/Berlin") -> User:
    from inbox_support import user_make

    user = user_make(username, role="manager")
    AgentProfile.objects.create(user=user, time_zone=zone)
    return user
