"""Hand one mail to the SMTP server in two stages, so that the caller knows which failures
certainly left the server without the mail.

Everything before DATA (connect, EHLO, MAIL FROM, RCPT TO) can fail without the server
keeping anything. ``before_data`` is called between the two stages: it records, in its own
committed write, that the point of no return is reached, and may say "stop" (another
attempt owns the mail now). A connection that breaks during DATA leaves it unknown whether
the server took the mail; a reply code from the server is always a clear answer.
"""

import contextlib
import email.policy
import smtplib
from collections.abc import Callable
from datetime import datetime

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils import timezone

# Seconds to wait for the server at each step; the outbox's lease is well above this.
SMTP_TIMEOUT = 60


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
        return timezone.now(), message.message().as_bytes()
    backend.timeout = backend.timeout or SMTP_TIMEOUT
    data = message.message(policy=email.policy.SMTP).as_bytes()
    try:
        connection = _envelope(backend, message, data)
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


def _envelope(backend: SMTPBackend, message: EmailMessage, data: bytes) -> smtplib.SMTP:
    """Connect and name sender and recipients (what ``smtplib.sendmail`` does before DATA)."""
    backend.open()
    connection = backend.connection
    sender = backend.prep_address(message.from_email)
    recipients = [backend.prep_address(a) for a in message.recipients()]
    connection.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if connection.does_esmtp and connection.has_extn("size") else []
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
    """A 5xx answer will not change by retrying (bad address, relaying denied)."""
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
