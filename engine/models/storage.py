"""Disk helpers for model files: free space, hashing, atomic copy into place."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
from pathlib import Path
from typing import Callable

from engine.errors import Cancelled, DiskFull, StorageError

HASH_BLOCK = 4 * 1024 * 1024
# Keep this much free after a model lands, so the OS and Hearth's own databases still have room.
SAFETY_MARGIN = 64 * 1024 * 1024


def free_bytes(path: Path) -> int:
    """Free space on the filesystem holding ``path`` (nearest existing parent).

    The one probe the downloader and importer ask; tests simulate a small quota by patching it.
    """
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def ensure_space(target_dir: Path, needed: int, what: str) -> None:
    """Raise :class:`DiskFull` *before* starting if ``needed`` bytes (+margin) will not fit."""
    free = free_bytes(target_dir)
    if needed + SAFETY_MARGIN > free:
        raise DiskFull(
            f"Not enough disk space for {what}: it needs {human_bytes(needed)} "
            f"but only {human_bytes(free)} is free on {target_dir}.",
            "Free some space (or delete a model with `hearth models rm`), then try again.")


def sha256_file(path: Path, cancel: threading.Event | None = None,
                progress: Callable[[int], None] | None = None) -> str:
    h = hashlib.sha256()
    done = 0
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(HASH_BLOCK), b""):
            if cancel is not None and cancel.is_set():
                raise Cancelled("Cancelled while checking the file.")
            h.update(block)
            done += len(block)
            if progress:
                progress(done)
    return h.hexdigest()


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a temp file in the target dir, fsync, then rename.

    A crash or a full disk leaves no half-written ``dst`` behind.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.importing")
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            shutil.copyfileobj(fin, fout, HASH_BLOCK)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dst)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise DiskFull(f"The disk filled up while copying {src.name}; nothing was kept.",
                           "Free some space and try again.") from exc
        raise StorageError(f"Could not copy {src} to {dst}: {exc.strerror}.", "Nothing was changed.") from exc


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
