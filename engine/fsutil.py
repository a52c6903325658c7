"""Small filesystem helpers shared by everything that writes state."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from engine.errors import StorageError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a crash leaves either the old or the new file, never half.

    Writes a temp file in the same directory, fsyncs it, then renames over the target.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _storage_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise _storage_error(path, exc) from exc


def _storage_error(path: Path, exc: OSError) -> StorageError:
    if exc.errno == errno.ENOSPC:
        return StorageError(f"The disk is full: could not save {path}.",
                            "Free some space; the previous version is unchanged.")
    return StorageError(f"Could not save {path}: {exc.strerror or exc}.",
                        "The previous version is unchanged.")


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
