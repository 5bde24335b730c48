"""A reply asked for with an ``Idempotency-Key`` is queued at most once: the key is stored in
the same transaction as the reply, under a unique constraint, so a retried request (a
timeout on the client's side, a second worker racing the first) finds the first reply
instead of queueing another. The outbox's own claim keeps the send itself at most once."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.replies.models import Outbox, ReplyTemplate
from helpdesk.replies.services import reply_send
from helpdesk.tickets.models import Ticket

from .models import ReplyRequest

KEY_MAX = 200
KEY_MISSING = ("Give an Idempotency-Key header (any unique text up to 200 characters, e.g. a "
               "UUID): a retried request with the same key never sends twice.")
KEY_INVALID = "The Idempotency-Key must be 1 to 200 printable ASCII characters."
KEY_REUSED = ("This Idempotency-Key was already used for a different reply; use a new key "
              "for a new reply.")


class IdempotencyKeyError(Exception):
    """The key is missing, malformed, or names another request."""


@dataclass(frozen=True)
class Sent:
    outbox: Outbox
    replayed: bool  # True: the reply of an earlier request with this key


def key_check(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise IdempotencyKeyError(KEY_MISSING)
    if len(key) > KEY_MAX or not (key.isascii() and key.isprintable()):
        raise IdempotencyKeyError(KEY_INVALID)
    return key


def _fingerprint(ticket: Ticket, fields: dict) -> str:
    text = json.dumps({"ticket": ticket.pk, **fields}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _earlier(user: AbstractBaseUser, key: str, fingerprint: str) -> Sent | None:
    earlier = ReplyRequest.objects.select_related("outbox").filter(user=user, key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint:
        raise IdempotencyKeyError(KEY_REUSED)
    return Sent(outbox=earlier.outbox, replayed=True)


def reply_send_once(
    *, user: AbstractBaseUser, key: str, ticket: Ticket, subject: str, body: str,
    template: ReplyTemplate | None, language: str, override_reason: str | None,
    now: datetime | None = None,
) -> Sent:
    """``reply_send`` under ``key``: the first request queues the reply, every later one with
    the same key and content answers with it; other content under the key is refused."""
    now = now or timezone.now()
    fingerprint = _fingerprint(ticket, {
        "subject": subject, "body": body, "template": template.pk if template else None,
        "language": language, "override_reason": override_reason,
    })
    if (found := _earlier(user, key, fingerprint)) is not None:
        return found
    try:
        with transaction.atomic():
            outbox = reply_send(
                ticket=ticket, author=user, subject=subject, body=body, template=template,
                override_reason=override_reason, language=language, now=now,
            )
            ReplyRequest.objects.create(user=user, key=key, fingerprint=fingerprint,
                                        outbox=outbox, created_at=now)
    except IntegrityError:
        # A request with the same key committed first: its reply is the one (this one's
        # reply, and its send job, went with the rollback).
        found = _earlier(user, key, fingerprint)
        if found is None:
            raise
        return found
    return Sent(outbox=outbox, replayed=False)
