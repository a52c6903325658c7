"""Import a local ``.gguf`` file into the store: copy, hard link or symlink.

The file's metadata is read first (pure GGUF reader, no weights loaded), so a truncated or
non-GGUF file is refused with a clear message before anything is copied or registered.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Literal

from engine.errors import ModelError, StorageError
from engine.models.gguf_meta import GGUFInfo, read_gguf
from engine.models.registry import InstalledModel, ModelRecord, add_record, models_dir, record_for, slug
from engine.models.storage import copy_atomic, ensure_space, human_bytes, sha256_file

LinkMode = Literal["copy", "hardlink", "symlink"]


def import_gguf(src: Path | str, *, mode: LinkMode = "copy", model_id: str | None = None,
                cancel: threading.Event | None = None) -> tuple[InstalledModel, GGUFInfo]:
    src = Path(src).expanduser()
    info = read_gguf(src)  # raises ModelLoadError for missing, truncated or non-GGUF files
    model_id = slug(model_id or src.stem)
    if record_for(model_id) is not None:
        raise ModelError(f"A model called '{model_id}' is already installed.",
                         "Choose another name with --id, or remove the old one with `hearth models rm`.")
    dst = _free_name(models_dir() / "imported" / src.name)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if mode == "copy":
        ensure_space(dst.parent, info.file_size, f"a copy of {src.name} ({human_bytes(info.file_size)})")
        copy_atomic(src, dst)
    elif mode == "hardlink":
        try:
            os.link(src, dst)
        except OSError as exc:
            hint = ("The file is on another drive than Hearth's models folder; use --copy or --symlink."
                    if exc.errno == errno.EXDEV else "Use --copy instead.")
            raise StorageError(f"Could not hard-link {src}: {exc.strerror}.", hint) from exc
    elif mode == "symlink":
        try:
            os.symlink(src.resolve(), dst)
        except OSError as exc:
            raise StorageError(f"Could not link to {src}: {exc.strerror}.", "Use --copy instead.") from exc
    else:
        raise ValueError(f"unknown import mode {mode!r}")
    try:
        digest = sha256_file(dst, cancel)
    except BaseException:
        dst.unlink(missing_ok=True)  # our copy or link only; never the user's original
        raise
    model = add_record(ModelRecord(id=model_id, path=str(dst), source=f"import:{src.resolve()}", sha256=digest,
                                   verified=False, size_bytes=info.file_size, file=src.name, link=mode))
    return model, info


def _free_name(path: Path) -> Path:
    """``name.gguf``, or ``name-2.gguf`` … when taken (never overwrite another model)."""
    if not path.exists() and not path.is_symlink():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
        n += 1
