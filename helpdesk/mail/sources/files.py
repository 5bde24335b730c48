"""Mail from the file system: .eml files, directories (recursively), mbox files, Maildirs."""

import mailbox
from collections.abc import Iterator
from pathlib import Path

LINESEP = mailbox.linesep


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


def paths_expand(paths: list[Path]) -> list[Path]:
    """Files and Maildirs under ``paths``, in a stable order; hidden entries are skipped."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        if path.is_file() or _is_maildir(path):
            found.append(path)
            continue
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            found.extend(paths_expand([child]))
    return found


def mails_read(path: Path) -> Iterator[tuple[str, bytes]]:
    """(source label, raw bytes) of every mail in one file or Maildir, read lazily."""
    if _is_maildir(path):
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in box.iterkeys():
            yield f"maildir:{path}/{key}", box.get_bytes(key)
    elif _is_mbox(path):
        for index, raw in enumerate(mbox_mails(path)):
            yield f"mbox:{path}#{index}", raw
    else:
        yield f"file:{path}", path.read_bytes()


def mbox_mails(path: Path) -> Iterator[bytes]:
    """The mails of an mbox file in order, each as ``mailbox.mbox(path).get_bytes(key)``
    gives it (split at "From " lines, the From line left out, and the blank line before the
    next one too), with its ">From " lines unquoted, which the standard library leaves.
    Read as a stream: ``mailbox.mbox`` first builds a table of every mail's position, some
    220 bytes a mail held until the end (66 MB for 300,000 mails), where this holds one mail
    at a time."""
    lines: list[bytes] | None = None  # the lines of the mail being read
    last_was_empty = False
    with path.open("rb") as fh:
        for line in fh:
            if line.startswith(b"From "):
                if lines is not None:
                    yield _mail_of(lines, last_was_empty)
                lines, last_was_empty = [], False
                continue
            if lines is not None:
                lines.append(_unquoted(line))
            last_was_empty = line == LINESEP
    if lines is not None:
        yield _mail_of(lines, last_was_empty)


def _unquoted(line: bytes) -> bytes:
    """A body line as it was sent: an mbox keeps a line that starts with its separator,
    "From ", written ">From ", and ">From " written ">>From " (mboxrd, as Python, Thunderbird
    and mutt write them). Unquoted, the words read as written and the same mail fetched from
    the mailbox is recognised as the same."""
    if line[:1] == b">" and line.lstrip(b">").startswith(b"From "):
        return line[1:]
    return line


def _mail_of(lines: list[bytes], last_was_empty: bool) -> bytes:
    if last_was_empty:
        lines = lines[:-1]
    return b"".join(lines).replace(LINESEP, b"\n")
