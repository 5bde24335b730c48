"""What the SMTP server receives: threading headers as plain, folded msg-ids (never RFC 2047
words, whatever their length), and internationalised addresses sent with SMTPUTF8 and IDNA,
or refused with a reason an agent can act on. Against aiosmtpd on loopback."""

import pytest
from django.contrib.auth.models import User
from mails import amazon_body, build_mail
from replies_support import BUYER, ORDER_ID, made_ticket, mailer_settings, smtp_server

from helpdesk.mail.services import mail_ingest
from helpdesk.marketplaces.models import Buyer
from helpdesk.replies.models import OutboxState
from helpdesk.replies.services import reply_send
from helpdesk.sla.models import Obligation
from helpdesk.tickets.models import Message

pytestmark = pytest.mark.django_db

AMAZON_ID = "<0100019a1b2c3d4e-5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c-000000@email.amazonses.com>"
# A long thread: the 19 ids before the latest, as many as a reply carries (20 in all).
CHAIN = [f"<0100019a1b2c3d4e-5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c-{n:06d}@email.amazonses.com>"
         for n in range(1, 20)]


@pytest.fixture
def agent(db) -> User:
    return User.objects.create_user("anna", email="anna@example.test", first_name="Anna")


@pytest.fixture
def run_all(run_jobs):
    def run() -> None:
        for _ in range(3):
            run_jobs()
    return run


def amazon_thread_ticket():
    """A buyer's mail as Amazon's relay writes it: an SES Message-ID and a long References
    chain, folded between ids."""
    raw = build_mail(
        body=amazon_body("Where is my parcel?", order_id=ORDER_ID), message_id=AMAZON_ID,
        subject=f"Order delivery inquiry from Amazon customer Jane Doe (Order: {ORDER_ID})",
    )
    raw = b"References: " + "\n ".join(CHAIN).encode() + b"\n" + raw
    result = mail_ingest(raw=raw, source="test")
    return Message.objects.get(pk=result.message_pk).ticket


