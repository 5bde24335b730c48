"""A reply is trusted by where it came from, never by its From header alone (mail.trust)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from inbox_support import page
from mails import buyer_message, seller_central_copy, seller_reply

from helpdesk.mail.models import RawMail
from helpdesk.mail.services import mails_ingest, quarantine_retry, raw_mail_process
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Message, Ticket, TicketStatus

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=6)
ORDER = "114-7654321-7654321"
TOKEN = "trust-test-token"


@pytest.fixture(autouse=True)
def _webhook(settings):
    settings.INGEST_TOKEN = TOKEN


def post(client, raw: bytes):
    return client.post("/ingest/raw/", data=raw, content_type="message/rfc822",
                       headers={"Authorization": f"Bearer {TOKEN}"})


def question() -> bytes:
    return buyer_message(1, T0, alias="mia", order=ORDER)


def forged_reply() -> bytes:
    # From a seller address, In-Reply-To the buyer's message, dated a minute after it.
    return seller_reply(2, T0 + timedelta(minutes=1), alias="mia", refs="<b1@amazon.test>")


def buyer_clock() -> Obligation:
    return Obligation.objects.get(kind="buyer_reply")


@time_machine.travel(NOW, tick=False)
def test_a_forged_seller_reply_posted_to_the_webhook_ends_no_clock(client, run_jobs):
    mails_ingest([("file", question())])
    post(client, forged_reply())
    run_jobs()
    forged = Message.objects.get(message_id="<s2@seller.test>")
    assert forged.ticket == Ticket.objects.get()  # filed in the buyer's thread, shown
    assert "webhook" in forged.untrusted_reason
    assert buyer_clock().is_open and buyer_clock().satisfied_at is None
    assert Ticket.objects.get().status == TicketStatus.OPEN


@time_machine.travel(NOW, tick=False)
def test_the_ticket_page_says_why_the_mail_did_not_count(client, agent, run_jobs):
    mails_ingest([("file", question())])
    post(client, forged_reply())
    run_jobs()
    html = page(client, Ticket.objects.get())
    assert "Not counted as the seller" in html


@time_machine.travel(NOW, tick=False)
def test_the_same_reply_from_the_sellers_own_files_stops_the_clock():
    mails_ingest([("file", question()), ("file", forged_reply())])
    assert buyer_clock().state == "met"
    assert not Message.objects.get(message_id="<s2@seller.test>").untrusted_reason


@time_machine.travel(NOW, tick=False)
def test_a_retried_mail_keeps_the_trust_of_where_it_came_from(client, run_jobs):
    mails_ingest([("file", question())])
    post(client, forged_reply())
    run_jobs()
    raw = RawMail.objects.get(source="http")
    Message.objects.filter(raw=raw).delete()
    RawMail.objects.filter(pk=raw.pk).update(status="quarantined")
    quarantine_retry()
    assert Message.objects.get(raw=raw).untrusted_reason
    assert buyer_clock().is_open


@pytest.mark.parametrize(
    ("authentication_results", "counts"),
    [
        ("mx1.example-seller.com; dkim=pass header.d=amazon.com header.s=x", True),
        ("mx1.example-seller.com; dkim=fail header.d=amazon.com", False),
        ("mx.attacker.example; dkim=pass header.d=amazon.com", False),  # not our server
        ("mx1.example-seller.com; dkim=pass header.d=amazon.com.evil.example", False),
        (None, False),
    ],
    ids=["vouched", "dkim-fail", "other-server", "look-alike-domain", "no-header"],
)
@time_machine.travel(NOW, tick=False)
def test_a_seller_central_copy_by_webhook_counts_only_when_the_sellers_server_vouches(
    client, run_jobs, authentication_results, counts
):
    mails_ingest([("file", question())])
    copy = seller_central_copy(3, T0 + timedelta(hours=2), order=ORDER, name="Mia")
    if authentication_results:
        copy = f"Authentication-Results: {authentication_results}\r\n".encode() + copy
    post(client, copy)
    run_jobs()
    assert buyer_clock().state == ("met" if counts else "pending")


@time_machine.travel(NOW, tick=False)
def test_the_admin_process_again_keeps_an_untrusted_mail_untrusted(client, run_jobs):
    post(client, forged_reply())
    run_jobs()
    raw = RawMail.objects.get()
    assert raw_mail_process(raw_mail_id=raw.pk).outcome == "duplicate"  # stored already
    assert not raw.source_trusted
    assert reverse("inbox:list")  # the inbox still answers
