"""Notice tickets are answered where they must be: a claim, chargeback or feedback notice never
sends mail to the notice's sender; the composer offers "Responded in Seller Central" (with a
note and a link to the page for that notice and marketplace) and, where the order's buyer is
known, a message to the buyer's relay alias. Only that action ends a claim's clock."""

import re

import pytest
from replies_support import mailer_settings, smtp_server

from helpdesk.marketplaces.models import Buyer, Order
from helpdesk.replies.errors import NOTE_REQUIRED, NOTICE_SENDER, ReplyError
from helpdesk.replies.models import Outbox, OutboxState
from helpdesk.replies.outbox import outbox_create
from helpdesk.replies.sending import outbox_send
from helpdesk.replies.services import reply_send
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Message, TimelineEvent

pytestmark = pytest.mark.django_db

CLAIM = "amazon-com/atoz_claim_received.eml"
CLAIM_ORDER = "114-6672019-1185430"
SENDER = "atoz-guarantee-no-reply@amazon.com"
ALIAS = "k2p9x7angela@marketplace.amazon.com"


def ingested(ingest_file, relative: str):
    result = ingest_file(relative)
    return Message.objects.get(pk=result.message_pk).ticket


def order_buyer_known(order_id: str, alias: str = ALIAS) -> Buyer:
    """The order report names the order's buyer (their relay alias)."""
    buyer = Buyer.objects.create(alias=alias, name="Angela Ruiz", language="en")
    Order.objects.filter(order_id=order_id).update(buyer=buyer)
    return buyer


def claim_clock(ticket) -> Obligation:
    return Obligation.objects.get(ticket=ticket, kind="claim")


def test_a_claim_from_amazons_guarantee_address_offers_seller_central_not_a_mail(
    client, agent, ingest_file
):
    ticket = ingested(ingest_file, CLAIM)
    html = client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    assert "Answer in Seller Central" in html and SENDER in html
    link = re.search(r'href="([^"]+)"[^>]*data-seller-central-link', html).group(1)
    # The claim's own page, as Amazon's notice names it.
    assert link == ("https://sellercentral.amazon.com/gp/guarantee-claims/home.html?"
                    "claimId=14956063714")
    assert "data-seller-central>" in html
    assert 'value="responded_elsewhere"' not in html  # one way to record it: with its note
    assert 'id="composer"' not in html  # no buyer known: nothing to send a mail to
    assert "The order's buyer is not known" in html


def test_a_mail_to_the_notice_sender_is_refused_by_the_server_too(client, agent, ingest_file):
    ticket = ingested(ingest_file, CLAIM)
    with pytest.raises(ReplyError) as refused:
        reply_send(ticket=ticket, author=agent, subject="Re: claim",
                   body=f"We shipped order {CLAIM_ORDER} on time.")
    assert str(refused.value) == NOTICE_SENDER.format(address=SENDER)
    response = client.post(f"/inbox/tickets/{ticket.pk}/reply/", {
        "subject": "Re: claim", "body": f"We shipped order {CLAIM_ORDER} on time."})
    assert response.status_code == 422
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode())
    assert error and error.group(1).startswith(f"{SENDER} is the marketplace")
    assert not Outbox.objects.exists()
    assert claim_clock(ticket).is_open


def test_a_queued_mail_to_a_system_sender_is_never_handed_to_the_server(
    settings, agent, ingest_file, run_jobs
):
    # Queued before the composer refused these: the send job refuses it for good.
    ticket = ingested(ingest_file, CLAIM)
    order_buyer_known(CLAIM_ORDER)
    outbox = outbox_create(ticket=ticket, author=agent, subject="Re", body="Hello")
    Outbox.objects.filter(pk=outbox.pk).update(to_address=SENDER)
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        assert outbox_send(outbox_id=outbox.pk) == OutboxState.FAILED
        assert server.to(SENDER) == []
    outbox.refresh_from_db()
    assert outbox.next_attempt_at is None and "nobody reads" in outbox.last_error


def test_with_the_orders_buyer_known_the_buyer_gets_the_message_and_the_claim_clock_runs_on(
    client, agent, settings, ingest_file, run_jobs
):
    ticket = ingested(ingest_file, CLAIM)
    order_buyer_known(CLAIM_ORDER)
    html = client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    assert "Message to the buyer" in html and ALIAS in html
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = reply_send(ticket=ticket, author=agent, subject=f"Your order {CLAIM_ORDER}",
                            body=f"Hello Angela, your order {CLAIM_ORDER} left us on Monday.")
        run_jobs()
        [received] = server.to(ALIAS)
        assert server.to(SENDER) == []
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT and outbox.to_address == ALIAS
    assert received.message["In-Reply-To"] is None  # not threaded onto Amazon's notice
    clock = claim_clock(ticket)
    assert clock.is_open and clock.satisfied_at is None  # a mail answers no claim


