"""Which mail may end a clock as the seller's answer: trusted by where it came from, never by
its From header alone (anyone can write a seller's address into From).

- Mail from a seller address counts as the seller's reply only when its source is trusted:
  files an operator ingests (``manage.py ingest``: their own export of a Sent folder or a
  backlog), a mailbox folder marked in admin as the seller's Sent folder, the product's own
  outbox (which records its replies itself).
- A Seller Central copy of a reply (``BBC_MESSAGE_CONFIRMATION_TO_MERCHANT``) counts when its
  source is trusted, or when the seller's own mail server vouches for it: the topmost
  ``Authentication-Results`` header carries a configured server id (``MAIL_AUTHSERV_IDS``)
  and DKIM passed for one of Amazon's domains.
Anything else that claims to answer the buyer is filed and shown, with the reason, and ends
no clock."""

import re

from django.conf import settings

from helpdesk.tickets.models import Direction, MessageKind

from .parse import ParsedMail
from .recognise import Recognised

_DKIM_PASS = re.compile(r"\bdkim\s*=\s*pass\b.*?\bheader\.d\s*=\s*([^\s;]+)", re.IGNORECASE)
# Amazon's own signing domains (its marketplaces, and SES which relays its mail), whole.
_AMAZON = re.compile(
    r"^(?:[\w-]+\.)*amazon(?:ses)?\.(?:com|ca|com\.mx|com\.br|co\.uk|de|fr|it|es|nl|se|pl|"
    r"com\.be|com\.tr|ae|sa|in|co\.jp|sg|com\.au|eg|ie)$",
    re.IGNORECASE,
)

FORGED_REPLY = (
    "Not counted as the seller's reply: it says it is from the seller's address but came by "
    "{how}, where anyone can put any address in From. Only the seller's own mail (a folder "
    "marked as Sent, files an operator ingests, the product's outbox) ends a clock."
)
UNVOUCHED_COPY = (
    "Not counted as a reply sent in Seller Central: the seller's mail server did not vouch "
    "for this copy (no Authentication-Results from a configured server showing DKIM pass for "
    "Amazon), so it may be forged. Mark the source as trusted or set MAIL_AUTHSERV_IDS."
)


def reply_doubt(*, parsed: ParsedMail, found: Recognised, source: str, trusted: bool) -> str:
    """Why this mail must not end a clock although it claims to answer the buyer; "" if it
    may (or if it claims no such thing)."""
    if trusted:
        return ""
    if found.kind == MessageKind.REPLY_CONFIRMATION:
        return "" if vouched(parsed) else UNVOUCHED_COPY
    if found.direction == Direction.OUT and not found.is_auto:
        return FORGED_REPLY.format(how=_how(source))
    return ""


def vouched(parsed: ParsedMail) -> bool:
    """The seller's own server (a configured authserv-id) saw DKIM pass for Amazon."""
    header = parsed.headers.get("authentication-results", "")
    server = header.split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""
    ids = {i.lower() for i in settings.MAIL_AUTHSERV_IDS}
    if not server or server not in ids:
        return False
    return any(
        (found := _DKIM_PASS.search(clause)) and _AMAZON.match(found.group(1).rstrip(".)"))
        for clause in header.split(";")[1:]
    )


def _how(source: str) -> str:
    if source.startswith("http"):
        return "the webhook"
    if source.startswith("imap:"):
        folder = source.split(":", 1)[1].split("/")[1:2]
        return f"the mailbox folder {folder[0]!r}, which is not marked as a Sent folder" if (
            folder) else "a mailbox folder not marked as a Sent folder"
    return f"an untrusted source ({source[:60]})"
