"""Mail from the file system: .eml files, directories (recursively), mbox files, Maildirs."""

import mailbox
from collections.abc import Iterator
from pathlib import Path


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
        box = mailbox.mbox(path, factory=None, create=False)
        for index, key in enumerate(box.iterkeys()):
            yield f"mbox:{path}#{index}", box.get_bytes(key)
        box.close()
    else:
        yield f"file:{path}", path.read_bytes()