def header_lines(raw: bytes, name: str) -> list[str]:
    """The physical lines of one header as they crossed the wire."""
    lines = raw.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
    start = next(i for i, line in enumerate(lines) if line.lower().startswith(name.lower() + ":"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (" ", "\t"):
        end += 1
    return lines[start:end]


def test_amazon_length_ids_arrive_plain_and_folded_between_ids(settings, agent, run_all):
    ticket = amazon_thread_ticket()
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = reply_send(ticket=ticket, author=agent, subject="Re: your order",
                            body="Your parcel is on its way.")
        run_all()
        [received] = server.to(BUYER)
    raw, parsed = received.content, received.message
    assert b"=?" not in raw.split(b"\r\n\r\n", 1)[0]  # no encoded word in any header
    assert parsed["In-Reply-To"] == AMAZON_ID
    assert parsed["References"].split() == [*CHAIN, AMAZON_ID]
    assert parsed["Message-ID"] == outbox.message_id
    references = header_lines(raw, "References")
    assert len(references) > 1  # folded…
    for line in references:  # …between ids: every line holds whole ids only
        ids = line.removeprefix("References:").split()
        assert ids and all(i.startswith("<") and i.endswith(">") for i in ids), line
        assert len(line) <= 78 or len(ids) == 1, line
    assert header_lines(raw, "In-Reply-To") == [f"In-Reply-To: {AMAZON_ID}"]
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT
    # The copy in the seller's Sent folder threads back onto the ticket by these ids.
    assert outbox.sent_message.in_reply_to == AMAZON_ID


def idn_ticket(alias: str):
    ticket = made_ticket()
    ticket.buyer = Buyer.objects.create(alias=alias, name="Jürgen Müller", language="de")
    ticket.save(update_fields=["buyer"])
    return ticket


def send_about_order(ticket, agent):
    return reply_send(ticket=ticket, author=agent, subject="Ihre Bestellung",
                      body=f"Grüße aus dem Lager zu Ihrer Bestellung {ticket.order.order_id}.")


def test_a_reply_to_an_internationalised_address_goes_with_smtputf8_and_idna(
    settings, agent, run_all
):
    ticket = idn_ticket("jürgen@exämple.de")
    with smtp_server(enable_SMTPUTF8=True) as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = send_about_order(ticket, agent)
        run_all()
        [received] = server.mails
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT, outbox.last_error
    assert received.rcpt_tos == ["jürgen@xn--exmple-cua.de"]
    # Headers in UTF-8 (RFC 6532), not encoded words.
    headers = received.content.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    assert "\r\nTo: jürgen@exämple.de\r\n" in headers and "=?" not in headers
    assert received.message.get_payload(decode=True).decode().startswith("Grüße aus dem Lager")


def test_an_ascii_name_at_an_internationalised_domain_needs_only_idna(settings, agent, run_all):
    ticket = idn_ticket("juergen@exämple.de")
    with smtp_server(enable_SMTPUTF8=False) as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = send_about_order(ticket, agent)
        run_all()
        [received] = server.mails
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.SENT, outbox.last_error
    assert received.rcpt_tos == ["juergen@xn--exmple-cua.de"]
    assert received.message["To"] == "juergen@xn--exmple-cua.de"


def test_without_smtputf8_the_reply_fails_once_with_a_reason_not_an_encoding_error(
    settings, agent, run_all
):
    ticket = idn_ticket("jürgen@exämple.de")
    with smtp_server(enable_SMTPUTF8=False) as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = send_about_order(ticket, agent)
        run_all()
        assert server.to("jürgen@xn--exmple-cua.de") == []
        [alert] = server.to("anna@example.test")  # the author is told
    outbox.refresh_from_db()
    assert outbox.state == OutboxState.FAILED and outbox.next_attempt_at is None  # for good
    assert "does not offer SMTPUTF8" in outbox.last_error
    assert "jürgen@exämple.de" in outbox.last_error
    assert "UnicodeEncodeError" not in outbox.last_error
    assert not Obligation.objects.filter(ticket=ticket, is_open=False).exists()


@pytest.mark.parametrize("alias", ["jürgen@exä mple.de", "jürgen@-.xn--", "a@b@c"])
def test_an_address_that_cannot_be_written_is_refused_before_it_is_queued(agent, alias):
    from helpdesk.replies.errors import ReplyError
    from helpdesk.replies.models import Outbox

    ticket = idn_ticket(alias)
    with pytest.raises(ReplyError, match="cannot be sent to"):
        send_about_order(ticket, agent)
    assert not Outbox.objects.exists()


def buyer_ticket_in(language: str):
    ticket = amazon_thread_ticket()
    ticket.language = language
    ticket.save(update_fields=["language"])
    return ticket


@pytest.mark.parametrize("language,subject,body", [
    ("fr", "Re: Votre commande – délai « express »",
     "Bonjour Élodie,\n\nVotre colis arrive jeudi. Ça vous convient ?\n\nCordialement"),
    ("it", "Re: Il suo ordine è già in viaggio", "Gentile cliente,\n\nperché no? Però è così."),
    ("es", "Re: Su pedido — ¿dónde está?", "Hola Íñigo,\n\n¡Su pedido llegará mañana!"),
    # Longer than a header line and a body line may be, in bytes: folded and encoded.
    ("ja", "Re: ご注文の商品について（お問い合わせ番号：１２３）配送状況のご案内と今後のお手続き",
     "山田様\n\n" + "ご注文いただいた商品は明日発送いたします。" * 40 + "\n\nよろしくお願いいたします。"),
])
def test_a_reply_in_the_buyers_language_decodes_on_the_wire_to_what_the_agent_sent(
    settings, agent, run_all, language, subject, body
):
    ticket = buyer_ticket_in(language)
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        outbox = reply_send(ticket=ticket, author=agent, subject=subject, body=body)
        run_all()
        [received] = server.to(BUYER)
    assert all(len(line) <= 998 for line in received.content.split(b"\r\n"))
    message = received.message
    assert str(message["Subject"]) == subject == outbox.subject
    # Text in its canonical form has CRLF line ends (also inside base64).
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.rstrip("\n") == body


@pytest.mark.parametrize("subject", [
    "Re: =?utf-8?b?U2llaGUgd3d3LmV4YW1wbGUuY29t?=",  # "Siehe www.example.com"
    "Re: your order =?ISO-8859-1?Q?=4Dehr?= info",
])
def test_a_subject_that_looks_encoded_reaches_the_buyer_as_the_agent_wrote_it(
    settings, agent, run_all, subject
):
    # A buyer's subject can carry such text (decoded once by the ingest); sent as it is, the
    # buyer's mail program would decode it again and show what no one read or checked.
    ticket = amazon_thread_ticket()
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        reply_send(ticket=ticket, author=agent, subject=subject, body="Your parcel is near.")
        run_all()
        [received] = server.to(BUYER)
    assert str(received.message["Subject"]) == subject


def test_line_breaks_a_buyer_hid_in_the_subject_add_no_header_to_the_reply(
    settings, agent, run_all
):
    """Encoded, a subject can carry CR LF: "Hilfe\\r\\nX-Injected: yes\\r\\n\\r\\nbody".
    Decoded it is one line of text: the reply's subject quotes it, and the reply that reaches
    the server has no header and no body of the buyer's making."""
    raw = build_mail(body=amazon_body("Where is my parcel?", order_id=ORDER_ID),
                     subject="SUBJECT", message_id="<crlf@x>").replace(
        b"Subject: SUBJECT", b"Subject: =?utf-8?q?Hilfe=0D=0AX-Injected:_yes=0D=0A=0D=0Abody?=")
    ticket = Message.objects.get(pk=mail_ingest(raw=raw, source="test").message_pk).ticket
    assert ticket.subject == "Hilfe X-Injected: yes body"
    with smtp_server() as (server, port):
        settings.MAILERS = mailer_settings(port)
        reply_send(ticket=ticket, author=agent, subject=f"Re: {ticket.subject}",
                   body="Your parcel is on its way.")
        run_all()
        [received] = server.mails
    assert "X-Injected" not in received.message and received.rcpt_tos == [BUYER]
    assert received.message["Subject"] == "Re: Hilfe X-Injected: yes body"
    assert received.message.get_content().strip() == "Your parcel is on its way."
