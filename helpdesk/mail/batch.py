"""Ingest many mails at once (``manage.py ingest``): what ``mail_ingest`` would store one mail
after the other, with a few queries per batch instead of some twenty per mail.

Every mail's bytes are kept, and it is parsed and recognised, first (``batch_read``). The new,
recognised mails go the batch way (``batch_store``). Any other mail (its Message-ID taken by a
stored mail or an earlier one in the batch, a parse or recognition error) goes through
``mail_ingest`` at its place in the order, so duplicates, reused Message-IDs and quarantine
behave exactly as for a single mail. If a batch insert fails (a value the database refuses, a
duplicate another process stored meanwhile: the dedup key's unique constraint is the final
guard), that run is rolled back and its mails go through ``mail_ingest`` one at a time, so
each mail still fails alone."""

import logging
from collections.abc import Iterable

from django.db import InterfaceError, OperationalError, transaction

from helpdesk.complaints.services import matcher_get

from .batch_read import KeptMail, mails_keep
from .batch_store import mails_store
from .models import RawMail
from .recognise import Ruleset, ruleset_get
from .services import IngestResult, mail_ingest, raw_mail_process

logger = logging.getLogger(__name__)


def mails_ingest(
    mails: Iterable[tuple[str, bytes]], *, ruleset: Ruleset | None = None
) -> list[IngestResult]:
    """Ingest ``(source, raw)`` mails in one transaction; one result per mail, in order."""
    ruleset = ruleset or ruleset_get()
    return kept_ingest(mails_keep(list(mails), ruleset, matcher_get()), ruleset=ruleset)


def kept_ingest(kept: list[KeptMail], *, ruleset: Ruleset) -> list[IngestResult]:
    """``mails_ingest`` for mails kept and read already (``mails_keep``)."""
    results: list[IngestResult] = []
    with transaction.atomic():
        taken = _keys_taken(kept)
        run: list[KeptMail] = []
        for mail in kept:
            # A mail recorded before holds its own key: nothing else can have taken it.
            free = mail.raw_mail is not None or not taken.intersection(mail.keys)
            if mail.recognition is not None and free:
                run.append(mail)
            else:
                # The database must hold the run before this mail is looked at on its own.
                results += _run_store(run, ruleset)
                run = []
                results.append(_one(mail, ruleset))
            taken.update(key for key in mail.keys if key)
        results += _run_store(run, ruleset)
    return results


def _keys_taken(mails: list[KeptMail]) -> set[str]:
    """The dedup keys of the batch that stored mails hold: a cheap first look that sends
    those mails the one-at-a-time way, where the unique constraint decides. A mail whose key
    is free is stored under it either way."""
    keys = {mail.keys[0] for mail in mails if mail.raw_mail is None}
    taken = RawMail.objects.filter(dedup_key__in=keys).order_by()
    return set(taken.values_list("dedup_key", flat=True))


def _run_store(run: list[KeptMail], ruleset: Ruleset) -> list[IngestResult]:
    if not run:
        return []
    try:
        with transaction.atomic():
            return mails_store(run)
    except (OperationalError, InterfaceError):
        raise  # the database is away: an infrastructure error, not a bad mail
    except Exception:
        logger.warning("storing %d mails at once failed; one at a time now", len(run),
                       exc_info=True)
        return [_one(mail, ruleset) for mail in run]


def _one(mail: KeptMail, ruleset: Ruleset) -> IngestResult:
    """The mail the one-mail way, which decides duplicates and quarantine mail by mail."""
    if mail.raw_mail is not None:
        return raw_mail_process(raw_mail_id=mail.raw_mail.pk, ruleset=ruleset)
    return mail_ingest(raw=mail.raw, source=mail.source, ruleset=ruleset)
