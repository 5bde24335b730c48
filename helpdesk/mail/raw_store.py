"""Content-addressed store of raw mail and attachment bytes: the key is the SHA-256."""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings


class RawStoreError(Exception):
    """The store could not keep the bytes (disk full, read-only, missing directory)."""


def _path(sha256: str) -> Path:
    return Path(settings.RAW_MAIL_DIR) / sha256[:2] / sha256[2:4] / sha256


def blob_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_put(data: bytes) -> str:
    """Keep ``data`` and return its key. Writing the same bytes twice is a no-op."""
    key = blob_key(data)
    path = _path(key)
    if path.exists():
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary name and rename, so a reader never sees half a mail.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RawStoreError(f"raw mail store could not keep the mail: {exc}") from exc
    return key


def blob_get(sha256: str) -> bytes:
    return _path(sha256).read_bytes()


def blob_exists(sha256: str) -> bool:
    return _path(sha256).exists()
