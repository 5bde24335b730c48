"""Sending through the outbox against a real SMTP server on loopback: headers and threading,
exactly one copy, failures shown and retried, and the clock stopping only on success."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as live_settings
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from replies_support import BUYER, SELLER, buyer_ticket, free_port, mailer_settings, smtp_server

from helpdesk.mail.services import Outcome, mail_ingest
from helpdesk.replies.models import Outbox, OutboxState, ReplyTemplate
from helpdesk.replies.outbox import outbox_retry
from helpdesk.replies.selectors import outbox_for_ticket
from helpdesk.replies.sending import BACKOFF, outbox_alert_job, outbox_send
from helpdesk.replies.services import reply_send
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import AgentProfile, Message, TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db) -> User:
    return User.objects.create_user("anna", email="anna@example.test", first_name="Anna")


@pytest.fixture
def run_all(run_jobs):
    """Run jobs until none are left: a job may enqueue another (the failure alert)."""
    def run() -> None:
        for _ in range(3):
            run_jobs()
    return run


def clock(ticket) -> Obligation:
    return Obligation.objects.get(ticket=ticket, kind="buyer_reply")


def send(ticket, agent, body: str = "Your parcel is on its way.") -> Outbox:
    return reply_send(ticket=ticket, author=agent, subject="Re: your order", body=body)


def test_a_reply_goes_out_once_with_threading_headers(settings, agent, run_all):
    ticket = buyer_ticket(headers={"References": "<a0@x>"})
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = send(ticket, agent)
        assert outbox.state == OutboxState.QUEUED and clock(ticket).is_open
        run_all()
        [received] = server.to(BUYER)
    header = received.message
    outbox.refresh_from_db()
    assert received.mail_from == SELLER
    assert (header["From"], header["To"], header["Subject"]) == (SELLER, BUYER, "Re: your order")
    assert header["Message-ID"] == outbox.message_id
    assert outbox.message_id.endswith("@example-seller.com>")
    assert header["In-Reply-To"] == "<b1@x>"
    assert header["References"] == "<a0@x> <b1@x>"
    assert header.get_content().strip() == "Your parcel is on its way."
    assert outbox.state == OutboxState.SENT and outbox.attempts == 1
    message = outbox.sent_message
    assert (message.direction, message.kind, message.is_auto) == ("out", "seller_reply", False)
    assert message.sent_at == outbox.sent_at and message.message_id == outbox.message_id
    assert clock(ticket).state == "met" and clock(ticket).satisfied_at == outbox.sent_at


def test_a_retried_job_and_the_sent_folder_copy_make_no_second_reply(settings, agent, run_all):
    ticket = buyer_ticket()
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = send(ticket, agent)
        run_all()
        # RQ retries a job whose worker died after it finished: the retry finds it sent.
        assert outbox_send(outbox_id=outbox.pk) == OutboxState.SENT
        assert outbox_retry(now=timezone.now() + timedelta(hours=1)).enqueued == 0
        run_all()
        [received] = server.to(BUYER)
    # The seller's mailbox keeps the mail in Sent; fetched later it is the same reply.
    copy = mail_ingest(raw=received.content, source="imap:Sent")
    assert copy.outcome == Outcome.DUPLICATE
    assert Message.objects.filter(ticket=ticket, direction="out").count() == 1


def test_smtp_down_fails_visibly_and_a_later_retry_sends_exactly_one(settings, agent, run_all):
    ticket = buyer_ticket()
    port = free_port()  # nothing listens here yet
    settings.MAILERS = mailer_settings(port)
    outbox = send(ticket, agent)
    run_all()
    [shown] = outbox_for_ticket(ticket=ticket)
    assert shown.state == OutboxState.FAILED and "refused the connection" in shown.last_error
    assert shown.next_attempt_at is not None
    failed = TimelineEvent.objects.get(ticket=ticket, kind="reply_failed")
    assert failed.text.startswith("Reply failed: the mail server refused the connection")
    assert clock(ticket).is_open  # a reply that failed to send does not count
    assert outbox_retry().enqueued == 0  # not before its backoff
    with smtp_server(port) as (server, _):
        later = timezone.now() + BACKOFF[0] + timedelta(seconds=1)
        assert outbox_retry(now=later).enqueued == 1
        run_all()
        assert len(server.to(BUYER)) == 1
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT and outbox.attempts == 2
    assert clock(ticket).state == "met"


def test_the_authors_alert_names_the_next_attempt_in_their_own_zone(settings, agent, run_all):
    AgentProfile.objects.create(user=agent, time_zone="Asia/Tokyo")
    ticket = buyer_ticket()
    settings.MAILERS = mailer_settings(free_port())  # nothing listens: the send fails
    outbox = send(ticket, agent)
    run_all()
    outbox.refresh_from_db()
    tokyo = timezone.localtime(outbox.next_attempt_at, ZoneInfo("Asia/Tokyo"))
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        assert outbox_alert_job(outbox.pk) == 1
        [alert] = server.to("anna@example.test")
    assert f"tried again at {tokyo:%Y-%m-%d %H:%M} JST" in alert.message.get_content()


def test_an_author_without_a_zone_of_their_own_reads_the_servers_as_on_their_pages(
    settings, agent, run_all
):
    settings.TIME_ZONE = "Europe/Berlin"
    ticket = buyer_ticket()
    settings.MAILERS = mailer_settings(free_port())  # nothing listens: the send fails
    outbox = send(ticket, agent)
    run_all()
    outbox.refresh_from_db()
    berlin = timezone.localtime(outbox.next_attempt_at, ZoneInfo("Europe/Berlin"))
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        assert outbox_alert_job(outbox.pk) == 1
        [alert] = server.to("anna@example.test")
    assert f"tried again at {berlin:%Y-%m-%d %H:%M %Z}" in alert.message.get_content()


def test_a_refused_recipient_fails_for_good_and_alerts_the_author(settings, agent, run_all):
    ticket = buyer_ticket()
    with smtp_server() as (server, port):
        server.refuse.add(BUYER)
        settings.MAILERS = mailer_settings(port)
        outbox = send(ticket, agent)
        run_all()
        outbox.refresh_from_db()
        assert outbox.state == OutboxState.FAILED and outbox.next_attempt_at is None
        assert "550" in outbox.last_error
        [alert] = server.to("anna@example.test")
    assert f"ticket #{ticket.pk}" in alert.message["Subject"]
    assert "550" in alert.message.get_content()
    assert "no further attempts" in TimelineEvent.objects.get(kind="reply_failed").text


def test_an_attempt_in_flight_is_not_doubled(settings, agent, run_all):
    ticket = buyer_ticket()
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = send(ticket, agent)
        # Another worker holds the row (its lease runs): this attempt leaves it alone.
        Outbox.objects.filter(pk=outbox.pk).update(
            state=OutboxState.SENDING, claim_token="other", claimed_until=timezone.now()
            + timedelta(minutes=5))
        assert outbox_send(outbox_id=outbox.pk) == OutboxState.SENDING
        assert server.mails == []


def test_without_smtp_the_configured_backend_sends_it(agent, run_all):
    ticket = buyer_ticket()
    outbox = send(ticket, agent)
    run_all()
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == Outbox.objects.get(pk=outbox.pk).message_id
    assert sent.to == [BUYER] and sent.from_email == SELLER
    assert clock(ticket).state == "met"


def test_attachments_go_with_the_reply(settings, agent, run_all):
    from helpdesk.replies.outbox import NewAttachment

    ticket = buyer_ticket()
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        reply_send(ticket=ticket, author=agent, subject="Re: label", body="The label.",
                   attachments=(NewAttachment("label.pdf", "application/pdf", b"%PDF-1.4 x"),))
        run_all()
        [received] = server.to(BUYER)
    [part] = list(received.message.iter_attachments())
    assert part.get_filename() == "label.pdf" and part.get_content() == b"%PDF-1.4 x"
    [kept] = Message.objects.get(direction="out").attachments.all()
    assert (kept.filename, kept.size) == ("label.pdf", 10)


@pytest.mark.skipif(not live_settings.REDIS_URL, reason="runs when REDIS_URL names a Redis")
def test_with_redis_the_send_job_waits_on_the_queue(settings, agent, run_jobs):
    import django_rq
    from django.db import connection

    ticket = buyer_ticket()
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = send(ticket, agent)
        for _sids, callback, _robust in connection.run_on_commit:
            callback()  # the commit hands the job to RQ
        connection.run_on_commit = []
        assert django_rq.get_queue("mail").count == 1
        assert Outbox.objects.get(pk=outbox.pk).state == OutboxState.QUEUED
        run_jobs()
        assert len(server.to(BUYER)) == 1
    assert Outbox.objects.get(pk=outbox.pk).state == OutboxState.SENT


def test_an_uncertain_reply_is_confirmed_by_its_copy_from_the_sent_folder(agent, run_all):
    from mails import build_mail

    ticket = buyer_ticket()
    outbox = send(ticket, agent)
    Outbox.objects.filter(pk=outbox.pk).update(state=OutboxState.UNCERTAIN,
                                               data_started_at=timezone.now())
    run_all()  # the job finds it uncertain and leaves it alone
    assert mail.outbox == [] and clock(ticket).is_open
    mail_ingest(raw=build_mail(sender=SELLER, to=BUYER, subject="Re: your order",
                               body="Your parcel is on its way.", message_id=outbox.message_id,
                               headers={"In-Reply-To": "<b1@x>"}), source="imap:Sent")
    assert outbox_retry().confirmed_by_copy == 1
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT
    assert Message.objects.filter(ticket=ticket, direction="out").get() == outbox.sent_message


def test_the_admin_lists_the_outbox_and_retries_a_failed_reply(admin_client, agent, run_all):
    ticket = buyer_ticket()
    outbox = send(ticket, agent)
    Outbox.objects.filter(pk=outbox.pk).update(
        state=OutboxState.FAILED, last_error="the mail server refused the connection",
        next_attempt_at=timezone.now() + timedelta(hours=1))
    mail.outbox = []
    for url in ["/admin/replies/outbox/", f"/admin/replies/outbox/{outbox.pk}/change/",
                "/admin/replies/compliancerule/", "/admin/replies/replytemplate/",
                f"/admin/replies/replytemplate/{ReplyTemplate.objects.first().pk}/change/"]:
        assert admin_client.get(url).status_code == 200, url
    admin_client.post("/admin/replies/outbox/", {"action": "retry",
                                                 "_selected_action": [outbox.pk]})
    run_all()
    assert Outbox.objects.get(pk=outbox.pk).state == OutboxState.SENT
    assert [m.to for m in mail.outbox] == [[BUYER]]
