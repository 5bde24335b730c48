"""The outbox: a reply is saved with its Message-ID and addressing first, then a job sends it
(``sending.py``). Also the periodic retry and an agent's decision on an uncertain delivery."""

from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from helpdesk import jobs
from helpdesk.mail.raw_store import blob_put
from helpdesk.tickets.models import Message, Ticket, TimelineEvent

from .addressing import reply_addressing
from .errors import NOT_FAILED, NOT_UNCERTAIN, REASON_REQUIRED, ReplyError
from .models import Outbox, OutboxAttachment, OutboxState, ReplyTemplate
from .sending import CLAIMABLE, outbox_mark_sent, outbox_send_job


@dataclass
class NewAttachment:
    filename: str
    content_type: str
    data: bytes


def outbox_create(
    *, ticket: Ticket, author: AbstractBaseUser | None, subject: str, body: str,
    template: ReplyTemplate | None = None, language: str = "",
    attachments: tuple[NewAttachment, ...] = (), findings: list[dict] | None = None,
    override_reason: str = "", now: datetime | None = None,
) -> Outbox:
    """Save the reply, then hand it to the send job once this transaction commits."""
    now = now or timezone.now()
    address = reply_addressing(ticket=ticket)
    outbox = Outbox.objects.create(
        ticket=ticket, author=author, template=template, language=language,
        subject=subject[:500], body=body,
        message_id=make_msgid(idstring="reply", domain=address.sender.rpartition("@")[2]),
        from_address=address.sender, to_address=address.to, in_reply_to=address.in_reply_to,
        references=" ".join(address.references), next_attempt_at=now,
        findings=findings or [], override_reason=override_reason, created_at=now,
    )
    OutboxAttachment.objects.bulk_create(
        OutboxAttachment(outbox=outbox, filename=a.filename[:255], content_type=a.content_type,
                         size=len(a.data), sha256=blob_put(a.data))
        for a in attachments
    )
    who = _name(author)
    TimelineEvent.objects.create(
        ticket=ticket, at=now, actor=author, kind="reply_queued",
        text=f"Reply queued by {who}: {subject}"[:1000], data={"outbox": outbox.pk},
    )
    jobs.enqueue(outbox_send_job, outbox.pk, queue="mail")
    return outbox


@dataclass
class RetryResult:
    enqueued: int = 0
    confirmed_by_copy: int = 0


def outbox_retry(*, now: datetime | None = None) -> RetryResult:
    """The periodic run: queue an attempt for every row whose time has come (a retried
    failure, a queued row whose job was lost, a 'sending' row whose attempt died). Safe to
    run late, twice or concurrently: each attempt claims its row first."""
    now = now or timezone.now()
    result = RetryResult(confirmed_by_copy=_confirm_by_copy())
    due = Outbox.objects.filter(
        Q(state__in=CLAIMABLE, next_attempt_at__lte=now)
        | Q(state=OutboxState.SENDING, claimed_until__lt=now)
    ).values_list("pk", flat=True)
    for pk in list(due):
        jobs.enqueue(outbox_send_job, pk, now, queue="mail")
        result.enqueued += 1
    return result


def _confirm_by_copy() -> int:
    """An uncertain reply whose copy came back through the ingest (the seller's Sent folder)
    did arrive at the server: record it as sent."""
    confirmed = 0
    for outbox in Outbox.objects.filter(state=OutboxState.UNCERTAIN).select_related("ticket"):
        copy = Message.objects.filter(ticket=outbox.ticket, message_id=outbox.message_id).first()
        if copy is not None:
            with transaction.atomic():
                outbox_mark_sent(outbox, at=copy.sent_at, raw=None)
                _event(outbox, None, "reply_confirmed",
                       "Reply delivered: its copy was found in the seller's mailbox")
            confirmed += 1
    return confirmed


