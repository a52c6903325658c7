"""Token counts per provider, model and day — and what they cost, or saved.

Stored in SQLite at ``get_paths().usage_db`` (one transaction per record). Cloud cost uses the
configured prices per million input/output tokens; for local answers the same prices give the
*saving*: what the answer would have cost had it gone to the cloud.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine.errors import StorageError
from engine.paths import get_paths

_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage (
    day TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, kind TEXT NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, provider, model, kind)
);
"""


@dataclass(frozen=True)
class UsageRow:
    day: str
    provider: str
    model: str
    kind: str            # "cloud" or "local"
    input_tokens: int
    output_tokens: int
    requests: int
    cost: float          # cloud: estimated spend; local: 0
    saving: float        # local: what the cloud would have charged; cloud: 0


def price(input_tokens: int, output_tokens: int, prices) -> float:
    return input_tokens / 1e6 * prices.input_per_mtok + output_tokens / 1e6 * prices.output_per_mtok


class UsageStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else get_paths().usage_db
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            return conn
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"The usage database {self.path} is unreadable: {exc}.",
                               "Move the file aside; Hearth starts a new one. Chats are not affected.") from exc

    def record(self, *, provider: str, model: str, kind: str, input_tokens: int, output_tokens: int,
               day: str | None = None) -> None:
        if kind not in ("cloud", "local"):
            raise ValueError(f"kind must be 'cloud' or 'local', not {kind!r}")
        day = day or date.today().isoformat()
        with self._lock:
            conn = self._connect()
            try:
                with conn:
                    conn.execute(
                        "INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(day, provider, model, kind) "
                        "DO UPDATE SET input_tokens = input_tokens + excluded.input_tokens, "
                        "output_tokens = output_tokens + excluded.output_tokens, requests = requests + 1",
                        (day, provider, model, kind, max(0, int(input_tokens)), max(0, int(output_tokens))))
            except sqlite3.OperationalError as exc:
                raise StorageError(f"Could not record usage: {exc}.", "Check free disk space.") from exc
            finally:
                conn.close()

    def report(self, prices, *, since: str | None = None) -> list[UsageRow]:
        """Rows by day, provider and model; cost and saving computed with ``prices``."""
        conn = self._connect()
        try:
            q = "SELECT day, provider, model, kind, input_tokens, output_tokens, requests FROM usage"
            args: tuple = ()
            if since:
                q += " WHERE day >= ?"
                args = (since,)
            rows = conn.execute(q + " ORDER BY day, provider, model, kind", args).fetchall()
        finally:
            conn.close()
        out = []
        for day, provider, model, kind, tin, tout, n in rows:
            p = price(tin, tout, prices)
            out.append(UsageRow(day, provider, model, kind, tin, tout, n,
                                cost=p if kind == "cloud" else 0.0, saving=p if kind == "local" else 0.0))
        return out
