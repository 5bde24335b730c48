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

from django.utils import timezone

from helpdesk.complaints.services import Matcher, TextHits, complaint_text
from helpdesk.tickets.models import Direction
from helpdesk.tickets.services import NewMessage

from .models import RawMail
from .parse import ParsedMail, ParseError, parse_mail
from .raw_store import blob_put
from .recognise import Recognised, Ruleset, recognise
from .services import dedup_keys, message_new


@dataclass
class Recognition:
    parsed: ParsedMail
    found: Recognised
    new: NewMessage  # its attachments' bytes are in the store too
    # What the complaint rules find in a buyer's message (the key and hits the matcher
    # remembers): worked out here, so that the storing process need not.
    complaint: tuple[tuple[str, bytes], TextHits] | None = None


@dataclass
class KeptMail:
    source: str
    raw: bytes
    sha256: str
    keys: tuple[str, str]  # the dedup key, and the one for a reused Message-ID (or "")
    # None when it could not be parsed or recognised: mail_ingest quarantines it with why.
    recognition: Recognition | None
    # Its row when it was recorded before, still to be processed (``backlog``).
    raw_mail: RawMail | None = None


# What a child sends back per mail: all but the source and the bytes, which the parent has.
_Result = tuple[str, tuple[str, str], Recognition | None]


def mails_keep(
    mails: list[tuple[str, bytes]], ruleset: Ruleset, matcher: Matcher | None = None
) -> list[KeptMail]:
    """Put every mail's bytes in the store (a RawStoreError propagates) and read it."""
    return _kept(mails, _keep([raw for _, raw in mails], ruleset, matcher))


def _keep(raws: list[bytes], ruleset: Ruleset, matcher: Matcher | None) -> list[_Result]:
    return [_keep_one(raw, ruleset, matcher) for raw in raws]


def _keep_one(raw: bytes, ruleset: Ruleset, matcher: Matcher | None) -> _Result:
    sha256 = blob_put(raw)
    try:
        parsed = parse_mail(raw)
    except ParseError:
        return sha256, dedup_keys(raw, None), None
    return sha256, dedup_keys(raw, parsed), _recognition(parsed, ruleset, matcher)


def kept_read(
    raw_mail: RawMail, raw: bytes, ruleset: Ruleset, matcher: Matcher | None
) -> KeptMail:
    """A mail recorded before and still ``received``, read as ``mails_keep`` reads one."""
    try:
        parsed = parse_mail(raw)
    except ParseError:
        recognition = None
    else:
        recognition = _recognition(parsed, ruleset, matcher, raw_mail.received_at)
    keys = (raw_mail.dedup_key, "")
    return KeptMail(raw_mail.source, raw, raw_mail.sha256, keys, recognition, raw_mail)


def _recognition(
    parsed: ParsedMail, ruleset: Ruleset, matcher: Matcher | None,
    received_at: datetime | None = None,
) -> Recognition | None:
    try:
        found = recognise(parsed, ruleset)
        new = message_new(parsed, found, received_at or timezone.now())
        complaint = None
        if matcher is not None and new.direction == Direction.IN:
            text = complaint_text(new.subject, new.buyer_text)
            complaint = (
                matcher.text_key(new.language, text), matcher.text_hits(new.language, text)
            )
        # The storing process reads only the threading headers: the bodies, which are in
        # ``new`` as they will be stored, need not be sent to it twice.
        slim = replace(parsed, text="", html="", attachments=[], headers={})
        return Recognition(slim, found, new, complaint)
    except Exception:
        return None  # whatever it was, mail_ingest meets it again and quarantines the mail


def _kept(mails: list[tuple[str, bytes]], results: list[_Result]) -> list[KeptMail]:
    return [
        KeptMail(source, raw, *result) for (source, raw), result in zip(mails, results, strict=True)
    ]


class KeepAhead:
    """``submit(mails, ruleset)`` starts ``mails_keep`` in a child process and returns a
    function that waits for it. Where fork is unavailable, ``submit`` does the work itself.
    The complaint ``matcher`` is handed over once: it learns each word's keywords as it goes,
    which a copy sent with every batch would forget."""

    def __init__(self, matcher: Matcher | None = None) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._matcher = matcher

    def __enter__(self) -> "KeepAhead":
        if "fork" in multiprocessing.get_all_start_methods():
            # Fork: the child inherits the settings (the raw store's directory) as they are.
            # The first task forks it now, before this process starts any thread.
            self._pool = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("fork"),
                initializer=_reader_start, initargs=(self._matcher,),
            )
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
            kept = mails_keep(mails, ruleset, self._matcher)
            return lambda: kept
        future = self._pool.submit(_keep_in_reader, [raw for _, raw in mails], ruleset)
        return lambda: _kept(mails, future.result())


# The reading child's complaint matcher, set once when it starts.
_reader_matcher: Matcher | None = None


def _reader_start(matcher: Matcher | None) -> None:
    global _reader_matcher
    _reader_matcher = matcher


def _keep_in_reader(raws: list[bytes], ruleset: Ruleset) -> list[_Result]:
    return _keep(raws, ruleset, _reader_matcher)
