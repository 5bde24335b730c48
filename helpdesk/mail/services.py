"""The ingest service: raw bytes → stored → parsed → recognised → threaded → ticket message.
Every source (files, IMAP, HTTP, jobs) calls ``mail_ingest``; nothing else writes messages
from mail."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from helpdesk import jobs
from helpdesk.marketplaces.models import Buyer, Order, OrderItem
from helpdesk.tickets.models import Ticket, TicketKind
from helpdesk.tickets.services import (
    OPENS_TICKET_OF_KIND,
    NewAttachment,
    NewMessage,
    message_add,
    ticket_open,
)
from helpdesk.tickets.threading import thread_find

from .models import RawMail, RawMailStatus
from .parse import ParsedMail, ParseError, parse_mail, scan_message_id, storable
from .raw_store import blob_get, blob_key, blob_put
from .recognise import Recognised, Ruleset, recognise
from .text import sanitise_html, thread_subject

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


def _body_fingerprint(raw: bytes) -> str:
    """Hash of the body with line endings normalised: the same mail fetched by IMAP, posted
    by a webhook or read from a file differs in transport headers, not here."""
    _, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return blob_key(body.strip())[:16]


def _fingerprint_of(raw_mail: RawMail) -> str:
    try:
        return _body_fingerprint(blob_get(raw_mail.sha256))
    except OSError:
        return ""  # its bytes are gone from the store: the new mail is kept, not judged by it


def dedup_keys(raw: bytes, parsed: ParsedMail | None) -> tuple[str, str]:
    """(the usual key, the key for a different mail that reuses an existing Message-ID)."""
    message_id = parsed.message_id if parsed else scan_message_id(raw)
    if not message_id:
        return f"sha:{blob_key(raw)}", ""
    key = f"mid:{message_id[:900]}"
    return key, f"{key}#{_body_fingerprint(raw)}"


def _raw_mail_create(raw: bytes, sha256: str, source: str, key: str) -> RawMail | None:
    try:
        with transaction.atomic():
            return RawMail.objects.create(
                dedup_key=key, sha256=sha256, size=len(raw), source=storable(source)[:300],
                received_at=timezone.now(),
            )
    except IntegrityError:
        return None


def mail_ingest(
    *, raw: bytes, source: str, defer: bool = False, ruleset: Ruleset | None = None
) -> IngestResult:
    """Keep the bytes, then record and (unless ``defer``) process them.

    With ``defer`` the processing is left to the backlog job (``backlog``: RQ with Redis,
    in-process after commit without), which takes every mail waiting in batches.
    A repeated Message-ID, or the same bytes when there is none, is a duplicate.
    """
    sha256 = blob_put(raw)  # first: whatever happens next, the bytes are kept
    parsed: ParsedMail | None = None
    reason = ""
    try:
        parsed = parse_mail(raw)
    except ParseError as exc:
        reason = str(exc)
    except Exception as exc:  # a parser bug must cost a quarantine, never the mail's row
        logger.exception("the parser failed on a mail")
        reason = f"the parser failed: {type(exc).__name__}: {exc}"
    key, collision_key = dedup_keys(raw, parsed)
    raw_mail = _raw_mail_create(raw, sha256, source, key)
    if raw_mail is None and collision_key:
        # The Message-ID is taken. The same mail again is a duplicate; a different mail
        # reusing the id (broken or test senders do) is kept under a key of its own.
        first = RawMail.objects.filter(dedup_key=key).first()
        if first is not None and _fingerprint_of(first) != collision_key[-16:]:
            raw_mail = _raw_mail_create(raw, sha256, source, collision_key)
            if raw_mail is None:
                key = collision_key
    if raw_mail is None:
        existing = RawMail.objects.filter(dedup_key=key).first()
        return IngestResult(Outcome.DUPLICATE, existing.pk if existing else None)
    if parsed is None:
        return raw_mail_quarantine(raw_mail, reason)
    if defer:
        from .backlog import backlog_enqueue  # the backlog builds on this module

        backlog_enqueue()
        return IngestResult(Outcome.QUEUED, raw_mail.pk)
    return _process(raw_mail, parsed, ruleset)


def raw_mail_process(*, raw_mail_id: int, ruleset: Ruleset | None = None) -> IngestResult:
    """Process a recorded raw mail; a no-op if it was processed already (retried jobs)."""
    with transaction.atomic():
        raw_mail = RawMail.objects.select_for_update().get(pk=raw_mail_id)
        if raw_mail.status == RawMailStatus.STORED:
            return IngestResult(Outcome.DUPLICATE, raw_mail.pk)
        try:
            parsed = parse_mail(blob_get(raw_mail.sha256))
        except ParseError as exc:
            return raw_mail_quarantine(raw_mail, str(exc))
        return _process(raw_mail, parsed, ruleset)


def raw_mail_process_job(raw_mail_id: int) -> None:
    # Jobs of one mail each were enqueued by earlier versions; some may still be queued.
    raw_mail_process(raw_mail_id=raw_mail_id)


# A raw mail still 'received' this long after it arrived has lost its job (Redis was down or
# restarted empty, a worker was killed mid-job) once the ingest queue has nothing waiting.
STUCK_AFTER = timedelta(minutes=2)


def raw_mail_requeue(*, now: datetime | None = None, older_than: timedelta = STUCK_AFTER) -> int:
    """Ask for a backlog run when mail was kept but never processed; how many mails wait.

    Run by the periodic ``outbox_retry``. It waits while the ingest queue still has jobs
    waiting: the backlog run among them takes the mail. A second run is harmless."""
    from .backlog import backlog_enqueue

    now = now or timezone.now()
    if jobs.queue_waiting("ingest") != 0:
        return 0  # a backlog, or Redis is away and nothing can be enqueued
    stuck = RawMail.objects.filter(
        status=RawMailStatus.RECEIVED, received_at__lt=now - older_than
    ).count()
    if stuck:
        backlog_enqueue()
        logger.info("%s raw mails had lost their processing job: a backlog run asked for", stuck)
    return stuck


def quarantine_retry() -> list[IngestResult]:
    """Process every quarantined mail again, e.g. after the rules or the parser improved."""
    ids = RawMail.objects.filter(status=RawMailStatus.QUARANTINED).values_list("pk", flat=True)
    return [raw_mail_process(raw_mail_id=pk) for pk in list(ids)]


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


def sent_at(parsed: ParsedMail, received_at: datetime) -> datetime:
    """Date header → newest Received header → ingest time; never later than ingest time."""
    when = parsed.date or (parsed.received_dates[0] if parsed.received_dates else None)
    if when is None or when > received_at:
        return received_at
    return when


def _process(raw_mail: RawMail, parsed: ParsedMail, ruleset: Ruleset | None) -> IngestResult:
    try:
        with transaction.atomic():
            return _store(raw_mail, parsed, ruleset)
    except (OperationalError, InterfaceError):
        raise  # the database is away: an infrastructure error, not a bad mail
    except Exception as exc:
        # Whatever this mail does to the recognisers or the database (NUL bytes, a value
        # the database refuses), it is kept whole in quarantine with the reason.
        logger.exception("raw mail %s could not be stored", raw_mail.pk)
        return raw_mail_quarantine(raw_mail, f"could not be stored: {type(exc).__name__}: {exc}")


def _store(raw_mail: RawMail, parsed: ParsedMail, ruleset: Ruleset | None) -> IngestResult:
    found = recognise(parsed, ruleset)
    new = message_new(parsed, found, raw_mail.received_at)
    buyer = _buyer(found) if found.buyer_alias else None
    order = _order(found, buyer) if found.order_id else None
    ticket = thread_find(**thread_facts(parsed, found, order, buyer))
    created = ticket is None
    if ticket is None:
        ticket = ticket_open(**ticket_facts(parsed, found, order, buyer, new.sent_at))
    else:
        _fill_ticket(ticket, buyer, order, found.asin)
        if named := buyer_named(ticket, found):
            buyer_name_fill(*named)
    message = message_add(ticket=ticket, raw_id=raw_mail.pk, new=new)
    raw_mail.status = RawMailStatus.STORED
    raw_mail.quarantine_reason = ""
    raw_mail.processed_at = timezone.now()
    raw_mail.save(update_fields=["status", "quarantine_reason", "processed_at"])
    return IngestResult(Outcome.STORED, raw_mail.pk, message.pk, ticket_created=created)


def message_new(parsed: ParsedMail, found: Recognised, received_at: datetime) -> NewMessage:
    """The message a recognised mail makes; keeps its attachments' bytes in the raw store."""
    return NewMessage(
        direction=found.direction,
        kind=found.kind,
        is_auto=found.is_auto,
        sent_at=sent_at(parsed, received_at),
        received_at=received_at,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_address=", ".join(parsed.to_addresses),
        language=found.language,
        buyer_text=_clean(found.buyer_text),
        quoted_text=_clean(found.quoted_text),
        body_html=_clean(sanitise_html(parsed.html)),
        attachments=[
            NewAttachment(a.filename[:255], a.content_type[:255], len(a.data), blob_put(a.data))
            for a in parsed.attachments
        ],
    )


