"""Logging to a rotating file under the state dir.

Rule: message contents (prompts, answers, document text) are never logged at INFO or above.
Log sizes, ids, timings and decisions; contents only at DEBUG, which is off by default.
"""

from __future__ import annotations

import logging
import logging.handlers
import os

from engine.paths import Paths, get_paths

_configured = False


def setup_logging(paths: Paths | None = None, level: str | None = None) -> None:
    global _configured
    if _configured:
        return
    paths = paths or get_paths()
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        paths.log_dir / "hearth.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("HEARTH_LOG_LEVEL", "INFO"))
    _configured = True
