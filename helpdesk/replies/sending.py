"""The send job: one attempt to hand an outbox row to the SMTP server, and its outcome.

The guarantee (DECISIONS.md, "Replies"): the mail is handed over (SMTP DATA) at most once,
whatever crashes or retries. An attempt claims the row (queued/failed → sending, with a token
and a lease), connects and names the recipients, then marks — in its own committed write,
and only while it still holds the claim — that DATA starts. Failing before the mark is
retried safely; a crash after it leaves the row 'uncertain', which nothing sends again by
itself: an agent confirms the reply arrived or sends it again knowingly.
"""

import logging
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from helpdesk import jobs
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.raw_store import blob_get, blob_put
from helpdesk.sla.services import obligations_recompute
from helpdesk.tickets.models import (
    Direction,
    Message,
    MessageKind,
    TimelineEvent,
)
from helpdesk.tickets.selectors import reader_zone
from helpdesk.tickets.services import NewAttachment, NewMessage
from helpdesk.tickets.writing import message_add

from .addressing import is_system_sender
from .errors import NOTICE_SENDER
from .models import Outbox, OutboxState
from .signals import reply_failed, reply_sent
from .smtp import Aborted, NotSent, Unknown, mail_send_staged

logger = logging.getLogger(__name__)

# Longer than any attempt can take (each SMTP step times out after a minute): a row still
# 'sending' after its lease belongs to an attempt that died.
LEASE = timedelta(minutes=5)
# Waits before the 2nd, 3rd… attempt; after the last one the row stays failed until retried.
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 60, 240)]
CLAIMABLE = [OutboxState.QUEUED, OutboxState.FAILED]
UNCERTAIN_TEXT = (
    "The attempt stopped while the mail server was taking the mail, so it may have it. It is "
    "not sent again by itself: check the buyer's messages on the marketplace (Seller "
    "Central), then confirm the delivery or send it again."
)


def outbox_send_job(outbox_id: int, now: datetime | None = None) -> None:
    outbox_send(outbox_id=outbox_id, now=now)


def outbox_send(*, outbox_id: int, now: datetime | None = None) -> str:
    """One attempt; safe to run twice, concurrently, or after an attempt that died. ``now``
    judges leases and backoff (the retry passes its own). Returns the row's state."""
    now = now or timezone.now()
    _settle_abandoned(outbox_id, now)
    token = uuid4().hex
    claimed = Outbox.objects.filter(
        pk=outbox_id, state__in=CLAIMABLE, next_attempt_at__lte=now
    ).update(
        state=OutboxState.SENDING, claim_token=token, claimed_until=now + LEASE,
        attempts=F("attempts") + 1, data_started_at=None,
    )
    outbox = Outbox.objects.select_related("ticket").filter(pk=outbox_id).first()
    if outbox is None:
        return ""  # its ticket was deleted meanwhile
    if not claimed:
        return outbox.state
    if is_system_sender(outbox.to_address):
        # Queued before the composer refused these (or written by hand): never sent.
        return _failed(outbox_id, token, NOTICE_SENDER.format(address=outbox.to_address),
                       permanent=True, now=now)
    try:
        accepted_at, raw = mail_send_staged(
            email_build(outbox), before_data=lambda: _data_mark(outbox_id, token)
        )
    except NotSent as exc:
        return _failed(outbox_id, token, str(exc), permanent=exc.permanent, now=now)
    except Unknown as exc:
        return _uncertain(outbox_id, token, f"{exc}. {UNCERTAIN_TEXT}")
    except Aborted:
        return Outbox.objects.get(pk=outbox_id).state
    except Exception as exc:
        logger.exception("outbox %s: attempt failed", outbox_id)
        passed = Outbox.objects.filter(pk=outbox_id, data_started_at__isnull=False).exists()
        if passed:
            return _uncertain(outbox_id, token, f"{type(exc).__name__}: {exc}. {UNCERTAIN_TEXT}")
        return _failed(outbox_id, token, f"{type(exc).__name__}: {exc}", permanent=False, now=now)
    return _record_sent(outbox_id, token, accepted_at, raw)