def thread_facts(
    parsed: ParsedMail, found: Recognised, order: Order | None, buyer: Buyer | None
) -> dict:
    """The arguments of ``thread_find`` for a mail."""
    return {
        "message_id": parsed.message_id,
        "referenced_ids": [r for r in [parsed.in_reply_to, *parsed.references] if r],
        "kind": found.kind,
        "order": order,
        "buyer": buyer,
        "thread_subject": thread_subject(parsed.subject),
    }


def ticket_facts(
    parsed: ParsedMail, found: Recognised, order: Order | None, buyer: Buyer | None,
    at: datetime,
) -> dict:
    """The arguments of ``ticket_open`` for a mail that starts a thread."""
    return {
        "kind": OPENS_TICKET_OF_KIND.get(found.kind, TicketKind.OTHER),
        "channel": found.channel,
        "buyer": buyer,
        "order": order,
        "subject": parsed.subject,
        "thread_subject": thread_subject(parsed.subject),
        "language": found.language,
        "at": at,
        "asin": found.asin,
    }


def _clean(text: str) -> str:
    # PostgreSQL refuses NUL characters in text; they carry nothing a reader needs.
    return storable(text)


def _buyer(found: Recognised) -> Buyer:
    buyer, created = Buyer.objects.get_or_create(
        alias=found.buyer_alias,
        defaults={"name": found.buyer_name, "language": found.language, "channel": found.channel},
    )
    if not created and found.buyer_name and not buyer.name:
        buyer.name = found.buyer_name
        buyer.save(update_fields=["name"])
    return buyer