def test_responded_in_seller_central_with_a_note_ends_the_claim_clock(client, agent,
                                                                      ingest_file):
    ticket = ingested(ingest_file, CLAIM)
    url = f"/inbox/tickets/{ticket.pk}/seller-central/"
    page = client.post(url, {"note": ""}, follow=True).content.decode()
    assert NOTE_REQUIRED.split(":")[0] in page.replace("&#x27;", "'")
    assert claim_clock(ticket).is_open
    page = client.post(url, {"note": "Sent tracking 1Z999 and proof of delivery."},
                       follow=True).content.decode()
    assert "Responded in Seller Central" in page and "Its clock is stopped" in page
    clock = claim_clock(ticket)
    assert not clock.is_open and clock.satisfied_by == "responded_elsewhere"
    event = TimelineEvent.objects.get(ticket=ticket, kind="clock_responded_elsewhere")
    assert event.text == "Responded in Seller Central: Sent tracking 1Z999 and proof of delivery."
    assert not Outbox.objects.exists()


@pytest.mark.parametrize("relative,link", [
    ("amazon-com/chargeback.eml", "https://sellercentral.amazon.com/gp/chargebacks/home.html"),
    ("amazon-com/negative_feedback.eml",
     "https://sellercentral.amazon.com/feedback-manager/index.html"),
    ("amazon-de/a_bis_z_antrag.eml",
     "https://sellercentral.amazon.de/gp/guarantee-claims/home.html"),
    ("amazon-de/negative_bewertung.eml",
     "https://sellercentral.amazon.de/feedback-manager/index.html"),
])
def test_each_notice_links_its_own_seller_central_page(client, agent, ingest_file, relative,
                                                       link):
    ticket = ingested(ingest_file, relative)
    html = client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    assert re.search(r'href="([^"]+)"[^>]*data-seller-central-link', html).group(1) == link


def test_a_feedback_notice_answered_in_seller_central_is_on_the_timeline(client, agent,
                                                                         ingest_file):
    ticket = ingested(ingest_file, "amazon-com/negative_feedback.eml")
    client.post(f"/inbox/tickets/{ticket.pk}/seller-central/",
                {"note": "Public reply posted, no personal data."})
    event = TimelineEvent.objects.get(ticket=ticket, kind="seller_central")
    assert event.text == "Responded in Seller Central: Public reply posted, no personal data."


def test_a_return_request_is_answered_to_the_buyers_alias_and_the_reply_ends_its_clock(
    agent, settings, ingest_file, run_jobs
):
    ticket = ingested(ingest_file, "amazon-com/return_request_plain.eml")
    order_id = ticket.order.order_id
    alias = "r8linda@marketplace.amazon.com"
    order_buyer_known(order_id, alias=alias)
    ticket.refresh_from_db()
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = reply_send(ticket=ticket, author=agent, subject=f"Your return {order_id}",
                            body=f"Hello Linda, the return for order {order_id} is authorised.")
        run_jobs()
        assert len(server.to(alias)) == 1
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT and outbox.to_address == alias
    clock = Obligation.objects.get(ticket=ticket, kind="return_request")
    assert not clock.is_open and clock.satisfied_by == str(outbox.sent_message_id)


def test_a_return_request_without_a_known_buyer_is_refused_with_the_reason(agent, ingest_file):
    ticket = ingested(ingest_file, "amazon-com/return_request_plain.eml")
    with pytest.raises(ReplyError, match="nobody reads"):
        reply_send(ticket=ticket, author=agent, subject="Your return",
                   body=f"The return for order {ticket.order.order_id} is authorised.")


def test_a_link_in_a_notice_to_another_host_is_not_offered(client, agent, ingest_file):
    ticket = ingested(ingest_file, CLAIM)
    Message.objects.filter(ticket=ticket).update(buyer_text=(
        "Respond at https://sellercentral.amazon.com.evil.example/gp/guarantee-claims/"
        "home.html?claimId=1 or https://sellercentral.amazon.com/gp/other.html"))
    html = client.get(f"/inbox/tickets/{ticket.pk}/").content.decode()
    link = re.search(r'href="([^"]+)"[^>]*data-seller-central-link', html).group(1)
    assert link == "https://sellercentral.amazon.com/gp/guarantee-claims/home.html"