def email_build(outbox: Outbox) -> EmailMessage:
    headers = {"Message-ID": outbox.message_id}
    if outbox.in_reply_to:
        headers["In-Reply-To"] = outbox.in_reply_to
        headers["References"] = " ".join(outbox.reference_ids or [outbox.in_reply_to])
    message = EmailMessage(
        subject=outbox.subject, body=outbox.body, from_email=outbox.from_address,
        to=[outbox.to_address], headers=headers,
    )
    for attachment in outbox.attachments.all():
        message.attach(attachment.filename, blob_get(attachment.sha256), attachment.content_type)
    return message


def _data_mark(outbox_id: int, token: str) -> bool:
    # Committed on its own (autocommit) before DATA: after it, a crash means "maybe sent".
    return bool(
        Outbox.objects.filter(pk=outbox_id, state=OutboxState.SENDING, claim_token=token)
        .update(data_started_at=timezone.now())
    )


def _settle_abandoned(outbox_id: int, now: datetime) -> None:
    """A row still 'sending' after its lease: its attempt died. Before DATA the server has
    nothing, so it is queued again; during DATA it may have the mail, so it is uncertain."""
    stale = Outbox.objects.filter(pk=outbox_id, state=OutboxState.SENDING, claimed_until__lt=now)
    stale.filter(data_started_at=None).update(
        state=OutboxState.QUEUED, claim_token="", claimed_until=None, next_attempt_at=now,
        last_error="An attempt stopped before handing the mail over; it is sent again.",
    )
    token = stale.exclude(data_started_at=None).values_list("claim_token", flat=True).first()
    if token is not None:
        _uncertain(outbox_id, token, UNCERTAIN_TEXT)


@transaction.atomic
def _failed(outbox_id: int, token: str, reason: str, *, permanent: bool, now: datetime) -> str:
    outbox = Outbox.objects.select_for_update().get(pk=outbox_id)
    if outbox.claim_token != token or outbox.state not in (
        OutboxState.SENDING, OutboxState.UNCERTAIN
    ):
        return outbox.state  # another attempt owns the row now
    give_up = permanent or outbox.attempts > len(BACKOFF)
    outbox.state = OutboxState.FAILED
    outbox.last_error = reason
    outbox.next_attempt_at = None if give_up else now + BACKOFF[outbox.attempts - 1]
    outbox.claim_token, outbox.claimed_until = "", None
    outbox.save(update_fields=["state", "last_error", "next_attempt_at", "claim_token",
                               "claimed_until"])
    after = ("no further attempts; retry it from the outbox" if give_up
             else f"next attempt {outbox.next_attempt_at:%Y-%m-%d %H:%M} UTC")
    _event(outbox, "reply_failed", f"Reply failed: {reason} ({after})")
    if outbox.attempts == 1 or give_up:  # the first failure and giving up, not every retry
        jobs.enqueue(outbox_alert_job, outbox.pk, queue="mail")
    reply_failed.send(sender=Outbox, outbox=outbox)
    return outbox.state


@transaction.atomic
def _uncertain(outbox_id: int, token: str, reason: str) -> str:
    # The token stays: should the attempt still be alive and hear back, it may record that.
    if not Outbox.objects.filter(
        pk=outbox_id, state=OutboxState.SENDING, claim_token=token
    ).update(state=OutboxState.UNCERTAIN, last_error=reason, next_attempt_at=None):
        return Outbox.objects.get(pk=outbox_id).state
    outbox = Outbox.objects.select_related("ticket").get(pk=outbox_id)
    _event(outbox, "reply_uncertain", f"Reply delivery unknown: {reason}")
    jobs.enqueue(outbox_alert_job, outbox.pk, queue="mail")
    reply_failed.send(sender=Outbox, outbox=outbox)
    return OutboxState.UNCERTAIN


@transaction.atomic
def _record_sent(outbox_id: int, token: str, accepted_at: datetime, raw: bytes) -> str:
    outbox = Outbox.objects.select_for_update().select_related("ticket").get(pk=outbox_id)
    if outbox.claim_token != token or outbox.state not in (
        OutboxState.SENDING, OutboxState.UNCERTAIN
    ):
        return outbox.state
    outbox_mark_sent(outbox, at=accepted_at, raw=raw)
    return OutboxState.SENT


