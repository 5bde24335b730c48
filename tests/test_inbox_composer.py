"""The reply composer: templates for the ticket's kind and language, the live compliance
check, sending (the clock stops), and the warning before a reply written against an older
state of the thread."""

import contextlib
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from faults_support import needs_postgresql
from inbox_support import page, queue_make, smtp_sink, ticket_make, user_make
from replies_support import mailer_settings, smtp_server

from helpdesk.inbox import composer
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


# ---------------------------------------------------------------- failed sends

SENT_AT_ONCE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def flashes(html: str) -> list[tuple[str, str]]:
    """(level, text) of the messages shown at the top of the page."""
    return [(level, re.sub(r"\s+", " ", text).strip()) for level, text in re.findall(
        r'<li class="([a-z]+)"[^>]*>(.*?)</li>', html.split('class="flash"', 1)[-1]
        .split("</ul>", 1)[0], re.S)]


def send_from_page(client, ticket, body: str = "Hello Jane,\n\nit ships today.\n\nBest, Ann"):
    seen = re.search(r'name="seen" value="([^"]+)"', page(client, ticket)).group(1)
    return client.post(f"/inbox/tickets/{ticket.pk}/reply/", {
        "subject": "Your order", "body": body, "seen": seen}, follow=True)


def inbox_row(client, ticket) -> str:
    html = client.get("/inbox/").content.decode()
    return re.search(rf'<tr class="row[^"]*" data-id="{ticket.pk}".*?</tr>', html, re.S).group(0)


@SENT_AT_ONCE
def test_a_reply_sent_at_once_says_sent(client, agent, settings):
    from replies_support import mailer_settings, smtp_server

    settings.REDIS_URL = ""  # sent in the request, as without a job queue

    ticket = ticket_make(order_id="111-1234567-1234567")
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        html = send_from_page(client, ticket).content.decode()
        assert len(server.mails) == 1
    assert flashes(html) == [("success", f"Reply sent to {ticket.buyer.alias}.")]


@SENT_AT_ONCE
def test_a_send_that_fails_at_once_tells_the_reason_marks_the_ticket_and_can_be_retried(
    client, agent, settings
):
    from replies_support import free_port, mailer_settings, smtp_server

    settings.REDIS_URL = ""  # sent in the request, as without a job queue
    ticket = ticket_make(order_id="111-1234567-1234567", age=timedelta(hours=3))
    port = free_port()  # no mail server listens here yet
    settings.MAILERS = mailer_settings(port)
    html = send_from_page(client, ticket).content.decode()
    [(level, text)] = flashes(html)
    assert level == "error" and "queued" not in text
    assert text.startswith("Reply NOT sent: the mail server refused the connection")
    # The ticket page: a banner, the reply with its reason and the two ways out.
    assert "data-reply-failed" in html and "its clock is still running" in html
    assert "data-retry" in html and "data-edit-resend" in html
    row = inbox_row(client, ticket)
    assert "Reply failed" in row and "badge clock" in row and "left" in row
    assert ticket.obligations.get().is_open
    outbox = Outbox.objects.get(ticket=ticket)
    with smtp_server(port) as (server, _):
        html = client.post(f"/inbox/tickets/{ticket.pk}/reply/{outbox.pk}/retry/",
                           follow=True).content.decode()
        assert len(server.mails) == 1
    assert flashes(html) == [("success", f"Reply sent to {ticket.buyer.alias}.")]
    assert "data-reply-failed" not in html
    assert "Reply failed" not in inbox_row(client, ticket)
    outbox.refresh_from_db()
    assert (outbox.state, outbox.attempts) == ("sent", 2)
    assert not ticket.obligations.get().is_open


def test_edit_and_resend_replaces_the_failed_reply_which_is_never_sent(
    client, agent, settings, run_jobs
):
    from replies_support import free_port, mailer_settings, smtp_server

    from helpdesk.replies.outbox import outbox_retry

    ticket = ticket_make(order_id="111-1234567-1234567")
    port = free_port()
    settings.MAILERS = mailer_settings(port)
    send_from_page(client, ticket, body="Hello Jane, it ships tomorow.")
    run_jobs()
    failed = Outbox.objects.get(ticket=ticket)
    assert failed.state == "failed"
    edit = client.get(f"/inbox/tickets/{ticket.pk}/reply/{failed.pk}/edit/").content.decode()
    assert "it ships tomorow." in edit and f'name="replaces" value="{failed.pk}"' in edit
    seen = re.search(r'name="seen" value="([^"]+)"', edit).group(1)
    with smtp_server(port) as (server, _):
        response = client.post(f"/inbox/tickets/{ticket.pk}/reply/", {
            "subject": "Your order", "body": "Hello Jane, it ships tomorrow.", "seen": seen,
            "replaces": failed.pk})
        assert response.status_code == 302
        run_jobs()
        # Later retries leave the replaced one alone.
        outbox_retry(now=timezone.now() + timedelta(days=1))
        run_jobs()
        [mail] = server.mails
    assert b"it ships tomorrow." in mail.content and b"tomorow" not in mail.content
    failed.refresh_from_db()
    assert failed.state == "replaced" and failed.sent_at is None
    assert "data-reply-failed" not in page(client, ticket)


# ---------------------------------------------------------------- template languages


@pytest.fixture
def europe_agent(client):
    queue = queue_make("Europe", ["amazon-fr", "amazon-es", "amazon-co-jp"])
    user = user_make("agent-eu", queues=[queue])
    client.force_login(user)
    return user


