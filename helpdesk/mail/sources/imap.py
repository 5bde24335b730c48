"""Mail from IMAP mailboxes, read without changing them.

Folders are opened read-only (EXAMINE) and mail is fetched with BODY.PEEK[], so nothing is
deleted, moved or flagged \\Seen: the seller's own mail client sees the mailbox as before.
How far a folder has been read is its last UID (``MailboxFolderState``), which means
something only together with the folder's UIDVALIDITY.
"""

import base64
import imaplib
import logging
import os
import re
import ssl
from collections.abc import Iterator
from contextlib import suppress
from itertools import batched

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from helpdesk.mail.models import Mailbox, MailboxFolderState
from helpdesk.mail.raw_store import RawStoreError
from helpdesk.mail.services import Outcome, mail_ingest

logger = logging.getLogger(__name__)

TIMEOUT = 60  # seconds per network operation: a server that hangs must not hang the poller
# UIDs asked for per UID SEARCH: a first fetch of a folder with 100,000+ messages in one
# search would be a response line over imaplib's 1 MB limit.
SEARCH_WINDOW = 10_000

COUNTS = ("fetched", "stored", "duplicates", "quarantined", "queued", "errors")
_COUNT_OF_OUTCOME = {
    Outcome.STORED: "stored",
    Outcome.DUPLICATE: "duplicates",
    Outcome.QUARANTINED: "quarantined",
    Outcome.QUEUED: "queued",
}


class MailboxError(Exception):
    """The mailbox could not be reached or logged into, or there is no password for it."""


class FolderError(Exception):
    """A folder could not be read to its end; the other folders still are."""


def mailbox_fetch(*, mailbox: Mailbox) -> dict[str, int]:
    """Fetch what is new in every folder of ``mailbox`` and hand it to ``mail_ingest``.

    Returns counts: ``fetched`` (taken in, will not be fetched again), what ingest made of
    them, and ``errors`` (folders that stopped early; see ``mailbox.last_error``). Raises
    ``MailboxError`` when the server cannot be reached or refuses the login.
    """
    counts = dict.fromkeys(COUNTS, 0)
    try:
        conn = _connect(mailbox)
    except MailboxError as exc:
        _record(mailbox, str(exc))
        raise
    errors: list[str] = []
    try:
        for folder in mailbox.folder_names:
            try:
                _folder_fetch(conn, mailbox, folder, counts)
            except (imaplib.IMAP4.abort, OSError) as exc:
                # The connection is gone: the remaining folders wait for the next poll.
                counts["errors"] += 1
                errors.append(f"{folder}: connection lost: {_text(exc)}")
                break
            except (FolderError, imaplib.IMAP4.error) as exc:
                counts["errors"] += 1
                errors.append(f"{folder}: {_text(exc)}")
    finally:
        _logout(conn)
    for error in errors:
        logger.warning("mailbox %s: %s", mailbox.name, error)
    _record(mailbox, "\n".join(errors))
    return counts


# Connection ----------------------------------------------------------------------------


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    password = _password(mailbox)
    where = f"{mailbox.host}:{mailbox.port}"
    try:
        if mailbox.use_tls:
            conn = imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(),
                timeout=TIMEOUT,
            )
        else:
            conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
    except (OSError, imaplib.IMAP4.error, ValueError) as exc:
        # ValueError: a host or port the admin's form refuses, saved around it
        # ("imap..example.com" fails IDNA encoding): this mailbox's error, not the fetch's.
        raise MailboxError(f"could not connect to {where}: {_text(exc)}") from exc
    try:
        _login(conn, mailbox.username, password)
    except (OSError, imaplib.IMAP4.error) as exc:
        _logout(conn)
        raise MailboxError(
            f"could not log in to {where} as {mailbox.username}: {_text(exc)}"
        ) from exc
    return conn


def _password(mailbox: Mailbox) -> str:
    # Only the variable's name is in the database, so a database dump holds no password.
    name = mailbox.password_env.strip()
    if not name:
        raise MailboxError(f"mailbox {mailbox.name} names no environment variable (password_env)")
    password = os.environ.get(name, "")
    if not password:
        raise MailboxError(
            f"environment variable {name} is not set: it must hold the password "
            f"of mailbox {mailbox.name}"
        )
    return password


def _login(conn: imaplib.IMAP4, username: str, password: str) -> None:
    if username.isascii() and password.isascii():
        conn.login(username, password)
    else:
        # imaplib sends LOGIN arguments as ASCII only; AUTHENTICATE PLAIN carries UTF-8.
        conn.authenticate("PLAIN", lambda _challenge: f"\0{username}\0{password}".encode())


