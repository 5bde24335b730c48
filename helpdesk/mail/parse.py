"""Bytes → ParsedMail: a plain value with what the rest of the product needs from a mail.

Uses the standard library's lenient ``compat32`` parser: it accepts the broken MIME that real
mail carries, and header decoding is done here so that one bad header cannot sink a mail.
"""

import base64
import binascii
import email
import email.errors
import email.feedparser
import email.policy
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import lru_cache

from .charsets import charset_decode, codecs_for
from .text import html_strip, html_to_text, html_too_costly


class ParseError(Exception):
    """The bytes are not a mail we can read; the reason is shown in quarantine."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    reply_to: str
    to_addresses: list[str]
    date: datetime | None
    received_dates: list[datetime]
    headers: dict[str, str]
    text: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)


# Headers the recognisers may look at, lower-cased.
KEPT_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "precedence",
    "x-auto-response-suppress",
    "x-space-notification-type",
    "x-amazon-mail-relay-type",
    "x-original-messageid",
    "content-language",
    "return-path",
    # The topmost one is the seller's own mail server's verdict (RFC 8601): ``mail.trust``.
    "authentication-results",
)
# Control characters are no part of an id; NUL would also be refused by PostgreSQL in the
# dedup key, and the mail would then have no row at all. Nor is an id longer than a header
# line (998, RFC 5322), the columns' width: PostgreSQL refused the mail's rows for it.
_MSGID = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,996}>")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.MULTILINE)
# How the parser keeps a header byte above 0x7f: a lone surrogate U+DC80..U+DCFF.
_HAS_RAW_BYTES = re.compile("[\udc80-\udcff]")


# How much of a header value is read. The email package decodes encoded words, and splits a
# MIME header into parameters, in time that grows with the square of their number: 1.7 MB
# of encoded words in a subject took 11 s, 2.5 MB of parameters 36 s, and 25 MB (the
# webhook's limit) hours. Real headers stay far below: a To list of a thousand people, a
# References chain of a thousand ids; a Content-Type or Content-Disposition holds a few
# parameters (a 255-character file name spelled in RFC 2231 percent escapes is 2.5 KB).
HEADER_VALUE_MAX = 64 * 1024
PARAMETER_HEADER_MAX = 8 * 1024
_PARAMETER_HEADERS = frozenset({"content-type", "content-disposition"})
# RFC 5322 allows one To header; a broken mailer may write a second, nobody thousands.
TO_HEADERS_READ = 10


class _BoundedHeaders(email.policy.Compat32):
    """compat32, with every header value cut to its bound as the parser reads it, before the
    parser itself looks for a multipart boundary among its parameters."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        key = name.strip().lower()
        limit = PARAMETER_HEADER_MAX if key in _PARAMETER_HEADERS else HEADER_VALUE_MAX
        if len(value) <= limit:
            return name, value
        if key == "references":  # the newest ids of the chain are at its end
            return name, value[-limit:]
        if key in _PARAMETER_HEADERS:
            # The type and a multipart's boundary come first, and a long file name's type
            # (".pdf") at its end: both ends are kept, the middle goes.
            return name, value[:limit // 2] + value[-limit // 2:]
        return name, value[:limit]


BOUNDED = _BoundedHeaders()


def storable(text: str) -> str:
    """Text the database takes: no NUL (PostgreSQL refuses it), no lone surrogates (the
    parser's stand-ins for undecodable bytes, which no database encodes)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


# Codecs a header's raw bytes are read in anyway, whatever the body's charset says.
_HEADER_FALLBACKS = frozenset({"utf-8", "utf8", "cp1252", "iso8859_1"})


def _raw_bytes_text(raw: str, hint: str = "") -> str:
    """A header value whose bytes were not ASCII, as text. The parser keeps such bytes as
    lone surrogates; RFC 6532 allows raw UTF-8 in headers (and old mailers send cp1252).
    ``hint``: the charset of the mail's text, which old Japanese mail programs and shop
    systems write their raw headers in too (Shift_JIS, EUC-JP): read as cp1252 they were
    mojibake ("’�•¶”Ô") in the inbox and no rule found a word of them."""
    data = raw.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in codecs_for(hint):
        if codec in _HEADER_FALLBACKS:
            continue
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    # UTF-8 with a broken sequence or two (a long name cut by the sender) is still UTF-8;
    # mostly undecodable bytes are an 8-bit charset, most often Windows' Latin one.
    text = data.decode("utf-8", errors="replace")
    wide = sum(1 for char in text if ord(char) > 0x7F)
    if text.count("\ufffd") * 8 <= wide:
        return text
    return data.decode("cp1252", errors="replace")


# Explicit bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069).
# In a one-line header they serve only to disguise: "invoice\u202efdp.exe" shows as
# "invoiceexe.pdf", and an override in a subject runs on into the inbox row beside it.
# Right-to-left names need none of them (the implicit direction of their letters does).
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


# ISO-2022-JP's switch to JIS X 0208: a Japanese mail program that writes its headers raw
# (without encoded words) writes them in 7-bit ISO-2022-JP, ESC and all.
_JIS_IN_HEADER = re.compile("\x1b\\$[@B]")
# Control characters (C0, DEL, C1): one-line header text never needs them (tabs and line
# breaks are folded into spaces first). A subject's ESC sequences reached the operator's
# terminal through ``sla_status``, which prints the most overdue subjects, and could
# retitle or clear it; BEL and the rest showed as boxes in the inbox. (``decode`` reads raw
# ISO-2022-JP, ESC and all, before it drops them.)
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def decode(value: object, *, hint: str = "") -> str:
    """A header value as text, surviving bad encodings and unknown charsets, without
    bidirectional controls or control characters. ``hint``: the charset of the mail's text,
    for raw 8-bit bytes that are not UTF-8."""
    if value is None:
        return ""
    raw = str(value)
    if "\x1b" in raw and _JIS_IN_HEADER.search(raw):
        raw = charset_decode(raw.encode("ascii", "surrogateescape"), "iso-2022-jp")
    if raw.isascii() and "=?" not in raw:  # no encoded word and no raw byte: most headers
        return _CONTROLS.sub("", storable(" ".join(raw.split())))
    if _HAS_RAW_BYTES.search(raw):
        raw = _raw_bytes_text(raw, hint)
    text = _words_decoded(raw)
    if text is None and _B_WORD.search(raw):
        text = _words_decoded(_B_WORD.sub(_b_word_whole, raw))
    if text is None:
        text = raw
    if not text.isascii():  # (a flag the string carries: most headers are ASCII)
        text = text.translate(_BIDI_CONTROLS)
    return _CONTROLS.sub("", storable(" ".join(text.split())))


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=")


def _words_decoded(raw: str) -> str | None:
    """The header's encoded words decoded, or None when one cannot be."""
    try:
        if raw.isascii():
            return str(make_header(_words_read(decode_header(raw))))
        return _words_among_text(raw)
    except (LookupError, UnicodeError, ValueError, AssertionError, TypeError,
            email.errors.MessageError):  # e.g. HeaderParseError: an encoded word not base64
        return None


# A base64 encoded word whose text ends one character into a group of four: a subject cut
# by the sender's program in the middle of a character. Mail programs show what the whole
# groups hold; the email package refused the header, and the inbox showed it encoded.
_B_WORD = re.compile(r"(=\?[^?\s]+\?[Bb]\?)([A-Za-z0-9+/]*)=*(\?=)")


def _b_word_whole(word: re.Match) -> str:
    data = word.group(2)
    if len(data) % 4 == 1:
        data = data[:-1]
    return f"{word.group(1)}{data}{'=' * (-len(data) % 4)}{word.group(3)}"


def _words_among_text(raw: str) -> str:
    """Encoded words decoded one by one among text that is not ASCII (raw UTF-8, RFC 6532:
    a gateway's prefix before an encoded subject). ``decode_header`` hands such text back as
    raw-unicode-escape bytes, which ``make_header`` took for ASCII and refused, and the whole
    header kept its encoded words undecoded ("Größe =?utf-8?q?M=C3=BCller?="). Whitespace
    between two encoded words is dropped, as RFC 2047 says."""
    out: list[str] = []
    position = 0
    after_word = False
    for word in _ENCODED_WORD.finditer(raw):
        between = raw[position:word.start()]
        if not (after_word and not between.strip()):
            out.append(between)
        try:
            out.append(str(make_header(_words_read(decode_header(word.group())))))
        except (LookupError, UnicodeError, ValueError, AssertionError, TypeError,
                email.errors.MessageError):
            out.append(word.group())
        position, after_word = word.end(), True
    out.append(raw[position:])
    return "".join(out)


def _words_read(
    words: list[tuple[bytes | str, str | None]],
) -> list[tuple[bytes | str, str | None]]:
    """Encoded words re-read by ``charset_decode`` (their charset as mail programs mean it,
    ``x-sjis`` and Shift_JIS's ① included), handed on as UTF-8 for ``make_header`` to join."""
    return [
        (charset_decode(chunk, charset).encode("utf-8"), "utf-8")
        if charset and isinstance(chunk, bytes) else (chunk, charset)
        for chunk, charset in words
    ]


# Mail repeats its addresses (the seller's own on nearly every mail, a buyer's on each of
# theirs), and the standard library's strict address parser was a tenth of reading a mail:
# the last few thousand header values read are remembered, those of an address's length.
_ADDRESSES_REMEMBERED = 4096
_ADDRESS_REMEMBERED_MAX = 500


def _address(value: str | None, *, hint: str = "") -> tuple[str, str]:
    if value is None:
        return "", ""
    if len(value) > _ADDRESS_REMEMBERED_MAX:
        return _address_read(value, hint)
    return _address_remembered(value, hint)


def _address_read(value: str, hint: str) -> tuple[str, str]:
    """(name, address) of an address header, read before its encoded words are decoded (RFC
    2047): decoded first, the comma of "Müller, Jana" or the "<" of "Jana <3" was read as
    syntax, and the mail had no sender. Read as before when the raw value gives no address."""
    name, address = parseaddr(value)
    if not address:
        return parseaddr(decode(value, hint=hint))
    return decode(name, hint=hint), decode(address, hint=hint)


_address_remembered = lru_cache(maxsize=_ADDRESSES_REMEMBERED)(_address_read)


def _recipients(values: tuple[str, ...]) -> tuple[str, ...]:
    """The addresses of the To headers' raw values, lower-cased."""
    if sum(map(len, values)) > _ADDRESS_REMEMBERED_MAX:
        return _recipients_read(values)
    return _recipients_remembered(values)


def _recipients_read(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(decode(a).lower() for _, a in getaddresses(values) if a)


_recipients_remembered = lru_cache(maxsize=_ADDRESSES_REMEMBERED)(_recipients_read)


def _message_ids(value: str | None) -> list[str]:
    """The ids in a raw header value. Raw 8-bit bytes (RFC 6532 allows UTF-8 in an id) are
    read as ``decode`` reads them: read as U+FFFD each, "<ü1@shop.de>" and "<ö1@shop.de>"
    were one id, and a reply to one buyer's mail joined the other buyer's ticket."""
    value = value or ""
    if _HAS_RAW_BYTES.search(value):
        value = _raw_bytes_text(value)
    found = _MSGID.findall(storable(value))
    if not found and "=?" in value:
        # Python's email package (its default policy, as scripts and shop systems send with
        # it) writes an id too long for one line as encoded words: read that way, a reply
        # named no mail it answers and opened a ticket of its own.
        found = _MSGID.findall(decode(value))
    return found


def message_id_key(message_id: str) -> str:
    """The id as the dedup key has it since before ids were read as UTF-8: each byte of a
    character that is not ASCII as U+FFFD. A mail kept then is still found by its key."""
    if message_id.isascii():
        return message_id
    return "".join(c if c.isascii() else "\ufffd" * len(c.encode("utf-8")) for c in message_id)


# No marketplace mail was written before this: a Date earlier is a sender's clock gone wrong
# (a device reset to 1970 or 1980, a zeroed date written "0001" or "1900"), read as no Date.
# Taken at its word without a Received header to correct it, the buyer's question was
# overdue, and recorded as missed, decades before it came in.
DATE_MIN = datetime(2000, 1, 1, tzinfo=UTC)
# The year as written after the month's name: the email package reads a year below 100 as
# two digits ("0001" as 2001), which RFC 5322 allows only for a year of two digits.
_WRITTEN_YEAR = re.compile(r"\b[A-Za-z]{3}[a-z]*\.?\s+(\d{3,4})\b")


def _date(value: str) -> datetime | None:
    if not value:
        return None
    written = _WRITTEN_YEAR.search(value)
    if written is not None and int(written.group(1)) < DATE_MIN.year:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000": time given in UTC with no zone claimed
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return parsed if parsed >= DATE_MIN else None


def _part_text(part: Message) -> str:
    payload = _text_payload(part)
    if payload is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    return charset_decode(payload, part.get_content_charset())


# A line of base64 (RFC 2045's alphabet, padding at its end), and the least a base64 block
# before other text must hold to be taken for one (a lone word "Hallo" or "Dear" is text).
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_BASE64_BLOCK_MIN = 16


def _text_payload(part: Message) -> bytes | None:
    """A text part's bytes. Text labelled base64 that is not base64 (a mailer's wrong label;
    a gateway's disclaimer appended below the encoded text) was decoded leniently, the
    characters outside the alphabet skipped, and the buyer's words or the notice came out as
    noise. When what follows the base64 lines it starts with holds words (spaces), those lines
    are decoded and the rest is kept as written; text that does not start with base64 at all
    is kept whole. Base64 broken by stray characters, with no words, is decoded as before."""
    payload = part.get_payload(decode=True)
    # The body as the parser holds it (its 8-bit bytes as surrogates): ``get_payload()``
    # would decode those with the part's charset, U+FFFD for what that charset cannot read.
    body = part._payload
    if (payload is None or not isinstance(body, str)
            or str(part.get("Content-Transfer-Encoding", "")).strip().lower() != "base64"):
        return payload
    lines = body.splitlines()
    encoded = 0
    while encoded < len(lines) and _BASE64_LINE.fullmatch(lines[encoded].strip()):
        encoded += 1
    if encoded == len(lines) or not any(" " in line.strip() for line in lines[encoded:]):
        return payload  # base64 throughout, or broken base64 (no words): read as it was
    block = "".join(line.strip() for line in lines[:encoded])
    if len(block) >= _BASE64_BLOCK_MIN:
        try:
            head = base64.b64decode(block, validate=True)
        except binascii.Error:
            return payload  # broken base64 throughout: read as mail programs read it
    else:
        head, encoded = b"", 0
    rest = "\n".join(lines[encoded:]).encode("ascii", "surrogateescape")
    return head + (b"\n" if head and not head.endswith(b"\n") else b"") + rest


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
        if name and "\ufffd" in name:  # raw 8-bit bytes in the header (RFC 6532)
            name = _filename_raw(part) or name
    except (LookupError, UnicodeError, ValueError, TypeError):
        name = None
    return _file_name(decode(name)) if name else ""


# What one mail may give the ticket page (docs/DECISIONS.md "Bounded mail"): attachments
# past the hundredth, and text past 512 KiB, stay in the whole mail, attached instead.
ATTACHMENTS_MAX = 100
TEXT_MAX_CHARS = 512 * 1024


# What the attachment table keeps of a name.
FILE_NAME_MAX = 255


def _file_name(name: str) -> str:
    """A file name, not a path: "../../etc/passwd" is "passwd" (the raw mail keeps what was
    written). A name too long to keep is shortened in the middle, so that its type (".pdf")
    stays at the end for the agent and the program that opens the download."""
    name = name.replace("\\", "/").rpartition("/")[2].strip()
    if name.strip(". ") == "":  # "", ".", "..": a path's steps, no name
        return "attachment"
    if len(name) <= FILE_NAME_MAX:
        return name
    stem, dot, suffix = name.rpartition(".")
    suffix = dot + suffix if stem and len(suffix) <= 16 else ""
    return name[:FILE_NAME_MAX - len(suffix) - 1] + "…" + suffix


def _filename_raw(part: Message) -> str | None:
    """The file name read from the raw headers, their 8-bit bytes decoded as ``decode`` does
    (``get_filename`` sees U+FFFD for each)."""
    probe = Message()
    for name in ("Content-Disposition", "Content-Type"):
        value = _raw_headers(part).get(name.lower(), [None])[0]
        if value is not None:
            probe[name] = _raw_bytes_text(value) if _HAS_RAW_BYTES.search(value) else value
    return probe.get_filename()


# A multipart whose boundary is missing, or is not the one its parts are written with (a
# broken mailer; a gateway that rewrote the header and not the body), is left by the parser
# as one string, and the buyer's words in it were shown nowhere. A line "--token" followed
# by a part's header is taken for the boundary it was written with; without one, the body is
# read as text. A real delimiter line is followed by a part's header, so a "-----" rule or
# Amazon's "--- Begin message ---" marker is never taken for one.
_DELIMITER = re.compile(r"^--([!-~][ -~]{0,69}?)[ \t]*\r?\n(?=(?i:content-))", re.MULTILINE)
# A recovery parses its part again: once a mail, so that a mail costs at most two parses
# (25 MB of short lines take 9 s to parse), never one per level of broken multiparts; a
# broken multipart inside the one recovered is read as text.
RECOVERIES_MAX = 1


def _parts_recovered(part: Message) -> bool:
    """Give a multipart the parser left as one string the parts written in it, read with the
    boundary its body shows; False when its body shows none."""
    body = part.get_payload()
    if not isinstance(body, str):
        return False
    found = _DELIMITER.search(body)
    if found is None:
        return False
    boundary = found.group(1).replace("\\", "\\\\").replace('"', '\\"')
    head = f'Content-Type: multipart/{part.get_content_subtype()}; boundary="{boundary}"\r\n\r\n'
    try:
        again = _message(head.encode("ascii") + body.encode("ascii", "surrogateescape"))
    except (_TooDeep, UnicodeError):
        return False
    if not again.is_multipart():
        return False
    part.set_payload(again.get_payload())
    return True


def _walk(msg: Message, mail: "ParsedMail", raw: bytes) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    stripped: list[str] = []  # the text of HTML parts too costly to parse
    more = 0  # attachments past ATTACHMENTS_MAX
    recoveries = 0

    def attach(attachment: ParsedAttachment) -> None:
        nonlocal more
        if len(mail.attachments) < ATTACHMENTS_MAX:
            mail.attachments.append(attachment)
        else:
            more += 1

    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype.startswith("multipart/"):  # its parts were not found (see _DELIMITER)
            if recoveries < RECOVERIES_MAX and _parts_recovered(part):
                recoveries += 1
                continue  # walk() goes on into the parts now found
            ctype = "text/plain"
        disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = _filename(part)
        if disposition == "attachment" or (filename and not ctype.startswith("text/")):
            data = part.get_payload(decode=True) or b""
            attach(ParsedAttachment(filename or "attachment", ctype, data))
        elif ctype == "text/plain":
            text = _part_text(part)
            if len(text) > TEXT_MAX_CHARS:  # shown cut; the part is a download
                attach(ParsedAttachment(filename or "message.txt", ctype,
                                        part.get_payload(decode=True) or b""))
                text = text[:TEXT_MAX_CHARS]
            texts.append(text)
        elif ctype == "text/html":
            html = _part_text(part)
            if html_too_costly(html):
                # Never parsed whole: kept as it came, and read as text by a linear scan.
                attach(ParsedAttachment(
                    filename or "message.html", ctype, part.get_payload(decode=True) or b""
                ))
                stripped.append(html_strip(html))
            else:
                htmls.append(html)
        elif ctype == "message/rfc822" or ctype.startswith("message/"):
            continue
        elif ctype.startswith("text/") and ctype.endswith("html"):
            continue  # another rendering of the HTML: text/watch-html, text/x-amp-html
        elif ctype.startswith("text/"):
            # A CSV, an invite, a vCard: a file, also when sent inline (as Apple Mail does).
            data = part.get_payload(decode=True) or b""
            if data.strip():
                extension = mimetypes.guess_extension(ctype, strict=False) or ".txt"
                attach(ParsedAttachment(filename or f"attachment{extension}", ctype, data))
        elif not ctype.startswith("multipart/"):
            data = part.get_payload(decode=True) or b""
            if data:
                attach(ParsedAttachment(filename or "attachment", ctype, data))
    mail.html = "\n".join(h for h in htmls if h.strip())
    text = (
        "\n".join(t for t in texts if t.strip())
        or html_to_text(mail.html)
        or "\n".join(t for t in stripped if t.strip())
    )
    mail.text = text[:TEXT_MAX_CHARS]
    if more or len(text) > TEXT_MAX_CHARS:
        # What the ticket does not hold is in the whole mail, for the agent's mail program.
        name = f"whole mail ({more:,} more attachments).eml" if more else "whole mail.eml"
        mail.attachments.append(ParsedAttachment(name, "message/rfc822", raw))


# How deep multiparts may nest. The parser checks every line of a part against the boundary
# of each multipart around it: 300 levels around 1.2 MB of short lines took 16 s, 25 MB of
# them hours (and near 1,000 levels Python's recursion limit ended it, at a depth that
# depends on the stack of whoever called). Real mail nests a level per forwarded mail;
# Amazon's nests two or three.
MULTIPART_MAX_DEPTH = 20


# How deep parts may nest, attached mails (message/rfc822) counted: the parser reads each
# part, and ``Message.walk`` visits it, one Python frame deeper than the part around it. A
# chain of a few hundred mails attached each in the next (no line check, so not bounded
# above) was filed from a file and quarantined by the admin's "process again" ("maximum
# recursion depth exceeded"): the limit was whatever stack the caller had left. Each
# forwarded-as-attachment mail is two levels (the part and the mail in it): 25 forwards.
PARTS_MAX_DEPTH = 50


class _TooDeep(Exception):
    pass


class _DepthBounded(email.feedparser.FeedParser):
    """The feed parser, refusing a part nested deeper than ``PARTS_MAX_DEPTH``."""

    def _new_message(self) -> None:
        # The parser's stack of open parts (a private attribute, as ``_input`` below).
        if len(self._msgstack) >= PARTS_MAX_DEPTH:
            raise _TooDeep(f"MIME parts and attached mails nested more than {PARTS_MAX_DEPTH} deep")
        super()._new_message()


class _NestingBounded(email.feedparser.BufferedSubFile):
    """The parser's lines, refusing a boundary nested deeper than ``MULTIPART_MAX_DEPTH``."""

    def push_eof_matcher(self, pred: Callable[[str], object]) -> None:
        if len(self._eofstack) >= MULTIPART_MAX_DEPTH:
            raise _TooDeep(f"MIME parts nested more than {MULTIPART_MAX_DEPTH} deep")
        super().push_eof_matcher(pred)


def _message(raw: bytes) -> Message:
    """``email.message_from_bytes(raw, policy=BOUNDED)``, its parts' nesting bounded."""
    parser = _DepthBounded(policy=BOUNDED)
    # The parser keeps its lines and their boundaries here (a private attribute, the one
    # place the nesting shows); tests/test_mail_parse.py fails if it ever stops counting.
    parser._input = _NestingBounded()
    text = raw.decode("ascii", "surrogateescape")  # as message_from_bytes reads bytes
    for start in range(0, len(text), 8192):  # fed as message_from_bytes feeds it
        parser.feed(text[start:start + 8192])
    return parser.close()


_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def _mail_start(raw: bytes) -> bytes:
    """The mail from its first header on: without a byte order mark (Windows tools save
    .eml files with one), blank lines before the headers (a script's stray newline), or the
    mbox envelope line "From sender date" that procmail and Postfix's pipe hand on with the
    mail. Each made a webhook's or a file's mail "no header block", quarantined."""
    start = raw[len(_BYTE_ORDER_MARK):] if raw.startswith(_BYTE_ORDER_MARK) else raw
    start = start.lstrip()
    if start.startswith(b"From "):
        start = start.partition(b"\n")[2]
    return start


def parse_mail(raw: bytes) -> ParsedMail:
    whole, raw = raw, _mail_start(raw)
    if not raw.strip():
        raise ParseError("empty: the file holds no mail")
    # Binary files (an Outlook .msg) hold NUL within their first bytes; a mail may hold a
    # stray one in its text (a broken mailer, a UTF-16 part sent unencoded), which loses
    # nothing when dropped: only NUL before the first blank line makes the bytes no mail.
    head = raw[:4096]
    if b"\x00" in head and b"\x00" in _BLANK_LINE.split(head, maxsplit=1)[0]:
        raise ParseError("binary data, not an RFC 822 mail (e.g. an Outlook .msg file)")
    if not _HEADER_LINE.match(raw.lstrip()[:200]):
        raise ParseError("no header block: the data does not start with mail headers")
    try:
        msg = _message(raw)
    except _TooDeep as exc:
        raise ParseError(str(exc)) from exc
    except Exception as exc:  # the parser is lenient; anything it raises is a broken mail
        raise ParseError(f"unreadable MIME structure: {exc}") from exc
    if not msg.keys():
        raise ParseError("no header could be read: not a mail")

    try:
        mail = _headers_read(msg)
    except Exception as exc:  # a header nothing above foresaw: quarantine, never crash
        raise ParseError(f"unreadable headers: {type(exc).__name__}: {exc}") from exc
    try:
        _walk(msg, mail, whole)
    except Exception as exc:
        raise ParseError(f"unreadable body: {exc}") from exc
    return mail


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    """Every header's values as the parser read them, by lower-cased name, in one pass.
    ``Message.get`` would wrap a value holding raw 8-bit bytes in a ``Header`` of charset
    unknown-8bit, whose text has U+FFFD for every such byte; the raw value keeps them for
    ``decode``."""
    found: dict[str, list[str]] = {}
    for key, value in msg.raw_items():
        found.setdefault(key.lower(), []).append(value)
    return found


def _text_charset(msg: Message) -> str:
    """The charset label of the mail's first text part (a few parts looked at), or ""."""
    for position, part in enumerate(msg.walk()):
        if position >= 10:
            break
        if part.get_content_maintype() == "text":
            return str(part.get_param("charset", "") or "")
    return ""


def _headers_read(msg: Message) -> ParsedMail:
    raw = _raw_headers(msg)

    def first(name: str) -> str | None:
        values = raw.get(name)
        return values[0] if values else None

    hint = _text_charset(msg) if any(_HAS_RAW_BYTES.search(v) for v in raw.get("subject", [])
                                     + raw.get("from", [])) else ""
    from_name, from_address = _address(first("from"), hint=hint)
    _, reply_to = _address(first("reply-to"))
    message_ids = _message_ids(first("message-id"))
    in_reply_to = _message_ids(first("in-reply-to"))
    received_dates = []
    for received in msg.get_all("Received") or []:
        when = _date(str(received).rpartition(";")[2].strip())
        if when:
            received_dates.append(when)
    return ParsedMail(
        message_id=message_ids[0] if message_ids else "",
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=_message_ids(first("references"))[-20:],
        subject=decode(first("subject"), hint=hint)[:500],
        from_address=from_address.lower(),
        from_name=from_name.strip().strip('"'),
        reply_to=reply_to.lower(),
        to_addresses=list(_recipients(tuple(raw.get("to", [])[:TO_HEADERS_READ]))),
        date=_date(_zone_offset(str(msg.get("Date") or ""))),
        received_dates=received_dates,
        headers={h: decode(raw[h][0]) for h in KEPT_HEADERS if h in raw},
        text="",
        html="",
    )


def header_message_id(raw: bytes) -> str:
    """The Message-ID as ``parse_mail`` reads it, from the header block alone (cheap and
    bounded: the body is not parsed); what ``scan_message_id`` finds if that cannot be read.
    A header block read without one has none: the scan would find the Message-ID of a mail
    forwarded in the body, which ``parse_mail`` does not take for the mail's own."""
    try:
        msg = _header_block(raw)
        ids = _message_ids(_raw_headers(msg).get("message-id", [None])[0])
    except Exception:  # whatever the header block is, the scan still looks
        return scan_message_id(raw)
    return ids[0] if ids else ""


# The headers a mail's author writes (RFC 5322's originator, destination, identification
# and informational fields, the MIME type of what follows) and those the recognisers read
# from the sender's side. What servers add on the way (Received, Delivered-To, Return-Path,
# Authentication-Results, DKIM signatures, spam scores) is none of them.
# Not Date: the same mail sent again by a server (a relay's retry) or dated anew (the demo,
# loaded again) carries another, and as a second message it opened a second clock.
AUTHOR_HEADERS = (
    "from", "sender", "reply-to", "to", "cc", "subject", "in-reply-to", "references",
    "content-type",
    *(h for h in KEPT_HEADERS if h not in {"return-path", "authentication-results"}),
)


def author_headers(raw: bytes, *, content_type: bool = True) -> str:
    """The ``AUTHOR_HEADERS`` of a mail as its author wrote them, decoded, their whitespace
    folded, one per line in a fixed order (from the header block alone, bounded). Two
    copies under one Message-ID that differ here are two mails (``mail.records``).
    Without ``content_type``, the MIME type (and its boundary) is left out."""
    try:
        found = _raw_headers(_header_block(raw))
    except Exception:  # a header block the parser cannot read: none were written
        return ""
    return "\n".join(
        f"{name}: {' | '.join(decode(value) for value in found.get(name, []))}"
        for name in AUTHOR_HEADERS if content_type or name != "content-type"
    )


def mail_content(raw: bytes) -> list[tuple[str, str, bytes]] | None:
    """What a mail says below its headers, whatever transfer encoding carried it: each
    part's type, file name and decoded bytes (a text's line ends normalised, its trailing
    blank lines dropped), in order. None when the MIME cannot be read."""
    try:
        parts = []
        for part in _message(_mail_start(raw)).walk():
            if part.is_multipart():
                continue
            ctype = part.get_content_type()
            data = part.get_payload(decode=True) or b""
            if ctype.startswith("text/"):
                data = data.replace(b"\r\n", b"\n").strip()
            parts.append((ctype, _filename(part) or "", data))
    except Exception:  # unreadable MIME is compared by its bytes alone
        return None
    return parts


def _header_block(raw: bytes) -> Message:
    head, sep, _ = _mail_start(raw[:_HEADER_BLOCK_MAX]).partition(b"\n\n")
    if not sep:
        head, _, _ = head.partition(b"\r\n\r\n")
    return email.message_from_bytes(head, policy=BOUNDED)


# No real header block is this long; a mail whose is, is read by the scan.
_HEADER_BLOCK_MAX = 256 * 1024


def scan_message_id(raw: bytes) -> str:
    """The Message-ID of bytes that could not be parsed, if one can be read at all."""
    match = re.search(rb"^Message-ID:\s*(<[^<>\s\x00-\x1f\x7f]{1,996}>)", raw[:65536],
                      re.IGNORECASE | re.MULTILINE)
    return match.group(1).decode("ascii", errors="replace") if match else ""


# Zones mail programs and shop systems write in words where RFC 5322 wants an offset; the
# standard library knows only the American ones (EST, PDT…) and reads any other as no zone,
# which is UTC here: a German reply of 09:30 CEST was two hours later than sent, and late.
# Names that stand for more than one zone (IST, CST outside the US) are left out.
_ZONE_NAMES = {
    "WET": 0, "WEZ": 0, "BST": 60, "WEST": 60, "WESZ": 60, "CET": 60, "MEZ": 60,
    "CEST": 120, "MESZ": 120, "EET": 120, "OEZ": 120, "EEST": 180, "OESZ": 180,
    "MSK": 180, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "AWST": 480,
    "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}
# "+02:00" (ISO's colon), "GMT+2", "UTC+05:30", or a zone name, at the end (a comment after).
_ZONE_WRITTEN = re.compile(
    r"\s(?:(?:GMT|UTC|UT)\s*)?([+-])(\d{1,2}):?(\d{2})?(\s*\(.*\))?\s*$"
    r"|\s([A-Z]{2,5})(\s*\(.*\))?\s*$",
    re.IGNORECASE,
)
_RFC_OFFSET = re.compile(r"\s[+-]\d{4}(\s*\(.*\))?\s*")


def _zone_offset(value: str) -> str:
    """``value`` with a zone written another way given as RFC 5322's ``+hhmm``."""
    found = _ZONE_WRITTEN.search(value)
    if found is None:
        return value
    sign, hours, minutes, _, name, _ = found.groups()
    if name is not None:
        minutes_east = _ZONE_NAMES.get(name.upper())
        if minutes_east is None:
            return value  # a zone the standard library reads (GMT, EDT) or none we know
        sign, hours, minutes = "+", str(minutes_east // 60), str(minutes_east % 60)
    elif _RFC_OFFSET.fullmatch(found.group(0)):
        return value  # "+0200" as RFC 5322 writes it
    return f"{value[:found.start()]} {sign}{int(hours):02d}{int(minutes or 0):02d}"
