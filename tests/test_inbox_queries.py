"""The inbox and the ticket page cost a fixed number of queries, whatever the number of
rows, messages, clocks, attachments or timeline lines."""

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from inbox_support import queue_make, ticket_make, user_make

from helpdesk.mail.raw_store import blob_put
from helpdesk.tickets.actions import ticket_assign, ticket_escalate, ticket_note_add
from helpdesk.tickets.models import Attachment
from helpdesk.tickets.services import NewMessage
from helpdesk.tickets.writing import message_add

pytestmark = pytest.mark.django_db

_orders = count()
# The page, its counts and filters, and the form that checks the query string against the
# agent's channels and the assignable users (two queries): the same for any number of rows.
INBOX_MAX = 26
TICKET_MAX = 30


@pytest.fixture
def agent(client):
    user = user_make("agent1", queues=[queue_make("Amazon", ["amazon-com", "amazon-de"])])
    client.force_login(user)
    return user


def tickets(n: int, agent) -> list:
    made = []
    for i in range(n):
        ticket = ticket_make(
            channel="amazon-de" if i % 2 else "amazon-com",
            kind="other" if i % 3 == 0 else "buyer_message", subject=f"T{i}",
            order_id=f"111-0000000-{next(_orders):07d}", asin="B0", age=timedelta(hours=i * 13),
        )
        if i % 2:
            ticket_assign(ticket=ticket, assignee=agent, actor=agent)
        if i % 5 == 0:
            ticket_escalate(ticket=ticket, actor=agent, case_id=str(i))
        made.append(ticket)
    return made


def queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"view": "mine"}, {"view": "overdue"},
                                    {"view": "resolved"}, {"q": "T1"}])
def test_the_inbox_costs_the_same_for_3_or_40_rows(client, agent, params,
                                                   django_assert_max_num_queries):
    tickets(3, agent)
    few = queries(client, "/inbox/", **params)
    tickets(37, agent)
    many = queries(client, "/inbox/", **params)
    assert many == few, (few, many)
    with django_assert_max_num_queries(INBOX_MAX):
        client.get("/inbox/", params)


def thicken(ticket, agent, n: int) -> None:
    """n more messages (each with an attachment) and notes on a ticket."""
    for i in range(n):
        at = ticket.created_at + timedelta(minutes=i + 1)
        message = message_add(ticket=ticket, new=NewMessage(
            direction="in", kind="buyer_message", is_auto=False, sent_at=at, received_at=at,
            message_id=f"<more{ticket.pk}.{i}@t>", buyer_text=f"again {i}",
        ))
        Attachment.objects.create(message=message, filename=f"{i}.jpg", content_type="image/jpeg",
                                  size=1, sha256=blob_put(f"{i}".encode()))
        ticket_note_add(ticket=ticket, actor=agent, text=f"note {i}")


def test_the_ticket_page_costs_the_same_for_a_short_or_long_thread(
    client, agent, django_assert_max_num_queries
):
    short, long = tickets(2, agent)
    for _ in (short, long):
        ticket_make(subject="earlier", buyer_name="x")
    thicken(short, agent, 1)
    thicken(long, agent, 15)
    assert queries(client, f"/inbox/tickets/{short.pk}/") == queries(
        client, f"/inbox/tickets/{long.pk}/"
    )
    with django_assert_max_num_queries(TICKET_MAX):
        client.get(f"/inbox/tickets/{long.pk}/")
