"""Hand one mail to the SMTP server in two stages, so that the caller knows which failures
certainly left the server without the mail.

Everything before DATA (connect, EHLO, MAIL FROM, RCPT TO) can fail without the server
keeping anything. ``before_data`` is called between the two stages: it records, in its own
committed write, that the point of no return is reached, and may say "stop" (another
attempt owns the mail now). A connection that breaks during DATA leaves it unknown whether
the server took the mail; a reply code from the server is always a clear answer.

The bytes are written here too (``mail_bytes``): ``Message-ID``, ``In-Reply-To`` and
``References`` as plain RFC 5322 msg-ids, folded between ids and never RFC 2047-encoded (the
email package encodes any header word longer than a line, and Amazon's ids are). An address
with letters beyond ASCII before the @ goes out with SMTPUTF8 when the server offers it; a
domain beyond ASCII is written in IDNA (``xn--``) whatever the server.
"""

import contextlib
import email.policy
import re
import smtplib
from collections.abc import Callable, Iterable
from datetime import datetime
from email.header import Header

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils import timezone

# Seconds to wait for the server at each step; the outbox's lease is well above this.
SMTP_TIMEOUT = 60
# A msg-id as RFC 5322 writes it (printable ASCII, no space, one @): anything else a mail
# named in its own headers is left out of ours rather than passed on.
MSG_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
ID_HEADERS = ("Message-ID", "In-Reply-To", "References")
DOMAIN = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*", re.IGNORECASE)
LINE = 78  # the recommended line length; a single longer id gets its own line
# Text a mail program would decode as an RFC 2047 encoded word, were it sent as written.
ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bq]\?[^?\s]*\?=", re.IGNORECASE)
NO_SMTPUTF8 = (
    "the mail server does not offer SMTPUTF8, which the address {address} needs (letters "
    "beyond ASCII before the @); ask the mail provider to enable SMTPUTF8, or answer the buyer "
    "through the marketplace"
)


