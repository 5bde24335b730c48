"""What became of a mail, and the raw-mail rows that say it: a mail's dedup keys, its row,
its quarantine."""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import RawMail, RawMailStatus
from .parse import (
    author_headers,
    header_message_id,
    mail_content,
    message_id_key,
    storable,
)
from .raw_store import blob_get, blob_key, blob_put

logger = logging.getLogger(__name__)


class Outcome:
    STORED = "stored"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    QUEUED = "queued"


@dataclass
class IngestResult:
    outcome: str
    raw_mail_id: int | None = None
    message_pk: int | None = None
    ticket_created: bool = False
    reason: str = ""


# A second mail under a Message-ID is kept under ``mid:<id>#`` and 16 hex digits.
FINGERPRINT_SUFFIX = "#0123456789abcdef"


def mail_fingerprint(raw: bytes) -> str:
    """Hash of what the mail's author wrote: the headers of ``parse.AUTHOR_HEADERS`` and the
    body with line endings normalised. The same mail fetched by IMAP, posted by a webhook
    or read from a file differs in transport headers, not here; a different mail reusing a
    Message-ID (another subject or date over the same text) differs here."""
    _, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return blob_key(author_headers(raw).encode("utf-8", "surrogatepass") + b"\n\n"
                    + body.strip())[:16]


def dedup_keys(raw: bytes, message_id: str | None = None) -> tuple[str, str]:
    """(the usual key, the start of the key for a different mail that reuses an existing
    Message-ID: ``key#``, to which ``key_choose`` adds the mail's fingerprint when it finds
    the Message-ID held; "" without a Message-ID). The fingerprint reads the header block
    once more: a fifth of reading a mail, for the few mails whose Message-ID is taken.
    ``message_id`` as ``parse_mail`` read it; without, it is read from the header block
    alone (``header_message_id``, the same reading), so that the same mail has the same key
    whether it was kept unparsed (the webhook's) or read whole (a file's)."""
    if message_id is None:
        message_id = header_message_id(raw)
    if not message_id:
        return f"sha:{blob_key(raw)}", ""
    key = f"mid:{message_id_key(message_id)[:900]}"
    return key, f"{key}#"


def keys_held(key: str, *, itself: bool = True) -> Q:
    """The rows of every mail kept under a Message-ID's key: the first under ``key``
    itself (unless not ``itself``), the others under ``key#<fingerprint>``.

    The others are a range of the unique index on SQLite, whose LIKE ignores case and so
    cannot use it (every lookup read the whole table); ``LIKE 'key#%'`` on PostgreSQL, where
    the index Django adds for patterns serves it in any collation, which a range would not."""
    first = Q(dedup_key=key)
    if not key.startswith("mid:"):
        return first
    if connection.vendor == "sqlite":  # "#" and "$" are neighbours: every "key#…" between
        others = Q(dedup_key__gt=f"{key}#", dedup_key__lt=f"{key}$")
    else:
        others = Q(dedup_key__startswith=f"{key}#")
    return first | others if itself else others


def key_choose(
    keys: tuple[str, str], raw: bytes, held: list[tuple[str, bytes | None]]
) -> tuple[str, bool]:
    """(the key of the mail that ``raw`` repeats, True), or (the key to keep it under,
    False), when ``keys[0]`` is held. ``held``: every mail kept under that Message-ID, by
    key, with its bytes (None: gone from the store, so it judges nothing). Every one is
    compared, not only the first: a key given before fingerprints covered the headers
    names a mail by its body alone."""
    if not keys[1]:
        return keys[0], True  # no Message-ID: the key is the bytes' own
    fingerprint = mail_fingerprint(raw)
    for key, holder_raw in held:
        if holder_raw is not None and (
            mail_fingerprint(holder_raw) == fingerprint or _reencoded(raw, holder_raw)
        ):
            return key, True
    own = keys[1] + fingerprint
    return own, any(key == own for key, _ in held)


def _reencoded(raw: bytes, other: bytes) -> bool:
    """The same mail, encoded for transport another way: a server that takes no 8-bit text
    converts a part to quoted-printable or base64 (RFC 6152), and may write the parts
    anew under another boundary. Only read when the author's headers are the same."""
    if author_headers(raw, content_type=False) != author_headers(other, content_type=False):
        return False
    content = mail_content(raw)
    return content is not None and content == mail_content(other)


def raw_mail_keep(*, raw: bytes, source: str, trusted: bool = False) -> IngestResult:
    """Keep the bytes and a ``received`` row for them, unparsed: what a webhook or a mailbox
    fetch does before anything can fail on the mail's content. DUPLICATE or QUEUED.
    ``trusted``: the source is one only the seller's own mail comes from (``mail.trust``)."""
    sha256 = blob_put(raw)  # first: whatever happens next, the bytes are kept
    keys = dedup_keys(raw)
    row = raw_mail_create(raw, sha256, source, keys[0], trusted=trusted)
    if row is None:
        held = [(first.dedup_key, _bytes_of(first))
                for first in RawMail.objects.filter(keys_held(keys[0])).order_by("pk")]
        key, duplicate = key_choose(keys, raw, held)
        if not duplicate:
            row = raw_mail_create(raw, sha256, source, key, trusted=trusted)
        if row is None:
            existing = RawMail.objects.filter(dedup_key=key).first()
            return IngestResult(Outcome.DUPLICATE, existing.pk if existing else None)
    return IngestResult(Outcome.QUEUED, row.pk)


def _bytes_of(raw_mail: RawMail) -> bytes | None:
    try:
        return blob_get(raw_mail.sha256)
    except OSError:
        return None  # its bytes are gone from the store: the new mail is kept, not judged by it


def raw_mail_create(
    raw: bytes, sha256: str, source: str, key: str, *, trusted: bool = False
) -> RawMail | None:
    try:
        with transaction.atomic():
            return RawMail.objects.create(
                dedup_key=key, sha256=sha256, size=len(raw), source=storable(source)[:300],
                received_at=timezone.now(), source_trusted=trusted,
            )
    except IntegrityError:
        return None


def raw_mail_quarantine(raw_mail: RawMail, reason: str) -> IngestResult:
    """Keep the mail whole, out of the tickets, with why: to be retried once fixed."""
    # The reason may quote the mail (an exception's text): it must be storable itself.
    reason = storable(reason)
    raw_mail.status = RawMailStatus.QUARANTINED
    raw_mail.quarantine_reason = reason
    raw_mail.processed_at = timezone.now()
    raw_mail.save(update_fields=["status", "quarantine_reason", "processed_at"])
    logger.info("quarantined raw mail %s: %s", raw_mail.pk, reason)
    return IngestResult(Outcome.QUARANTINED, raw_mail.pk, reason=reason)


