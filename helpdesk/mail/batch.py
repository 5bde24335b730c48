"""The one way mail is filed: a batch of kept, read mails (``batch_read``) → duplicates and
quarantine decided → the rest stored with a few set-based queries (``batch_store``).

A single mail is a batch of one. Duplicates are decided by the dedup keys (a repeated
Message-ID with the same body, or the same bytes without one); a different mail reusing a
Message-ID is kept under a key of its own. A mail that could not be parsed or recognised is
quarantined whole with the reason. If storing the batch fails (a value the database refuses,
a duplicate another process stored meanwhile: the dedup key's unique constraint is the final
guard), the batch is split in halves until the mail that fails is alone: it is quarantined
(or found a duplicate), and the mail around it is filed."""

import logging
import operator
from dataclasses import replace
from functools import reduce

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from helpdesk.db import row_new
from helpdesk.tickets.rethread import threads_lock

from .batch_read import KeptMail, kept_read
from .batch_store import mails_store, mails_trusted
from .models import RawMail, RawMailStatus
from .parse import storable
from .raw_store import blob_get
from .recognise import ruleset_get
from .records import (
    FINGERPRINT_SUFFIX,
    IngestResult,
    Outcome,
    key_choose,
    keys_held,
    raw_mail_quarantine,
)

logger = logging.getLogger(__name__)

# At most this many bytes of mail a batch, however many mails a caller's batch may hold (a
# mail larger on its own is a batch of one): a folder or backlog of buyers' photos, a few MB
# a mail, made batches of gigabytes, held while read ahead, sent to the reading child and
# stored. Far above a thousand ordinary mails (some 3 MB).
BATCH_BYTES = 64 * 1024 * 1024


def batch_has_room(*, taken: int, held: int, size: int) -> bool:
    """Whether a batch of ``taken`` mails, ``held`` bytes in all, takes a mail of ``size``
    bytes more: within ``BATCH_BYTES``, and the first mail whatever its size."""
    return taken == 0 or held + size <= BATCH_BYTES


def kept_ingest(kept: list[KeptMail]) -> list[IngestResult]:
    """File mails kept and read already, in one transaction; one result per mail, in order."""
    results: list[IngestResult | None] = [None] * len(kept)
    with transaction.atomic():
        threads_lock()  # from here until the commit, no other process files mail
        holders = _holders(kept)
        filed = _filed_meanwhile(kept)
        run: list[tuple[int, KeptMail]] = []
        duplicates: list[tuple[int, str]] = []
        vouched: list[str] = []  # keys of mail a trusted source sent again
        for index, mail in enumerate(kept):
            if mail.raw_mail is not None and mail.raw_mail.pk in filed:
                results[index] = IngestResult(Outcome.DUPLICATE, mail.raw_mail.pk)
                continue
            if mail.raw_mail is None:
                key, duplicate = _key_free(mail, holders)
                if duplicate:
                    duplicates.append((index, key))
                    if mail.trusted:
                        vouched.append(key)
                    continue
                mail = replace(mail, keys=(key, ""))
            if mail.recognition is None:
                results[index] = _quarantine(mail, mail.problem or "could not be read")
                continue
            run.append((index, mail))
        for index, result in _store_split(run):
            results[index] = result
        # After the run: the first copy may be in it. One query for them all: a backlog
        # imported again is nothing but repeats.
        repeated = _kept_under({key for _, key in duplicates})
        for index, key in duplicates:
            results[index] = IngestResult(Outcome.DUPLICATE, repeated.get(key))
        if vouched:
            mails_trusted(raw_mail_ids=list(
                RawMail.objects.filter(dedup_key__in=vouched).values_list("pk", flat=True)
            ))
        # After the vouching: a quarantined mail a trusted copy repeats is filed as trusted.
        for index, result in _quarantined_refile(kept, duplicates, holders):
            results[index] = result
    return results  # type: ignore[return-value]


def _quarantined_refile(
    kept: list[KeptMail], duplicates: list[tuple[int, str]], holders: "Held"
) -> list[tuple[int, IngestResult]]:
    """A readable copy of a mail kept in quarantine files it, as the quarantine retry would:
    its first copy failed for a reason of its own (its bytes gone from the store, a run that
    died, a rule since fixed), and the same mail fetched again from the mailbox or the files
    was a duplicate of nothing the seller could see. Filed under its first row, received
    now, as every mail out of quarantine (``kept_read``). A copy still unreadable stays a
    duplicate of the quarantined one. Either way the copy is a duplicate (of the mail kept
    first, its row and its bytes)."""
    readable = {key: index for index, key in reversed(duplicates)
                if kept[index].recognition is not None}
    if not readable:
        return []
    rows = RawMail.objects.filter(dedup_key__in=readable, status=RawMailStatus.QUARANTINED)
    refile: list[tuple[int, KeptMail]] = []
    ruleset = None
    for row in rows.order_by("pk"):
        index = readable[row.dedup_key]
        copy = kept[index]
        if not any(key == row.dedup_key and raw is not None
                   for key, raw in holders.get(copy.keys[0], [])):
            # Its own bytes are gone from the store: the copy's bytes are the mail's now.
            row.sha256, row.size = copy.sha256, len(copy.raw)
            row.save(update_fields=["sha256", "size"])
        ruleset = ruleset or ruleset_get()
        refile.append((index, kept_read(row, copy.raw, ruleset)))
    # Still a duplicate of the mail kept first (its row, its bytes); now with its message.
    return [
        (index, replace(result, outcome=Outcome.DUPLICATE, reason=""))
        for index, result in _store_split(refile)
    ]


