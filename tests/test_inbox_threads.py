"""Agents correct threading from the ticket page: merge two tickets, split a message off."""

from datetime import timedelta

import pytest
from django.urls import reverse
from inbox_support import page, queue_make, ticket_make, user_make
from mails import amazon_body, build_mail

from helpdesk.mail.services import mails_ingest
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Message, Ticket, TimelineEvent
from helpdesk.tickets.services import NewMessage
from helpdesk.tickets.writing import message_add

pytestmark = pytest.mark.django_db


def act(client, ticket, action, **data):
    return client.post(reverse("inbox:action", args=[ticket.pk, action]), data, follow=True)


def test_merging_two_tickets_keeps_the_older_with_everything_and_one_clock_view(client, agent):
    older = ticket_make(subject="Mug leaks", age=timedelta(hours=5))
    newer = ticket_make(subject="About my mug", age=timedelta(hours=1))
    act(client, newer, "note", text="Buyer called about this")
    response = act(client, newer, "merge", other=f"#{older.pk}", reason="same buyer, same mug")
    assert response.status_code == 200
    assert f"Tickets merged into #{older.pk}" in response.content.decode()
    assert not Ticket.objects.filter(pk=newer.pk).exists()
    assert older.messages.count() == 2
    assert TimelineEvent.objects.filter(ticket=older, kind="note").exists()
    assert TimelineEvent.objects.filter(ticket=older, kind="merged",
                                        text__contains="same buyer, same mug").exists()
    assert Obligation.objects.filter(ticket=older).count() == 2
    assert "same buyer, same mug" in page(client, older)


def test_a_ticket_outside_the_agents_queues_cannot_be_merged(client, agent):
    mine = ticket_make(subject="Mine")
    other_queue = queue_make("Kaufland", ["kaufland-de"])
    user_make("other", queues=[other_queue])
    theirs = ticket_make(channel="kaufland-de", subject="Theirs")
    response = act(client, mine, "merge", other=str(theirs.pk))
    assert f"There is no ticket #{theirs.pk} in your queues" in response.content.decode()
    assert Ticket.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("other", ["", "abc", "99999999999999", "-1"])
def test_a_bad_ticket_number_is_a_clear_error(client, agent, other):
    ticket = ticket_make()
    response = act(client, ticket, "merge", other=other)
    assert response.status_code == 200
    assert "merge with" in response.content.decode() or "in your queues" in response.content.decode()
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_splitting_a_message_off_opens_a_ticket_with_its_own_clock(client, agent):
    ticket = ticket_make(subject="Mug leaks", age=timedelta(hours=3))
    second = message_add(ticket=ticket, new=NewMessage(
        direction="in", kind="buyer_message", is_auto=False,
        sent_at=ticket.created_at + timedelta(hours=1),
        received_at=ticket.created_at + timedelta(hours=1), message_id="<other-question@t>",
        subject="A different question", from_address=ticket.buyer.alias, buyer_text="Lids?",
    ))
    response = act(client, ticket, "split", message=str(second.pk), reason="another order")
    body = response.content.decode()
    assert "Message moved to the new ticket" in body
    second.refresh_from_db()
    assert second.ticket_id != ticket.pk and second.thread_pinned
    new = Ticket.objects.get(pk=second.ticket_id)
    assert new.subject == "A different question"
    assert Obligation.objects.filter(ticket=new).count() == 1
    assert Obligation.objects.filter(ticket=ticket).count() == 1
    assert TimelineEvent.objects.filter(ticket=ticket, kind="split").exists()


def test_the_only_message_cannot_be_split_off(client, agent):
    ticket = ticket_make()
    message = ticket.messages.get()
    response = act(client, ticket, "split", message=str(message.pk))
    assert "nothing to split off" in response.content.decode()
    assert Message.objects.get(pk=message.pk).ticket_id == ticket.pk


def test_a_message_of_another_ticket_cannot_be_split_from_this_one(client, agent):
    ticket, other = ticket_make(), ticket_make()
    response = act(client, ticket, "split", message=str(other.messages.get().pk))
    assert "not in this ticket" in response.content.decode()


def test_mail_that_would_thread_a_split_message_back_leaves_it_where_the_agent_put_it(
    client, agent
):
    sender = '"Jo - Amazon Marketplace" <jo1@marketplace.amazon.com>'
    first = build_mail(message_id="<q1@t>", sender=sender, subject="Question",
                       body=amazon_body("First", order_id="111-1111111-1111111"),
                       date="Mon, 16 Nov 2026 10:00:00 +0000")
    second = build_mail(message_id="<q2@t>", sender=sender, subject="Question",
                        body=amazon_body("Second", order_id="111-1111111-1111111"),
                        date="Mon, 16 Nov 2026 12:00:00 +0000")
    mails_ingest([("a", first), ("b", second)])
    ticket = Ticket.objects.get()
    moved = Message.objects.get(message_id="<q2@t>")
    act(client, ticket, "split", message=str(moved.pk))
    # An earlier mail of the same order arrives late: the threads are worked out again.
    early = build_mail(message_id="<q0@t>", sender=sender, subject="Question",
                       body=amazon_body("Zero", order_id="111-1111111-1111111"),
                       date="Mon, 16 Nov 2026 08:00:00 +0000")
    mails_ingest([("c", early)])
    assert Message.objects.get(pk=moved.pk).ticket_id != Message.objects.get(
        message_id="<q1@t>").ticket_id
