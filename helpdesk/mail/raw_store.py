"""Content-addressed store of raw mail and attachment bytes: the key is the SHA-256.

A blob lives at ``<first two hex digits>/<key>``: 256 directories, made once. (Stores written
before kept ``<2>/<2>/<key>``, a directory per 65,536th of the keys: making those directories
cost as much as writing the mail until some hundred thousand mails were in. Such blobs are
still read where they are.)"""

import hashlib
import itertools
import os
from pathlib import Path

from django.conf import settings


class RawStoreError(Exception):
    """The store could not keep the bytes (disk full, read-only, missing directory)."""


def _path(sha256: str) -> Path:
    return Path(settings.RAW_MAIL_DIR) / sha256[:2] / sha256


def _path_before(sha256: str) -> Path:
    return Path(settings.RAW_MAIL_DIR) / sha256[:2] / sha256[2:4] / sha256


def blob_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_put(data: bytes) -> str:
    """Keep ``data`` and return its key. The same bytes twice leave one file.

    Written to a temporary name and renamed, so a reader never sees half a mail. Nothing is
    looked up first: almost every mail is new, and asking the file system whether it exists
    (twice, with the first layout) cost as much as writing it; a mail kept again is renamed
    over its identical copy."""
    key = blob_key(data)
    directory = os.path.join(settings.RAW_MAIL_DIR, key[:2])
    try:
        _directory_make(directory)
        # The name is this process's own (pid, counter): no random names to draw and retry.
        tmp = os.path.join(directory, f".tmp-{os.getpid()}-{next(_counter)}")
        try:
            fd = os.open(tmp, _NEW_FILE, 0o644)
        except FileNotFoundError:  # the directory went away since this process made it
            _made.discard(directory)
            _directory_make(directory)
            fd = os.open(tmp, _NEW_FILE, 0o644)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, os.path.join(directory, key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RawStoreError(f"raw mail store could not keep the mail: {exc}") from exc
    return key


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_counter = itertools.count()
# Directories made by this process: 256 of them at most, each made once, not per mail.
_made: set[str] = set()


def _directory_make(directory: str) -> None:
    if directory in _made:
        return
    os.makedirs(directory, exist_ok=True)
    _made.add(directory)


def blob_get(sha256: str) -> bytes:
    try:
        return _path(sha256).read_bytes()
    except FileNotFoundError:
        return _path_before(sha256).read_bytes()


def blob_exists(sha256: str) -> bool:
    return _path(sha256).exists() or _path_before(sha256).exists()