class NotSent(Exception):
    """The server certainly does not have the mail: it refused, or was never reached."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Unknown(Exception):
    """The connection broke while the server was taking the mail: it may have it."""


class Aborted(Exception):
    """``before_data`` said stop: another attempt owns this mail."""


def mail_send_staged(
    message: EmailMessage, *, before_data: Callable[[], bool]
) -> tuple[datetime, bytes]:
    """Send ``message``; (when the server accepted it, the bytes it accepted)."""
    backend = mailers.default
    if not isinstance(backend, SMTPBackend):
        # locmem, console, file: nothing can break halfway through a hand-over.
        if not before_data():
            raise Aborted()
        backend.send_messages([message])
        return timezone.now(), mail_bytes(message, utf8=needs_smtputf8(message))
    backend.timeout = backend.timeout or SMTP_TIMEOUT
    utf8 = needs_smtputf8(message)
    data = mail_bytes(message, utf8=utf8)
    try:
        connection = _envelope(backend, message, data, utf8=utf8)
    except NotSent:
        _close(backend)
        raise
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        _close(backend)
        raise NotSent(_describe(exc), permanent=_permanent(exc)) from exc
    if not before_data():
        _close(backend)
        raise Aborted()
    try:
        connection.data(data)
    except smtplib.SMTPResponseException as exc:
        # The server answered with an error code: it refused the mail, clearly.
        _close(backend)
        raise NotSent(_describe(exc), permanent=_permanent(exc)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        _close(backend)
        raise Unknown(_describe(exc)) from exc
    accepted_at = timezone.now()
    _close(backend)
    return accepted_at, data


def needs_smtputf8(message: EmailMessage) -> bool:
    """Whether an address of the mail has letters beyond ASCII before its @."""
    return any(not local_part(a).isascii() for a in [message.from_email, *message.recipients()])


def local_part(address: str) -> str:
    return address.strip().rpartition("@")[0].rpartition("<")[2]


def address_for_smtp(address: str) -> str:
    """The address as the envelope names it: the domain in IDNA, the local part as it is
    (ASCII, or sent with SMTPUTF8). Raises ``ValueError`` for one that cannot be sent."""
    local, _, domain = address.strip().rpartition("@")
    if not local or "@" in local or any(c in address for c in '\r\n<>" \\'):
        raise ValueError("it is not a mail address")
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError as exc:
        raise ValueError(f"its domain is not a valid internationalised domain name ({exc})"
                         ) from exc
    if not DOMAIN.fullmatch(ascii_domain):
        raise ValueError(f"its domain {domain!r} is not a valid domain name")
    return f"{local}@{ascii_domain}"


def mail_bytes(message: EmailMessage, *, utf8: bool = False) -> bytes:
    """The mail as it is handed over: threading headers plain and folded, addresses with an
    IDNA domain, and with ``utf8`` (SMTPUTF8) headers in UTF-8 rather than encoded words;
    a subject holding text shaped like an encoded word is encoded, so it is not decoded."""
    policy = email.policy.SMTPUTF8 if utf8 else email.policy.SMTP
    ids = {name: message.extra_headers.get(name, "") for name in ID_HEADERS}
    built = message.message(policy=policy)
    for name, value in ids.items():
        if not value:
            continue  # not ours to write (Django's own Message-ID stays as it made it)
        del built[name]
        folded = msg_ids_fold(MSG_ID.findall(value))
        if folded:
            # Stored as written: the generator below does not refold it (refold_source).
            built.set_raw(name, folded)
    subject = message.subject
    if ENCODED_WORD.search(subject):
        # The email package writes such text as it is, and the buyer's mail program would
        # show it decoded: words no agent read and no compliance check saw. Encoded
        # itself, it reads back exactly as written.
        del built["Subject"]
        built.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())
    return built.as_bytes(policy=policy.clone(refold_source="none"))


def msg_ids_fold(ids: Iterable[str]) -> str:
    """msg-ids separated by spaces, a new line before an id that would pass ``LINE``."""
    lines: list[str] = []
    for msg_id in dict.fromkeys(ids):
        if lines and len(lines[-1]) + 1 + len(msg_id) <= LINE - len("References: "):
            lines[-1] += " " + msg_id
        else:
            lines.append(msg_id)
    return "\n ".join(lines)


def _envelope(
    backend: SMTPBackend, message: EmailMessage, data: bytes, *, utf8: bool
) -> smtplib.SMTP:
    """Connect and name sender and recipients (what ``smtplib.sendmail`` does before DATA)."""
    sender = address_for_smtp(message.from_email)
    recipients = [address_for_smtp(a) for a in message.recipients()]
    backend.open()
    connection = backend.connection
    connection.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if connection.does_esmtp and connection.has_extn("size") else []
    if utf8:
        if not connection.has_extn("smtputf8"):
            needing = next(a for a in [message.from_email, *message.recipients()]
                           if not local_part(a).isascii())
            raise NotSent(NO_SMTPUTF8.format(address=needing), permanent=True)
        options += ["SMTPUTF8"] + (["BODY=8BITMIME"] if connection.has_extn("8bitmime") else [])
    code, reply = connection.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = connection.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    return connection


def _close(backend: SMTPBackend) -> None:
    # The outcome is decided; a failing QUIT changes nothing.
    with contextlib.suppress(smtplib.SMTPException, OSError):
        backend.close()


def _permanent(exc: Exception) -> bool:
    """A 5xx answer will not change by retrying (bad address, relaying denied), nor will an
    address that cannot be written."""
    if isinstance(exc, ValueError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(
            f"{r} ({code} {reply.decode(errors='replace')})"
            for r, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"the mail server answered {exc.smtp_code} {text}"
    if isinstance(exc, ConnectionRefusedError):
        return "the mail server refused the connection (is it running?)"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