def _filed_meanwhile(mails: list[KeptMail]) -> set[int]:
    """The recorded mails of the batch that another process filed since they were read (two
    "process again" at once, a retry beside the backlog): filed a second time, the message's
    unique link to its mail refused it and the mail was quarantined, though in its ticket."""
    recorded = [mail.raw_mail.pk for mail in mails if mail.raw_mail is not None]
    if not recorded:
        return set()
    return set(RawMail.objects.filter(pk__in=recorded, status=RawMailStatus.STORED)
               .values_list("pk", flat=True))


# Per first dedup key: every mail kept under it, (its key, its bytes).
Held = dict[str, list[tuple[str, bytes | None]]]


def _holders(mails: list[KeptMail]) -> Held:
    """Per first dedup key of the batch that stored mails hold: every mail kept under it
    (by Message-ID, the other mails reusing it too), by key, with its bytes (None: gone).

    Nearly every such mail repeats the first one kept under its key (the same mail fetched
    again, or by another door): the others under a Message-ID are looked up only for the
    mails the first does not account for, a few keys a statement, by the unique index."""
    firsts = {mail.keys[0] for mail in mails if mail.raw_mail is None}
    held: Held = {
        key: [(key, _bytes(sha256))]
        for key, sha256 in RawMail.objects.filter(dedup_key__in=firsts).order_by("pk")
        .values_list("dedup_key", "sha256")
    }
    unmatched = sorted({
        mail.keys[0] for mail in mails
        if mail.raw_mail is None and mail.keys[1] and mail.keys[0] in held
        and not key_choose(mail.keys, mail.raw, held[mail.keys[0]])[1]
    })
    for start in range(0, len(unmatched), _KEYS_PER_LOOKUP):
        chunk = unmatched[start:start + _KEYS_PER_LOOKUP]
        for key, sha256 in RawMail.objects.filter(
            reduce(operator.or_, (keys_held(first, itself=False) for first in chunk))
        ).order_by("pk").values_list("dedup_key", "sha256"):
            held[key[:-len(FINGERPRINT_SUFFIX)]].append((key, _bytes(sha256)))
    return held


# Each key is two comparisons in the statement: SQLite refuses an expression deeper than
# 1,000 terms, which a batch of mail fetched again reached at some 500 keys.
_KEYS_PER_LOOKUP = 100


def _bytes(sha256: str) -> bytes | None:
    try:
        return blob_get(sha256)
    except OSError:
        return None  # its bytes are gone from the store: a new mail is kept, not judged by it


def _key_free(mail: KeptMail, holders: Held) -> tuple[str, bool]:
    """(the key ``mail`` is kept under, False), or (the key of the mail it repeats, True);
    ``holders`` learns of the mail kept."""
    first = mail.keys[0]
    if first not in holders:
        holders[first] = [(first, mail.raw)]
        return first, False
    key, duplicate = key_choose(mail.keys, mail.raw, holders[first])
    if not duplicate:
        holders[first].append((key, mail.raw))
    return key, duplicate


def _kept_under(keys: set[str]) -> dict[str, int]:
    """Dedup key → the id of the mail kept under it."""
    if not keys:
        return {}
    return dict(RawMail.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk"))


def _duplicate(key: str) -> IngestResult:
    return IngestResult(Outcome.DUPLICATE, _kept_under({key}).get(key))


def _quarantine(mail: KeptMail, reason: str) -> IngestResult:
    row = mail.raw_mail or row_new(
        RawMail, dedup_key=mail.keys[0], sha256=mail.sha256, size=len(mail.raw),
        source=storable(mail.source)[:300], received_at=timezone.now(), source_trusted=mail.trusted,
    )
    if row.pk is None:
        row.save(force_insert=True)
    return raw_mail_quarantine(row, reason)


def _store_split(
    run: list[tuple[int, KeptMail]], *, again: bool = True
) -> list[tuple[int, IngestResult]]:
    """Store ``run``; if that fails, each half on its own, down to the one mail that fails."""
    if not run:
        return []
    try:
        with transaction.atomic():
            stored = mails_store([mail for _, mail in run])
        return [(index, result) for (index, _), result in zip(run, stored, strict=True)]
    except (OperationalError, InterfaceError):
        raise  # the database is away: an infrastructure error, not a bad mail
    except IntegrityError as exc:
        if again:
            # Another process stored the same buyer, order or mail meanwhile (its row is
            # committed now): the run is resolved against it once more before any mail is
            # blamed.
            return _store_split(run, again=False)
        failure: Exception = exc
    except Exception as exc:
        failure = exc
    if len(run) > 1:
        logger.warning("storing %d mails at once failed (%s); in halves now", len(run), failure)
        middle = len(run) // 2
        return _store_split(run[:middle]) + _store_split(run[middle:])
    index, mail = run[0]
    if mail.raw_mail is None and RawMail.objects.filter(dedup_key=mail.keys[0]).exists():
        # Stored meanwhile by another (the webhook or a mailbox, which keep mail without
        # waiting for the filing lock): a trusted copy vouches for it, as when it came second.
        if mail.trusted:
            mails_trusted(raw_mail_ids=list(
                RawMail.objects.filter(dedup_key=mail.keys[0]).values_list("pk", flat=True)
            ))
        return [(index, _duplicate(mail.keys[0]))]
    logger.error("a mail could not be stored", exc_info=failure)
    reason = f"could not be stored: {type(failure).__name__}: {failure}"
    return [(index, _quarantine(mail, reason))]
