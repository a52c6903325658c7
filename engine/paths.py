"""Where Hearth keeps its state.

``HEARTH_HOME`` relocates everything (tests, portable installs): config, models, index, chats,
logs and the audit log all live below it. Without it the platform's directories are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

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