def _order(found: Recognised, buyer: Buyer | None) -> Order:
    order, created = Order.objects.get_or_create(
        order_id=found.order_id, defaults={"channel": found.channel, "buyer": buyer}
    )
    if not created and buyer is not None and order.buyer_id is None:
        order.buyer = buyer
        order.save(update_fields=["buyer"])
    if found.asin:
        OrderItem.objects.get_or_create(
            order=order, asin=found.asin, defaults={"title": found.item_title}
        )
    return order


def buyer_named(ticket: Ticket, found: Recognised) -> tuple[int, str] | None:
    """(the ticket's buyer, the name) when a mail of no buyer of its own names the buyer of
    the thread it joins ("Your message to Megan Lowe was not delivered"): the name for a
    buyer known so far only by the relay alias of the seller's mail. Set only where empty."""
    if found.buyer_name and not found.buyer_alias and ticket.buyer_id is not None:
        return ticket.buyer_id, found.buyer_name
    return None


def buyer_name_fill(buyer_id: int, name: str) -> None:
    """Give the buyer this name unless they have one."""
    Buyer.objects.filter(pk=buyer_id, name="").update(name=name)


def _fill_ticket(ticket: Ticket, buyer: Buyer | None, order: Order | None, asin: str) -> None:
    updates = ticket_fill(ticket, buyer, order, asin)
    if updates:
        ticket.save(update_fields=updates)


def ticket_fill(
    ticket: Ticket, buyer: Buyer | None, order: Order | None, asin: str = ""
) -> list[str]:
    """A later mail may name the buyer, the order or the product the first one did not; the
    changed fields (not saved)."""
    updates = []
    if asin and not ticket.asin:
        ticket.asin = asin
        updates.append("asin")
    if buyer is not None and ticket.buyer_id is None:
        ticket.buyer = buyer
        updates.append("buyer")
    if order is not None and ticket.order_id is None:
        ticket.order = order
        updates.append("order")
    return updates
