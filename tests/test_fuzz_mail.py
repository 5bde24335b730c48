"""Fuzzing the mail parser and the ingest with Hypothesis: real mails (the fixtures and the
shared corpora) mutated the ways broken senders and attackers break mail — bytes flipped,
cut off, headers repeated or huge, charsets and transfer encodings that do not exist, parts
nested deep, boundaries lost, NUL bytes and stray CRs. Every mail must end stored or
quarantined with a reason (or as a duplicate of one that is), its bytes retrievable and
identical; nothing may raise.

The suite runs a fixed, repeatable budget. A longer run (figures in docs/SECURITY.md):
``FUZZ_EXAMPLES=20000 .venv/bin/pytest -q -p no:cacheprovider tests/test_fuzz_mail.py``."""

import os
from datetime import timedelta
from functools import cache
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mails import CORPORA, FIXTURE_MAIL

from helpdesk.mail.backlog import backlog_process, mail_receive
from helpdesk.mail.models import RawMail, RawMailStatus
from helpdesk.mail.parse import ParsedMail, ParseError, parse_mail
from helpdesk.mail.raw_store import blob_get, blob_key
from helpdesk.mail.services import Outcome, mail_ingest

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
# The suite's budget: repeatable (derandomized) and a few seconds; FUZZ_EXAMPLES for more.
BUDGET = settings(
    max_examples=EXAMPLES or 150,
    deadline=timedelta(seconds=10),
    derandomize=not EXAMPLES,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
SEED_MAX_BYTES = 200_000


@cache
def seeds() -> tuple[bytes, ...]:
    paths = sorted(FIXTURE_MAIL.rglob("*.eml"))
    if CORPORA.is_dir():
        paths += sorted(p for p in CORPORA.rglob("*") if p.is_file())
    found = tuple(p.read_bytes() for p in paths
                  if p.suffix.lower() not in {".md", ".txt", ".json"}
                  and 0 < p.stat().st_size <= SEED_MAX_BYTES)
    assert len(found) >= 60, "the fixture mails are expected under fixtures/mail/"
    return found


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(sep)
        if found:
            return head, sep, body
    return raw, b"", b""


# Each takes (raw, draw) and returns the mutated raw.
def flip_bytes(raw: bytes, draw) -> bytes:
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 20))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def truncate(raw: bytes, draw) -> bytes:
    return raw[: draw(st.integers(0, len(raw)))]


def cut_out(raw: bytes, draw) -> bytes:
    start = draw(st.integers(0, len(raw)))
    return raw[:start] + raw[start + draw(st.integers(0, 5000)):]


def insert_bytes(raw: bytes, draw) -> bytes:
    at = draw(st.integers(0, len(raw)))
    return raw[:at] + draw(st.binary(min_size=1, max_size=200)) + raw[at:]


def duplicate_headers(raw: bytes, draw) -> bytes:
    head, sep, body = _split(raw)
    lines = head.splitlines(keepends=True)
    if not lines:
        return raw
    line = lines[draw(st.integers(0, len(lines) - 1))]
    return b"".join(lines) + line * draw(st.integers(1, 50)) + sep + body


HEADERS = [b"From", b"To", b"Subject", b"Message-ID", b"In-Reply-To", b"References", b"Date",
           b"Received", b"Content-Type", b"Content-Transfer-Encoding", b"Reply-To",
           b"Content-Disposition", b"Content-Language", b"Auto-Submitted"]
VALUES = [
    b"text/plain; charset=x-no-such-charset", b"text/html; charset=\"utf-7\"",
    b"multipart/mixed", b"multipart/alternative; boundary=\"\"",
    b"multipart/mixed; boundary=\"" + b"b" * 5000 + b"\"",
    b"quoted-printable", b"base64", b"x-uuencode", b"8bit", b"binary", b"x-bogus",
    b"=?utf-8?B?!!!notbase64?=", b"=?x-unknown?Q?=E4=F6?=", b"=?utf-8?Q?=FF=FE=00?=",
    b"=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=", b"<\x00nul@x>", b"<a@b> <c@d> <" + b"e" * 3000 + b">",
    b"Mon, 99 Foo 20260 99:99:99 +9999", b"Thu, 01 Jan 1970 00:00:00 -0000",
    b"Sat, 31 Dec 9999 23:59:59 -1400", b"attachment; filename*=utf-8''%FF%FE%00.exe",
    b"attachment; filename=\"=?utf-8?B?" + b"QUFB" * 2000 + b"?=\"",
    b"\"Eve \\\"><script>alert(1)</script>\" <eve@example.com>",
    b"x" * 100_000, b"", b"\r", b"\xff\xfe\xfd", b"a@b.c, " * 2000,
]


def bogus_header(raw: bytes, draw) -> bytes:
    head, sep, body = _split(raw)
    name, value = draw(st.sampled_from(HEADERS)), draw(st.sampled_from(VALUES))
    line = name + b": " + value + b"\r\n"
    if draw(st.booleans()):
        return line + head + (sep or b"\r\n\r\n") + body
    return head + b"\r\n" + line + (sep or b"\r\n\r\n") + body


