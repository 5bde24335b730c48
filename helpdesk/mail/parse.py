"""Bytes → ParsedMail: a plain value with what the rest of the product needs from a mail.

Uses the standard library's lenient ``compat32`` parser: it accepts the broken MIME that real
mail carries, and header decoding is done here so that one bad header cannot sink a mail.
"""

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

from .charsets import charset_decode
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


def _raw_bytes_text(raw: str) -> str:
    """A header value whose bytes were not ASCII, as text. The parser keeps such bytes as
    lone surrogates; RFC 6532 allows raw UTF-8 in headers (and old mailers send cp1252)."""
    data = raw.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
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


def decode(value: object) -> str:
    """A header value as text, surviving bad encodings and unknown charsets, without
    bidirectional controls."""
    if value is None:
        return ""
    raw = str(value)
    if raw.isascii() and "=?" not in raw:  # no encoded word and no raw byte: most headers
        return storable(" ".join(raw.split()))
    if _HAS_RAW_BYTES.search(raw):
        raw = _raw_bytes_text(raw)
    try:
        text = str(make_header(_words_read(decode_header(raw))))
    except (LookupError, UnicodeError, ValueError, AssertionError, TypeError,
            email.errors.MessageError):  # e.g. HeaderParseError: an encoded word not base64
        text = raw
    if not text.isascii():  # (a flag the string carries: most headers are ASCII)
        text = text.translate(_BIDI_CONTROLS)
    return storable(" ".join(text.split()))


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


def _address(value: str | None) -> tuple[str, str]:
    """(name, address) of an address header, read before its encoded words are decoded (RFC
    2047): decoded first, the comma of "Müller, Jana" or the "<" of "Jana <3" was read as
    syntax, and the mail had no sender. Read as before when the raw value gives no address."""
    if value is None:
        return "", ""
    name, address = parseaddr(value)
    if not address:
        return parseaddr(decode(value))
    return decode(name), decode(address)


def _message_ids(value: str) -> list[str]:
    return _MSGID.findall(storable(value or ""))


def _date(value: str) -> datetime | None:
    if not value:
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
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    return charset_decode(payload, part.get_content_charset())


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
    name = name.replace("\\", "/").rpartition("/")[2].strip() or "attachment"
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


def _walk(msg: Message, mail: "ParsedMail", raw: bytes) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    stripped: list[str] = []  # the text of HTML parts too costly to parse
    more = 0  # attachments past ATTACHMENTS_MAX

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


class _TooDeep(Exception):
    pass


class _NestingBounded(email.feedparser.BufferedSubFile):
    """The parser's lines, refusing a boundary nested deeper than ``MULTIPART_MAX_DEPTH``."""

    def push_eof_matcher(self, pred: Callable[[str], object]) -> None:
        if len(self._eofstack) >= MULTIPART_MAX_DEPTH:
            raise _TooDeep
        super().push_eof_matcher(pred)


def _message(raw: bytes) -> Message:
    """``email.message_from_bytes(raw, policy=BOUNDED)``, its multiparts' nesting bounded."""
    parser = email.feedparser.FeedParser(policy=BOUNDED)
    # The parser keeps its lines and their boundaries here (a private attribute, the one
    # place the nesting shows); tests/test_mail_parse.py fails if it ever stops counting.
    parser._input = _NestingBounded()
    text = raw.decode("ascii", "surrogateescape")  # as message_from_bytes reads bytes
    for start in range(0, len(text), 8192):  # fed as message_from_bytes feeds it
        parser.feed(text[start:start + 8192])
    return parser.close()


def parse_mail(raw: bytes) -> ParsedMail:
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
        raise ParseError(f"MIME parts nested more than {MULTIPART_MAX_DEPTH} deep") from exc
    except Exception as exc:  # the parser is lenient; anything it raises is a broken mail
        raise ParseError(f"unreadable MIME structure: {exc}") from exc
    if not msg.keys():
        raise ParseError("no header could be read: not a mail")

    try:
        mail = _headers_read(msg)
    except Exception as exc:  # a header nothing above foresaw: quarantine, never crash
        raise ParseError(f"unreadable headers: {type(exc).__name__}: {exc}") from exc
    try:
        _walk(msg, mail, raw)
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


def _headers_read(msg: Message) -> ParsedMail:
    raw = _raw_headers(msg)

    def first(name: str) -> str | None:
        values = raw.get(name)
        return values[0] if values else None

    from_name, from_address = _address(first("from"))
    _, reply_to = _address(first("reply-to"))
    message_ids = _message_ids(str(msg.get("Message-ID") or ""))
    in_reply_to = _message_ids(str(msg.get("In-Reply-To") or ""))
    received_dates = []
    for received in msg.get_all("Received") or []:
        when = _date(str(received).rpartition(";")[2].strip())
        if when:
            received_dates.append(when)
    return ParsedMail(
        message_id=message_ids[0] if message_ids else "",
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=_message_ids(str(msg.get("References") or ""))[-20:],
        subject=decode(first("subject"))[:500],
        from_address=from_address.lower(),
        from_name=from_name.strip().strip('"'),
        reply_to=reply_to.lower(),
        to_addresses=[
            decode(a).lower()
            for _, a in getaddresses(raw.get("to", [])[:TO_HEADERS_READ])
            if a
        ],
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
        ids = _message_ids(str(msg.get("Message-ID") or ""))
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
        for part in _message(raw).walk():
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
    head, sep, _ = raw[:_HEADER_BLOCK_MAX].partition(b"\n\n")
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
