"""The reply composer: templates for the ticket's kind and language, the live compliance
check, sending (the clock stops), and the warning before a reply written against an older
state of the thread."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from inbox_support import page, smtp_sink, ticket_make, user_make

from helpdesk.replies.models import Outbox, ReplyTemplate
from helpdesk.tickets.services import NewMessage
from helpdesk.tickets.writing import message_add

pytestmark = pytest.mark.django_db


def test_template_picker_fills_the_composer_for_the_tickets_language(client, agent):
    ticket = ticket_make(channel="amazon-de", language="de", order_id="302-1234567-1234567",
                         buyer_name="Lukas Schneider", subject="Wo ist meine Bestellung")
    html = page(client, ticket)
    names = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html.split(
        'data-template-picker', 1)[1].split("</select>", 1)[0])
    assert names and all(
        ReplyTemplate.objects.get(pk=pk).fits(ticket.kind) for pk, _name in names
    )
    template = ReplyTemplate.objects.get(name="Where is my order")
    fields = client.get(f"/inbox/tickets/{ticket.pk}/reply/template/",
                        {"template": template.pk}).content.decode()
    assert "Hallo Lukas" in fields and "302-1234567-1234567" in fields
    assert "No compliance findings" in fields


def test_live_check_marks_what_the_rules_find(client, agent):
    ticket = ticket_make(order_id="111-1234567-1234567")
    response = client.post(f"/inbox/tickets/{ticket.pk}/reply/check/", {
        "subject": "Your order",
        "body": "Please leave us a 5-star review and call +1 206 555 0100 or visit "
                "https://cheap-mugs.example.com",
    })
    html = response.content.decode()
    assert "Blocks sending" in html and "<mark>" in html


def test_sending_a_reply_queues_it_sends_it_and_stops_the_clock(client, agent, settings,
                                                               run_jobs):
    ticket = ticket_make(order_id="111-1234567-1234567", age=timedelta(hours=3))
    html = page(client, ticket)
    seen = re.search(r'name="seen" value="([^"]+)"', html).group(1)
    with smtp_sink() as (sink, mailers):
        settings.MAILERS = mailers
        response = client.post(f"/inbox/tickets/{ticket.pk}/reply/", {
            "subject": "Your order", "body": "Hello Jane,\n\nit ships today.\n\nBest, Ann",
            "seen": seen,
        })
        assert response.status_code == 302
        run_jobs()
        assert len(sink.mails) == 1
    outbox = Outbox.objects.get(ticket=ticket)
    assert outbox.state == "sent" and outbox.author == agent
    clock = ticket.obligations.get()
    assert not clock.is_open and clock.state == "met"
    ticket.refresh_from_db()
    assert ticket.status == "waiting"


def test_a_reply_written_against_an_older_thread_warns_before_sending(client, agent):
    ticket = ticket_make(words="Where is my order?")
    seen = re.search(r'name="seen" value="([^"]+)"', page(client, ticket)).group(1)
    now = timezone.now()
    message_add(ticket=ticket, new=NewMessage(
        direction="in", kind="buyer_message", is_auto=False, sent_at=now, received_at=now,
        message_id="<later@test>", from_address=ticket.buyer.alias, from_name="Jane",
        buyer_text="Never mind, it just arrived!",
    ))
    data = {"subject": "Re", "body": "It ships today.", "seen": seen}
    response = client.post(f"/inbox/tickets/{ticket.pk}/reply/", data)
    html = response.content.decode()
    assert response.status_code == 409 and not Outbox.objects.exists()
    assert "The thread moved on while you were writing" in html
    assert "Never mind, it just arrived!" in html and "Send anyway" in html
    assert "It ships today." in html  # the draft is kept
    fresh = re.search(r'name="seen" value="([^"]+)"', html).group(1)
    assert fresh != seen
    response = client.post(f"/inbox/tickets/{ticket.pk}/reply/", {**data, "seen": fresh})
    assert response.status_code == 302 and Outbox.objects.count() == 1


def test_a_colleagues_queued_reply_also_counts_as_newer(client, agent, queue):
    ticket = ticket_make()
    seen = re.search(r'name="seen" value="([^"]+)"', page(client, ticket)).group(1)
    colleague = Client()
    colleague.force_login(user_make("colleague", queues=[queue]))
    colleague_page = colleague.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    colleague_seen = re.search(r'name="seen" value="([^"]+)"', colleague_page).group(1)
    colleague.post(f"/inbox/tickets/{ticket.pk}/reply/",
                   {"subject": "Re", "body": "Shipped.", "seen": colleague_seen})
    response = client.post(f"/inbox/tickets/{ticket.pk}/reply/",
                           {"subject": "Re", "body": "Shipping soon.", "seen": seen})
    assert response.status_code == 409
    assert "colleague queued a reply" in response.content.decode()
    assert Outbox.objects.count() == 1


def test_a_blocked_reply_comes_back_with_the_findings(client, agent):
    ticket = ticket_make(order_id="111-1234567-1234567")
    seen = re.search(r'name="seen" value="([^"]+)"', page(client, ticket)).group(1)
    response = client.post(f"/inbox/tickets/{ticket.pk}/reply/", {
        "subject": "Re", "body": "Please leave a positive review for a refund.", "seen": seen,
    })
    html = response.content.decode()
    assert response.status_code == 422 and "blocked this reply" in html
    assert "Blocks sending" in html and not Outbox.objects.exists()
    assert "Manager override" not in html  # agents cannot override