def nest_multipart(raw: bytes, draw) -> bytes:
    depth = draw(st.integers(1, 60))
    broken = draw(st.booleans())
    head, sep, body = _split(raw)
    parts = body
    for level in range(depth):
        boundary = f"b{level}".encode()
        closing = b"" if broken else b"\r\n--" + boundary + b"--\r\n"
        parts = (b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--"
                 + boundary + b"\r\n" + parts + closing)
    return head + b"\r\nMIME-Version: 1.0\r\n" + parts


def huge_header(raw: bytes, draw) -> bytes:
    size = draw(st.sampled_from([998, 10_000, 200_000]))
    folded = draw(st.booleans())
    value = (b"word " * (size // 5)) if not folded else b"\r\n ".join([b"w" * 70] * (size // 72))
    name = draw(st.sampled_from([b"Subject", b"X-Long", b"References", b"From"]))
    return name + b": " + value + b"\r\n" + raw


def line_endings(raw: bytes, draw) -> bytes:
    choice = draw(st.sampled_from([b"\r", b"\r\r\n", b"\n\r", b"\x85", b"\r\n\r\n"]))
    return raw.replace(b"\n", choice)


def nul_and_controls(raw: bytes, draw) -> bytes:
    head, sep, body = _split(raw)
    junk = draw(st.sampled_from([b"\x00", b"\x0b", b"\x1b[31m", b"\xed\xa0\x80", b"\x7f"]))
    return head.replace(b": ", b": " + junk, 3) + sep + body.replace(b" ", junk, 50)


MUTATIONS = [flip_bytes, truncate, cut_out, insert_bytes, duplicate_headers, bogus_header,
             nest_multipart, huge_header, line_endings, nul_and_controls]


@st.composite
def broken_mails(draw) -> bytes:
    raw = draw(st.sampled_from(seeds()))
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        raw = mutation(raw, draw)
    return raw


@BUDGET
@given(raw=broken_mails())
def test_the_parser_reads_or_refuses_every_broken_mail(raw):
    try:
        parsed = parse_mail(raw)
    except ParseError as exc:
        assert str(exc)  # the reason quarantine shows
        return
    assert isinstance(parsed, ParsedMail)
    assert isinstance(parsed.subject, str) and len(parsed.subject) <= 500
    assert all(isinstance(a.data, bytes) for a in parsed.attachments)


@pytest.mark.django_db
@BUDGET
@given(raw=broken_mails())
def test_every_broken_mail_is_kept_stored_or_quarantined(raw):
    result = mail_ingest(raw=raw, source="fuzz")  # nothing may raise
    assert blob_get(blob_key(raw)) == raw  # the bytes are kept, whatever happened next
    assert result.outcome in (Outcome.STORED, Outcome.QUARANTINED, Outcome.DUPLICATE)
    raw_mail = RawMail.objects.get(pk=result.raw_mail_id)
    if result.outcome == Outcome.DUPLICATE:
        return  # the same mail (Message-ID and body) was kept before
    assert raw_mail.sha256 == blob_key(raw) and raw_mail.size == len(raw)
    if result.outcome == Outcome.QUARANTINED:
        assert raw_mail.status == RawMailStatus.QUARANTINED and raw_mail.quarantine_reason
    else:
        assert raw_mail.status == RawMailStatus.STORED
        assert raw_mail.message.raw_id == raw_mail.pk


@pytest.mark.django_db
def test_the_seeds_themselves_go_through():
    outcomes = [mail_ingest(raw=raw, source="seed").outcome for raw in seeds()]
    assert outcomes.count(Outcome.STORED) >= 60


_intact_ids = count()


@cache
def fixture_seeds() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in sorted(FIXTURE_MAIL.rglob("*.eml")))


@pytest.mark.django_db
@BUDGET
@given(
    broken=st.lists(broken_mails(), min_size=1, max_size=6),
    intact=st.lists(st.sampled_from(fixture_seeds()), min_size=1, max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_the_whole_pipeline_files_the_good_mail_around_the_broken(broken, intact, order):
    """Broken and intact mail mixed, kept as the webhook keeps it and filed by one backlog
    run: every mail ends filed, quarantined with a reason or a duplicate; none is left
    waiting, and every intact mail is filed whatever broken mail shares its batch."""
    # Each intact mail under a Message-ID of its own, so no broken copy can take its key.
    intact = [f"Message-ID: <intact-{next(_intact_ids)}@fuzz.example>\r\n".encode() + raw
              for raw in intact]
    mails = broken + intact
    order.shuffle(mails)
    results = [mail_receive(raw=raw, source="fuzz") for raw in mails]
    backlog_process()  # nothing may raise
    rows = RawMail.objects.filter(pk__in=[r.raw_mail_id for r in results])
    assert not rows.filter(status=RawMailStatus.RECEIVED).exists()
    assert not rows.filter(status=RawMailStatus.QUARANTINED, quarantine_reason="").exists()
    for raw in intact:
        assert RawMail.objects.get(sha256=blob_key(raw)).status == RawMailStatus.STORED
