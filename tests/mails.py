"""Build small RFC 822 mails for tests."""

import os
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MAIL = ROOT / "fixtures" / "mail"
# Real-world mail kept beside the repository, not in it; CORPORA_DIR points elsewhere.
CORPORA = Path(os.environ.get("CORPORA_DIR") or ROOT.parent / "shared" / "corpora")
SELLER_ADDRESSES = ["support@example-seller.com", "service@mugshop.de"]
# The demo sellers' own mail servers, as they name themselves in Authentication-Results.
MAIL_SERVERS = ["mx1.example-seller.com", "mx01.mugshop.de"]


def build_mail(
    *,
    body: str = "Hello",
    html: str | None = None,
    subject: str = "Question",
    sender: str = '"Jane Doe - Amazon Marketplace" <abc123xyz@marketplace.amazon.com>',
    to: str = "support@example-seller.com",
    message_id: str | None = "<m1@example.test>",
    date: str | None = "Mon, 05 Oct 2026 10:00:00 +0000",
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if date:
        msg["Date"] = date
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def amazon_body(words: str, *, order_id: str = "111-7366207-0755439", asin: str = "B01FCAWEYM") -> str:
    return (
        f"Order ID {order_id}:\n1 of Travel Mug 450 ml [ASIN: {asin}]\n\n"
        "------------- Begin message -------------\n\n"
        f"{words}\n\n"
        "------------- End message -------------\n\n"
        "For Your Information: To help protect your privacy, this e-mail was relayed.\n"
        "Was this email helpful? No response needed: https://sellercentral.amazon.com/nrr\n"
        "[commMgrTok:A1B2C3D4E5]\n"
    )


# Threads as Amazon and the seller's mail client write them (the ingest and threading tests).

def buyer_message(n: int, t: datetime, *, alias: str, order: str, subject: str = "Question",
                  refs: str | None = None, words: str = "Where is my parcel?",
                  tld: str = "com") -> bytes:
    """A buyer's message as Amazon's relay of marketplace ``tld`` delivers it."""
    headers = {"In-Reply-To": refs, "References": refs} if refs else {}
    headers["X-Space-Notification-Type"] = "BBC_MESSAGE_SENT_TO_MERCHANT"
    return build_mail(
        message_id=f"<b{n}@amazon.test>", date=mail_date(t), subject=f"{subject} (Order: {order})",
        sender=f'"Buyer {alias} - Amazon Marketplace" <{alias}@marketplace.amazon.{tld}>',
        body=amazon_body(words, order_id=order), headers=headers,
    )


def seller_reply(n: int, t: datetime, *, alias: str, refs: str, subject: str = "Re: Question",
                 auto: bool = False, to: str = "", tld: str = "com") -> bytes:
    """The seller's answer from their mail client (as found in the Sent folder)."""
    headers = {"In-Reply-To": refs, "References": refs}
    if auto:
        headers["Auto-Submitted"] = "auto-replied"
    return build_mail(message_id=f"<s{n}@seller.test>", date=mail_date(t),
                      sender=SELLER_ADDRESSES[0], to=to or f"{alias}@marketplace.amazon.{tld}",
                      subject=subject,
                      body="Thank you, it is on its way.", headers=headers)


def seller_central_copy(n: int, t: datetime, *, order: str, name: str) -> bytes:
    return build_mail(
        message_id=f"<c{n}@amazonses.test>", date=mail_date(t), sender='"Amazon.com" <donotreply@amazon.com>',
        subject=f"Your e-mail to {name}",
        body=amazon_body("We shipped it today.", order_id=order),
        headers={"X-Space-Notification-Type": "BBC_MESSAGE_CONFIRMATION_TO_MERCHANT"},
    )


def claim_notice(n: int, t: datetime, *, order: str, decision: bool = False) -> bytes:
    subject = f"Claim Decision on Order {order}" if decision else f"Claim received on order {order}"
    return build_mail(
        message_id=f"<z{n}@amazonses.test>", date=mail_date(t),
        sender='"Amazon A-to-z Guarantee" <atoz-guarantee-no-reply@amazon.com>',
        subject=subject, body=f"Order ID: {order}\nA-to-z Guarantee claim.",
        headers={"X-Space-Notification-Type": "A_Z_CLAIM_RESPONDENT_NOTIFY"},
    )


def return_request_notice(n: int, t: datetime, *, order: str) -> bytes:
    return build_mail(
        message_id=f"<r{n}@amazonses.test>", date=mail_date(t),
        sender='"Amazon.com" <order-update@amazon.com>',
        subject=f"Return authorization request for order # {order}",
        body=f"Order ID: # {order}\nItem: Travel Mug\nQuantity: 1\nReturn reason: Defective\n",
        headers={"X-Space-Notification-Type": "RETURN_REQUEST"},
    )


def mail_date(t: datetime) -> str:
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def received_by_seller(raw: bytes, t: datetime) -> bytes:
    """``raw`` as the seller's own mail server took it in at ``t`` (its Received line on top)."""
    return f"Received: from relay.amazon.test by mx1.example-seller.com; {mail_date(t)}\r\n".encode() + raw




def chargeback_notice(n: int, t: datetime, *, order: str) -> bytes:
    return build_mail(
        message_id=f"<cb{n}@amazonses.test>", date=mail_date(t),
        sender='"Amazon Payments" <cb-seller-notification@amazon.com>',
        subject=f"Your Immediate Response Required: Charge Dispute Inquiry - Order ID {order}",
        body=f"Order ID: {order}\nThe buyer disputed the charge with their bank.",
    )


def kaufland_message(n: int, t: datetime, *, customer: str, order: str,
                     refs: str | None = None) -> bytes:
    """A Kaufland customer's message, relayed as Kaufland relays it (48 h clock)."""
    headers = {"Reply-To": f"kunde-{customer}@kaufland-marktplatz.de"}
    if refs:
        headers |= {"In-Reply-To": refs, "References": refs}
    return build_mail(
        message_id=f"<k{n}@kaufland-marktplatz.de>", date=mail_date(t),
        sender=f'"Kunde {customer} via Kaufland.de" <kunde-{customer}@kaufland-marktplatz.de>',
        to="service@mugshop.de", subject=f"Neue Nachricht zu Bestellung {order} (Ticket {n})",
        body=(f"Bestellnummer: {order}\n------------- Nachricht des Kunden -------------\n"
              "Wo ist meine Bestellung?\n------------- Ende der Nachricht -------------\n"),
        headers=headers,
    )