def _logout(conn: imaplib.IMAP4) -> None:
    # Leaving anyway: nothing was changed on the server that needs a clean close.
    with suppress(imaplib.IMAP4.error, OSError):
        conn.logout()


# One folder ----------------------------------------------------------------------------


def _folder_fetch(
    conn: imaplib.IMAP4, mailbox: Mailbox, folder: str, counts: dict[str, int]
) -> None:
    uid_validity, uid_next = _examine(conn, folder)
    state = _folder_state(mailbox, folder, uid_validity)
    limit = settings.INGEST_MAX_BYTES
    for uids in batched(_new_uids(conn, state.last_uid, uid_next), SEARCH_WINDOW):
        sizes = _sizes(conn, uids)
        for uid in uids:
            outcome = _fetch_one(conn, mailbox, folder, state, uid, sizes.get(uid), limit)
            if outcome is not None:
                counts["fetched"] += 1
                counts[outcome] += 1


def _fetch_one(
    conn: imaplib.IMAP4, mailbox: Mailbox, folder: str, state: MailboxFolderState, uid: int,
    size: int | None, limit: int,
) -> str | None:
    """Fetch and keep one mail; what ingest made of it (None: it was gone)."""
    if size is not None and size > limit:
        # Read whole, a mail this large could exhaust the poller's memory on every poll,
        # and the folder would never get past it: its header becomes the ticket instead.
        raw = _header_fetch(conn, uid, _too_large_note(mailbox, folder, size, limit))
    else:
        raw = _fetch(conn, uid)
    if raw is None:
        # Expunged since the search: nothing to keep, and it will not come back.
        _advance(state, uid)
        return None
    try:
        # The raw mail's record and the new position are committed together.
        with transaction.atomic():
            result = mail_ingest(
                raw=raw, source=f"imap:{mailbox.name}/{folder}/{uid}", defer=True,
                trusted=mailbox.is_sent_folder(folder),
            )
            _advance(state, uid)
    except RawStoreError as exc:
        # Not kept, so not marked fetched: the next poll starts again at this mail.
        raise FolderError(f"UID {uid} could not be kept, stopped there: {exc}") from exc
    return _COUNT_OF_OUTCOME[result.outcome]


def _examine(conn: imaplib.IMAP4, folder: str) -> tuple[int, int | None]:
    """Open ``folder`` read-only; return its UIDVALIDITY and UIDNEXT (None if not sent)."""
    typ, data = conn.select(imap_mailbox_name(folder), readonly=True)  # EXAMINE
    if typ != "OK":
        raise FolderError(f"could not be opened: {_text(data)}")
    uid_validity = conn.response("UIDVALIDITY")[1][0]
    if uid_validity is None:
        raise FolderError("the server sent no UIDVALIDITY, so UIDs cannot be trusted")
    uid_next = conn.response("UIDNEXT")[1][0]
    return int(uid_validity), int(uid_next) if uid_next is not None else None


def _folder_state(mailbox: Mailbox, folder: str, uid_validity: int) -> MailboxFolderState:
    state, _ = MailboxFolderState.objects.get_or_create(
        mailbox=mailbox, folder=folder, defaults={"uid_validity": uid_validity}
    )
    if state.uid_validity != uid_validity:
        # The folder was renumbered (recreated, restored, moved to a new server): the stored
        # UID means nothing now. Read it all again; ingest knows its mail by Message-ID.
        logger.info(
            "mailbox %s folder %s: UIDVALIDITY %s -> %s, fetching it again",
            mailbox.name, folder, state.uid_validity, uid_validity,
        )
        MailboxFolderState.objects.filter(pk=state.pk).exclude(
            uid_validity=uid_validity
        ).update(uid_validity=uid_validity, last_uid=0)
        state.refresh_from_db()
    return state


def _advance(state: MailboxFolderState, uid: int) -> None:
    # One conditional UPDATE: a concurrent fetcher that got further is never set back, and
    # one still reading the folder's old numbering cannot write into the new one.
    MailboxFolderState.objects.filter(
        pk=state.pk, uid_validity=state.uid_validity, last_uid__lt=uid
    ).update(last_uid=uid)


def _new_uids(conn: imaplib.IMAP4, last_uid: int, uid_next: int | None) -> Iterator[int]:
    """UIDs above ``last_uid``, ascending."""
    if uid_next is None:
        yield from _search(conn, f"{last_uid + 1}:*", last_uid)
        return
    for low in range(last_uid + 1, uid_next, SEARCH_WINDOW):
        high = min(low + SEARCH_WINDOW, uid_next) - 1
        yield from _search(conn, f"{low}:{high}", last_uid)


