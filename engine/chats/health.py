"""``diagnose()`` for the chats database: SQLite's own quick check, read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.diagnosis import Diagnosis


def diagnose(db: Path | None = None) -> Diagnosis:
    """Damage is reported, never repaired here (the person decides what to do with the file)."""
    from engine.paths import get_paths

    db = db or get_paths().chats_db
    d = Diagnosis("paths")
    if not db.exists():
        return d
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        result = str(exc)
    d.facts = {"chats": {"integrity": result}}
    if result != "ok" and "locked" not in result:  # a running app holding a lock is not damage
        d.problem("error", f"The chats database {db} is damaged ({result}).",
                  f"Move {db.name} somewhere safe (Hearth will start a fresh history) or restore it from a backup.")
    return d