def outbox_mark_sent(outbox: Outbox, *, at: datetime, raw: bytes | None) -> Message:
    """Record a reply as sent: the ticket's message (through ``message_add``, so the clock
    stops by the same path as any reply) and the clocks recomputed. Inside a transaction."""
    message = Message.objects.filter(ticket=outbox.ticket, message_id=outbox.message_id).first()
    if message is None:  # else its Sent-folder copy was ingested first: that is the reply
        message = message_add(
            ticket=outbox.ticket, raw_id=_raw_mail_keep(outbox, raw, at) if raw else None,
            new=NewMessage(
                direction=Direction.OUT, kind=MessageKind.SELLER_REPLY, is_auto=False,
                sent_at=at, received_at=at, message_id=outbox.message_id,
                in_reply_to=outbox.in_reply_to, references=outbox.reference_ids,
                subject=outbox.subject, from_address=outbox.from_address,
                to_address=outbox.to_address, language=outbox.language, buyer_text=outbox.body,
                attachments=[NewAttachment(a.filename, a.content_type, a.size, a.sha256)
                             for a in outbox.attachments.all()],
            ),
        )
    outbox.state, outbox.sent_at, outbox.sent_message = OutboxState.SENT, at, message
    outbox.last_error, outbox.next_attempt_at, outbox.claimed_until = "", None, None
    outbox.save(update_fields=["state", "sent_at", "sent_message", "last_error", "next_attempt_at",
                               "claimed_until"])
    obligations_recompute(ticket_ids=[outbox.ticket_id])
    reply_sent.send(sender=Outbox, outbox=outbox)
    return message


def _raw_mail_keep(outbox: Outbox, raw: bytes, at: datetime) -> int | None:
    """Keep the sent bytes under the key the ingest uses, so that the copy in the seller's
    Sent folder, fetched later, is a duplicate and not a second reply."""
    raw_mail, created = RawMail.objects.get_or_create(
        dedup_key=f"mid:{outbox.message_id[:900]}",
        defaults={"sha256": blob_put(raw), "size": len(raw), "source": f"outbox:{outbox.pk}",
                  "received_at": at, "status": RawMailStatus.STORED, "processed_at": at},
    )
    return raw_mail.pk if created else None


def _event(outbox: Outbox, kind: str, text: str, actor: object = None) -> None:
    TimelineEvent.objects.create(
        ticket=outbox.ticket, at=timezone.now(), actor=actor, kind=kind, text=text[:1000],
        data={"outbox": outbox.pk, "attempt": outbox.attempts},
    )


def _their_time(user: object, at: datetime) -> str:
    """``at`` in the zone of the user's pages, as the page would show it: the one they chose,
    else the server's ``TIME_ZONE``."""
    local = at.astimezone(reader_zone(user=user))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def outbox_alert_job(outbox_id: int) -> int:
    """Tell the author that a reply did not go (or may not have); how many mails went."""
    outbox = Outbox.objects.select_related("author", "ticket").filter(pk=outbox_id).first()
    if outbox is None or outbox.state == OutboxState.SENT or outbox.author is None:
        return 0
    if not outbox.author.email:
        return 0
    ticket = outbox.ticket
    if outbox.state == OutboxState.UNCERTAIN:
        what = "may not have reached the buyer"
    elif outbox.next_attempt_at:
        again = _their_time(outbox.author, outbox.next_attempt_at)
        what = f"was not sent; it is tried again at {again}"
    else:
        what = "was not sent, and is not tried again by itself"
    body = (f'Your reply "{outbox.subject}" on ticket #{ticket.pk} ({ticket.subject}) {what}.'
            f"\n\nReason: {outbox.last_error}\n")
    message = EmailMessage(
        subject=f"[Helpdesk] Reply on ticket #{ticket.pk} {what.split(';')[0]}", body=body,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[outbox.author.email],
    )
    return mailers.default.send_messages([message]) or 0
