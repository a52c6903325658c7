"""Where Hearth keeps its state.

``HEARTH_HOME`` relocates everything (tests, portable installs): config, models, index, chats,
logs and the audit log all live below it. Without it the platform's directories are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from engine.diagnosis import Diagnosis

APP_NAME = "hearth"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def chats_db(self) -> Path:
        return self.data_dir / "chats.sqlite3"

    @property
    def audit_log(self) -> Path:
        return self.data_dir / "audit.jsonl"

    @property
    def usage_db(self) -> Path:
        return self.data_dir / "usage.sqlite3"

    def ensure(self) -> "Paths":
        for d in (self.config_dir, self.data_dir, self.log_dir, self.models_dir, self.index_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def get_paths() -> Paths:
    """Resolve the state directories now (reads ``HEARTH_HOME`` each call, so tests can set it)."""
    home = os.environ.get("HEARTH_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(config_dir=root, data_dir=root / "data", log_dir=root / "logs")
    return Paths(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME)),
    )


LOW_DISK_BYTES = 2 * 1024**3  # below this a model download or an index rebuild may fail


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def diagnose(paths: Paths | None = None) -> Diagnosis:
    """Where state lives, whether it could be written, and the free disk there (creates nothing)."""
    import shutil

    from engine.diagnosis import Diagnosis

    paths = paths or get_paths()
    d = Diagnosis("paths")
    entries = {"config": paths.config_file, "data": paths.data_dir, "models": paths.models_dir,
               "index": paths.index_dir, "chats": paths.chats_db, "audit_log": paths.audit_log, "logs": paths.log_dir}
    facts: dict = {name: {"path": str(p), "exists": p.exists()} for name, p in entries.items()}
    d.facts = facts
    for name in ("config", "data", "logs"):
        anchor = _nearest_existing(entries[name] if name != "config" else paths.config_dir)
        if not os.access(anchor, os.W_OK):
            d.problem("error", f"Hearth cannot write to {anchor} (needed for {name}).",
                      f"Fix the permissions of {anchor}, or set HEARTH_HOME to a folder you own.")
    try:
        free = shutil.disk_usage(_nearest_existing(paths.data_dir)).free
    except OSError:
        return d
    facts["data"]["free_bytes"] = free
    if free < LOW_DISK_BYTES:
        d.problem("warning", f"Only {free / 1024**3:.1f} GB free where Hearth keeps its data.",
                  "Free some space before downloading models or indexing large folders.")
    return d