def _search(conn: imaplib.IMAP4, uid_set: str, last_uid: int) -> list[int]:
    typ, data = conn.uid("SEARCH", "UID", uid_set)
    if typ != "OK":
        raise FolderError(f"UID SEARCH {uid_set} failed: {_text(data)}")
    uids = sorted(int(uid) for line in data if line for uid in line.split())
    # "n:*" always includes the newest message, even when its UID is below n (to IMAP,
    # n:* is the range between n and the highest UID, in either order): only newer count.
    return [uid for uid in uids if uid > last_uid]


def _fetch(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    """The whole message, without setting \\Seen; None if it is no longer there."""
    typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        raise FolderError(f"UID {uid} could not be fetched: {_text(data)}")
    for item in data:
        # The message comes as (b'7 (UID 42 BODY[] {1234}', b'<bytes>'); other items may be
        # unsolicited news about other messages, e.g. flags another client changed.
        if isinstance(item, tuple) and b"BODY[]" in item[0] and _is_uid(item[0], uid):
            return item[1]
    return None


def _sizes(conn: imaplib.IMAP4, uids: tuple[int, ...]) -> dict[int, int]:
    """RFC822.SIZE of ``uids`` (ascending), one command for all. A mail missing here is
    fetched as before: ``_fetch`` finds out whether it is still there."""
    typ, data = conn.uid("FETCH", f"{uids[0]}:{uids[-1]}", "(UID RFC822.SIZE)")
    if typ != "OK":
        raise FolderError(f"sizes of UIDs {uids[0]}:{uids[-1]} could not be read: {_text(data)}")
    sizes = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        uid, size = re.search(rb"\bUID (\d+)", line or b""), re.search(
            rb"\bRFC822\.SIZE (\d+)", line or b"")
        if uid and size:
            sizes[int(uid[1])] = int(size[1])
    return sizes


def _header_fetch(conn: imaplib.IMAP4, uid: int, note: str) -> bytes | None:
    """The mail's header without its MIME structure, and ``note`` as a plain text body: a
    mail the ingest files like any other (sender, subject, order, threading), telling the
    agent where the whole mail is. None if it is no longer there."""
    typ, data = conn.uid("FETCH", str(uid), f"(BODY.PEEK[HEADER.FIELDS.NOT ({_MIME_FIELDS})])")
    if typ != "OK":
        raise FolderError(f"UID {uid}: the header could not be fetched: {_text(data)}")
    for item in data:
        if isinstance(item, tuple) and b"BODY[HEADER" in item[0] and _is_uid(item[0], uid):
            header = item[1].rstrip(b"\r\n")
            return (header + b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
                    b"charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                    + note.encode() + b"\r\n")
    return None


# The header fields that describe the body, left out when the body is replaced by a note.
_MIME_FIELDS = "MIME-Version Content-Type Content-Transfer-Encoding Content-Disposition"


def _too_large_note(mailbox: Mailbox, folder: str, size: int, limit: int) -> str:
    return (
        f"This mail is {size:,} bytes, larger than the {limit:,} bytes the helpdesk reads "
        f"(INGEST_MAX_BYTES), so only its header was read. The whole mail is in mailbox "
        f"{mailbox.name}, folder {folder}: read it in a mail program or in Seller Central."
    )


def _is_uid(head: bytes, uid: int) -> bool:
    # Servers may send the UID after the body, where it is not in ``head``: then trust it.
    found = re.search(rb"\bUID (\d+)", head)
    return found is None or int(found[1]) == uid


# Helpers -------------------------------------------------------------------------------


def _record(mailbox: Mailbox, error: str) -> None:
    """When the mailbox was last tried, and what went wrong ("" when nothing did)."""
    mailbox.last_polled_at = timezone.now()
    mailbox.last_error = error
    mailbox.save(update_fields=["last_polled_at", "last_error"])


_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")


def imap_mailbox_name(folder: str) -> str:
    """``folder`` as an IMAP argument: modified UTF-7 (RFC 3501 5.1.3), quoted.

    imaplib sends arguments as they are, and ASCII only; "Entwürfe" is "Entw&APw-rfe".
    """

    def encode(run: re.Match) -> str:
        utf16 = base64.b64encode(run[0].encode("utf-16-be")).decode().rstrip("=")
        return "&" + utf16.replace("/", ",") + "-"

    name = _NOT_PRINTABLE_ASCII.sub(encode, folder.replace("&", "&-"))
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    """Server text for a message: imaplib hands it over as bytes, or lists of them."""
    if isinstance(value, BaseException):
        # imaplib's errors carry the server's bytes; others (OSError) read well as str().
        value = value.args[0] if len(value.args) == 1 else str(value)
    if isinstance(value, list):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)
