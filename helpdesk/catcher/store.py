"""Reading the catcher's Maildir (written by aiosmtpd's Mailbox handler): one file per mail
under ``new/`` (or ``cur/`` once a mail reader has seen it), named by its key."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

# The newest ones a page lists; the Maildir itself keeps everything.
LIST_LIMIT = 200
# A Maildir key as Python's mailbox.Maildir makes them: "<time>.M<usec>P<pid>Q<n>.<host>".
KEY = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


@dataclass
class CaughtMail:
    key: str
    caught_at: datetime
    sender: str
    recipients: str
    subject: str
    message: EmailMessage

    def text(self) -> str:
        """The plain-text body, else the HTML source: shown as text, never rendered."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        try:
            return part.get_content()
        except (LookupError, ValueError):
            return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def _files(directory: Path) -> dict[str, Path]:
    files = {}
    for folder in ("new", "cur"):
        if (directory / folder).is_dir():
            for path in (directory / folder).iterdir():
                if not path.name.startswith("."):
                    files[path.name.split(":", 1)[0]] = path  # cur/ names end in ":2,<flags>"
    return files


def _caught(key: str, path: Path) -> CaughtMail:
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    return CaughtMail(
        key=key,
        caught_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
        sender=str(message.get("From", "")),
        # The envelope recipients, which aiosmtpd adds; the To header when missing.
        recipients=str(message.get("X-RcptTo") or message.get("To", "")),
        subject=str(message.get("Subject", "")),
        message=message,
    )


def caught_mails(*, directory: Path, limit: int = LIST_LIMIT) -> tuple[list[CaughtMail], int]:
    """The newest ``limit`` caught mails, newest first, and how many there are in all."""
    files = _files(directory)
    newest = sorted(files.items(), key=lambda item: item[1].stat().st_mtime, reverse=True)
    return [_caught(key, path) for key, path in newest[:limit]], len(files)


def caught_mail_get(*, directory: Path, key: str) -> CaughtMail | None:
    if not KEY.match(key):
        return None
    path = _files(directory).get(key)
    return None if path is None else _caught(key, path)
