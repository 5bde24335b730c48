"""Build small RFC 822 mails for tests."""

import os
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MAIL = ROOT / "fixtures" / "mail"
# Real-world mail kept beside the repository, not in it; CORPORA_DIR points elsewhere.
CORPORA = Path(os.environ.get("CORPORA_DIR") or ROOT.parent / "shared" / "corpora")
SELLER_ADDRESSES = ["support@example-seller.com", "service@mugshop.de"]


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