@pytest.mark.parametrize("channel,language,greeting,fallback", [
    ("amazon-fr", "fr", "Bonjour Léa,", ""),
    ("amazon-co-jp", "ja", "Léa Martin 様", ""),
    ("amazon-es", "pt", "Hola, Léa:", "This template has no PT version, the buyer's "
     "language: the text below is in ES."),
])
def test_the_composer_fills_the_buyers_language_and_says_when_it_falls_back(
    client, europe_agent, channel, language, greeting, fallback
):
    ticket = ticket_make(channel=channel, language=language, buyer_name="Léa Martin",
                         order_id="405-1234567-1234567")
    template = ReplyTemplate.objects.get(name="Where is my order")
    fields = client.get(f"/inbox/tickets/{ticket.pk}/reply/template/",
                        {"template": template.pk}).content.decode()
    body = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', fields, re.S).group(1)
    assert body.strip().startswith(greeting)
    assert "405-1234567-1234567" in body
    if fallback:
        assert "data-language-fallback" in fields and fallback in fields
    else:
        assert "data-language-fallback" not in fields


def test_a_reply_of_unknown_delivery_is_confirmed_or_sent_again_from_the_ticket(
    client, agent, settings, run_jobs
):
    from replies_support import mailer_settings, smtp_server

    ticket = ticket_make(order_id="111-1234567-1234567")
    send_from_page(client, ticket)
    first = Outbox.objects.get(ticket=ticket)
    # The attempt broke off while the server was taking the mail (see test_replies_crash).
    Outbox.objects.filter(pk=first.pk).update(state="uncertain", last_error="Connection lost.",
                                              data_started_at=timezone.now())
    html = page(client, ticket)
    assert "data-reply-failed" in html and "data-confirm-delivered" in html
    assert "Reply failed" in inbox_row(client, ticket)
    client.post(f"/inbox/tickets/{ticket.pk}/reply/{first.pk}/confirm/")
    first.refresh_from_db()
    assert first.state == "sent" and not ticket.obligations.get().is_open
    assert "data-reply-failed" not in page(client, ticket)

    other = ticket_make(order_id="111-7654321-1234567")
    send_from_page(client, other)
    second = Outbox.objects.get(ticket=other)
    Outbox.objects.filter(pk=second.pk).update(state="uncertain", data_started_at=timezone.now())
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        client.post(f"/inbox/tickets/{other.pk}/reply/{second.pk}/again/",
                    {"reason": "Not in Seller Central's history."})
        run_jobs()
        assert len(server.mails) == 1
    second.refresh_from_db()
    assert second.state == "sent"


@needs_postgresql
@SENT_AT_ONCE
def test_a_double_click_on_send_sends_one_reply(client, agent, settings, monkeypatch):
    settings.REDIS_URL = ""  # sent in the request, as without a job queue
    ticket = ticket_make(order_id="111-1234567-1234567")
    seen = re.search(r'name="seen" value="([^"]+)"', page(client, ticket)).group(1)
    # The second click's request checks the thread before the first one's reply is saved.
    both_checked = threading.Barrier(2)
    real_newer = composer._newer

    def newer_then_wait(*args):
        found = real_newer(*args)
        # Broken after 3 s when the other request waits for this one: as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=3)
        return found

    monkeypatch.setattr(composer, "_newer", newer_then_wait)
    statuses = []

    def click() -> None:
        browser = Client()
        browser.force_login(agent)
        try:
            statuses.append(browser.post(f"/inbox/tickets/{ticket.pk}/reply/", {
                "subject": "Your order", "body": "Hello Jane,\n\nit ships today.",
                "seen": seen,
            }).status_code)
        finally:
            connection.close()  # this thread's own

    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        clicks = [threading.Thread(target=click) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join(timeout=30)
        assert sorted(statuses) == [302, 409]
        assert len(server.mails) == 1
    assert Outbox.objects.count() == 1


def test_a_reply_in_arabic_reads_right_to_left_in_the_composer_preview_and_thread(
    client, agent
):
    """The agent answering an Arabic buyer in Arabic sees their words laid out right to left
    (the question mark at the left end) where they type, in the preview and in the reply
    waiting on the ticket, as the buyer's own words already are."""
    ticket = ticket_make(subject="سؤال عن الطلب", words="أين طلبي؟", buyer_name="ليلى حسن",
                         language="ar")
    words = "مرحبا ليلى، طلبك في الطريق. هل وصل؟"
    outbox = Outbox.objects.create(
        ticket=ticket, subject="رد: سؤال عن الطلب", body=words, language="ar",
        message_id="<ar1@example-seller.com>", from_address="support@example-seller.com",
        to_address=ticket.buyer.alias, state="failed", last_error="refused",
        created_at=timezone.now(),
    )
    html = page(client, ticket)
    assert f'<div class="words" dir="auto"><p>{words}</p></div>' in html
    edit = client.get(f"/inbox/tickets/{ticket.pk}/reply/{outbox.pk}/edit/").content.decode()
    assert re.search(r'<input type="text" name="subject" value="رد: سؤال عن الطلب"[^>]*'
                     r'dir="auto"', edit)
    assert re.search(rf'<textarea name="body"[^>]*dir="auto"[^>]*>{words}</textarea>', edit)
    preview = client.post(f"/inbox/tickets/{ticket.pk}/reply/check/",
                          {"subject": "رد", "body": words}).content.decode()
    assert f'<div class="text" dir="auto">{words}</div>' in preview
    assert '<p class="subj" dir="auto">رد</p>' in preview
