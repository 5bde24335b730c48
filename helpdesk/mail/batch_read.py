"""Reading mail for the batch ingest: keep the bytes, parse, recognise; no database.

This can run one batch ahead in a child process (``KeepAhead``). Storing a batch keeps this
process busy. Writing to the raw store mostly waits on the disk, and parsing plus recognising
take about as long as storing. Threads can't overlap them: under the GIL a writer thread
waits for the busy parser after every system call. A second process can. Either way, all of
a batch's bytes are in the store before any of its rows are written."""

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from types import TracebackType

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from helpdesk.tickets.services import NewMessage

from .facts import message_new
from .models import RawMail, RawMailStatus
from .parse import ParsedMail, ParseError, parse_mail
from .raw_store import blob_put
from .recognise import Recognised, Ruleset, recognise
from .records import dedup_keys
from .trust import reply_doubt


@dataclass
class Recognition:
    parsed: ParsedMail
    found: Recognised
    new: NewMessage  # its attachments' bytes are in the store too


@dataclass
class KeptMail:
    source: str
    raw: bytes
    sha256: str
    keys: tuple[str, str]  # the dedup key, and the one for a reused Message-ID (or "")
    # None when it could not be parsed or recognised: it is quarantined with ``problem``.
    recognition: Recognition | None
    problem: str = ""
    # Its row when it was recorded before, still to be processed (``backlog``).
    raw_mail: RawMail | None = None
    # From a source only the seller's own mail comes from (``mail.trust``): files read by
    # ``mails_keep`` are; a recorded mail is what its row says.
    trusted: bool = True


# What a child sends back per mail: all but the source and the bytes, which the parent has.
_Result = tuple[str, tuple[str, str], Recognition | None, str]


def mails_keep(mails: list[tuple[str, bytes]], ruleset: Ruleset) -> list[KeptMail]:
    """Put every mail's bytes in the store (a RawStoreError propagates) and read it. These
    are an operator's files: a trusted source."""
    return _kept(mails, _keep(mails, ruleset))


def _keep(mails: list[tuple[str, bytes]], ruleset: Ruleset) -> list[_Result]:
    return [_keep_one(source, raw, ruleset) for source, raw in mails]


def _keep_one(source: str, raw: bytes, ruleset: Ruleset) -> _Result:
    sha256 = blob_put(raw)
    recognition, problem = _read(raw, ruleset, timezone.now(), source=source, trusted=True)
    message_id = recognition.parsed.message_id if recognition is not None else None
    return sha256, dedup_keys(raw, message_id), recognition, problem


def kept_read(raw_mail: RawMail, raw: bytes, ruleset: Ruleset) -> KeptMail:
    """A mail recorded before and still to be processed, read as ``mails_keep`` reads one.
    Received when it came in; a mail that was in quarantine, when it comes out: the agents
    could not see it before, and an agent's "No response required" marked meanwhile must not
    end its clock unseen (``sla.clock``)."""
    received_at = raw_mail.received_at
    if raw_mail.status == RawMailStatus.QUARANTINED or raw_mail.quarantine_reason:
        received_at = max(received_at, timezone.now())
    recognition, problem = _read(raw, ruleset, received_at, source=raw_mail.source,
                                 trusted=raw_mail.source_trusted)
    keys = (raw_mail.dedup_key, "")
    return KeptMail(raw_mail.source, raw, raw_mail.sha256, keys, recognition, problem, raw_mail,
                    raw_mail.source_trusted)


def _read(
    raw: bytes, ruleset: Ruleset, received_at: datetime, *, source: str, trusted: bool
) -> tuple[Recognition | None, str]:
    """(what the mail is, "") or (None, why it cannot be filed)."""
    try:
        parsed = parse_mail(raw)
    except ParseError as exc:
        return None, str(exc)
    except Exception as exc:  # a parser bug must cost a quarantine, never the batch
        return None, f"the parser failed: {type(exc).__name__}: {exc}"
    try:
        found = recognise(parsed, ruleset)
        new = message_new(parsed, found, received_at)
        new.untrusted_reason = reply_doubt(parsed=parsed, found=found, source=source,
                                           trusted=trusted)
    except (OperationalError, InterfaceError):
        raise  # the database is away (a rule noting its problem): not the mail's fault
    except Exception as exc:  # whatever it was, the mail is kept whole in quarantine
        return None, f"could not be recognised: {type(exc).__name__}: {exc}"
    # The storing process reads only the threading headers: the bodies, which are in
    # ``new`` as they will be stored, need not be sent to it twice.
    slim = replace(parsed, text="", html="", attachments=[], headers={})
    return Recognition(slim, found, new), ""


def _kept(mails: list[tuple[str, bytes]], results: list[_Result]) -> list[KeptMail]:
    return [
        KeptMail(source, raw, *result) for (source, raw), result in zip(mails, results, strict=True)
    ]


class KeepAhead:
    """``submit(mails, ruleset)`` starts ``mails_keep`` in a child process and returns a
    function that waits for it. Where fork is unavailable, ``submit`` does the work itself."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._ruleset_sent: Ruleset | None = None

    def __enter__(self) -> "KeepAhead":
        if "fork" in multiprocessing.get_all_start_methods():
            # Fork: the child inherits the settings (the raw store's directory) as they are.
            # The first task forks it now, before this process starts any thread.
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self._pool.submit(int).result()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def submit(
        self, mails: list[tuple[str, bytes]], ruleset: Ruleset
    ) -> Callable[[], list[KeptMail]]:
        if self._pool is None:
            kept = mails_keep(mails, ruleset)
            return lambda: kept
        # The rules go to the child with the first batch and again only when they change:
        # it keeps them, and the lines they remember (``Ruleset.begins_memo``), in between.
        sent = None if ruleset is self._ruleset_sent else ruleset
        self._ruleset_sent = ruleset
        future = self._pool.submit(_keep_in_reader, mails, sent)
        return lambda: _kept(mails, future.result())


# The reading child's rules: those of the last batch that brought any.
_reader_rules: list[Ruleset] = []


def _keep_in_reader(mails: list[tuple[str, bytes]], ruleset: Ruleset | None) -> list[_Result]:
    """``_keep`` in the reading child, with ``ruleset`` or, when None, the one it was sent
    before. It shares the parent's database connection by the fork and must never use it:
    a rule that runs out of time on a mail is logged there, and not noted on its row (which
    would write through that connection)."""
    if ruleset is not None:
        ruleset.note_problems = False
        _reader_rules[:] = [ruleset]
    return _keep(mails, _reader_rules[0])