def outbox_retry_now(*, outbox_ids: list[int], now: datetime | None = None) -> int:
    """Try these failed or queued rows at once (the admin's and the ticket page's button)."""
    now = now or timezone.now()
    ids = list(
        Outbox.objects.filter(pk__in=outbox_ids, state__in=CLAIMABLE).values_list("pk", flat=True)
    )
    Outbox.objects.filter(pk__in=ids).update(next_attempt_at=now)
    for pk in ids:
        jobs.enqueue(outbox_send_job, pk, now, queue="mail")
    return len(ids)


def outbox_retry_failed(*, outbox: Outbox, user: AbstractBaseUser,
                        now: datetime | None = None) -> Outbox:
    """An agent's "Retry now" on a failed reply: one attempt at once, whatever its backoff
    said (also after the last automatic attempt). The outcome is read back for the page."""
    now = now or timezone.now()
    with transaction.atomic():
        row = Outbox.objects.select_for_update().select_related("ticket").get(pk=outbox.pk)
        if row.state != OutboxState.FAILED:
            raise ReplyError(NOT_FAILED)
        _event(row, user, "reply_retry", f"Reply retried by {_name(user)}")
        outbox_retry_now(outbox_ids=[row.pk], now=now)
    row.refresh_from_db()
    return row


def outbox_supersede(*, outbox: Outbox, user: AbstractBaseUser | None) -> Outbox:
    """A failed reply the agent edits and sends again: it is kept, marked replaced, and never
    sent (its retries stop). Inside the transaction that queues the new one."""
    row = Outbox.objects.select_for_update().select_related("ticket").get(pk=outbox.pk)
    if row.state != OutboxState.FAILED:
        raise ReplyError(NOT_FAILED)
    row.state, row.next_attempt_at = OutboxState.REPLACED, None
    row.save(update_fields=["state", "next_attempt_at"])
    _event(row, user, "reply_replaced",
           f"Failed reply replaced by an edited one from {_name(user)}: {row.subject}")
    return row


@transaction.atomic
def outbox_confirm_delivered(
    *, outbox: Outbox, user: AbstractBaseUser, note: str = ""
) -> Outbox:
    """An agent saw that an uncertain reply did arrive (e.g. in Seller Central's history)."""
    outbox = Outbox.objects.select_for_update().select_related("ticket").get(pk=outbox.pk)
    if outbox.state != OutboxState.UNCERTAIN:
        raise ReplyError(NOT_UNCERTAIN)
    # The server was taking it when the attempt broke off: the best time we have.
    outbox_mark_sent(outbox, at=outbox.data_started_at or timezone.now(), raw=None)
    text = f"Reply delivery confirmed by {_name(user)}" + (f": {note}" if note else "")
    _event(outbox, user, "reply_confirmed", text)
    return outbox


@transaction.atomic
def outbox_send_again(*, outbox: Outbox, user: AbstractBaseUser, reason: str) -> Outbox:
    """An agent decides an uncertain reply did not arrive: send it again, knowingly (the buyer
    may get it twice), with the reason on the timeline."""
    if not reason.strip():
        raise ReplyError(REASON_REQUIRED)
    outbox = Outbox.objects.select_for_update().select_related("ticket").get(pk=outbox.pk)
    if outbox.state != OutboxState.UNCERTAIN:
        raise ReplyError(NOT_UNCERTAIN)
    outbox.state, outbox.next_attempt_at = OutboxState.QUEUED, timezone.now()
    outbox.claim_token, outbox.claimed_until = "", None
    outbox.save(update_fields=["state", "next_attempt_at", "claim_token", "claimed_until"])
    _event(outbox, user, "reply_send_again",
           f"Reply sent again by {_name(user)} although it may have arrived: {reason}")
    jobs.enqueue(outbox_send_job, outbox.pk, queue="mail")
    return outbox


def _event(outbox: Outbox, actor: AbstractBaseUser | None, kind: str, text: str) -> None:
    TimelineEvent.objects.create(
        ticket=outbox.ticket, at=timezone.now(), actor=actor, kind=kind, text=text[:1000],
        data={"outbox": outbox.pk},
    )


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "the system"
    return user.get_full_name().strip() or user.get_username()
