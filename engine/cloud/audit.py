"""Append-only, hash-chained audit log of everything sent to a cloud provider.

One JSON object a line at ``get_paths().audit_log``. Each entry carries ``prev`` (the hash of the
entry before it) and ``hash`` = sha256(prev + canonical JSON of the entry without ``hash``), so
editing, reordering or deleting any entry breaks the chain. A small head file beside the log
records the last sequence number and hash, so deleting entries at the *end* is detected too.
Every append is fsynced before the request goes out.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from engine.errors import StorageError
from engine.fsutil import atomic_write_text
from engine.paths import get_paths

GENESIS = "0" * 64
_lock = threading.Lock()


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(prev: str, entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(prev.encode("ascii") + _canonical(body)).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    problem: str | None = None   # person-readable description of the first break
    line: int | None = None      # 1-based line of the first bad entry


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else get_paths().audit_log
        self.head_path = self.path.with_name(self.path.name + ".head")

    # -- writing -------------------------------------------------------------------------
    def _head(self) -> tuple[int, str]:
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(head["seq"]), str(head["hash"])
        except (FileNotFoundError, ValueError, KeyError):
            last = None
            for last in self._lines():
                pass
            if last is None:
                return 0, GENESIS
            entry = json.loads(last[1])
            return int(entry["seq"]), str(entry["hash"])

    def append(self, *, provider: str, model: str, text: str, redactions: list[str], reasons: list[str],
               history: list[dict] | None = None, route: str = "cloud", zone: str = "cloud",
               rules: list[str] | None = None) -> dict:
        """Record one outbound request (call *before* sending it). ``zone`` is the endpoint's trust
        zone (cloud | trusted); ``rules`` the router rule ids that allowed it."""
        with _lock:
            seq, prev = self._head()
            entry = {
                "seq": seq + 1,
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "provider": provider, "model": model, "route": route, "zone": zone, "rules": list(rules or []),
                "text": text, "history": history or [],
                "redactions": list(redactions), "reasons": list(reasons),
                "prev": prev,
            }
            entry["hash"] = entry_hash(prev, entry)
            line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(self.path, "a", encoding="utf-8") as fh:
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                full = exc.errno == errno.ENOSPC
                raise StorageError(
                    "The disk is full: the audit log could not be written, so nothing was sent." if full
                    else f"The audit log {self.path} could not be written ({exc.strerror}); nothing was sent.",
                    "Free some space, or answer locally.") from exc
            atomic_write_text(self.head_path, json.dumps({"seq": entry["seq"], "hash": entry["hash"]}))
            return entry

    # -- reading -------------------------------------------------------------------------
    def _lines(self) -> Iterator[tuple[int, str]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    yield n, line

    def entries(self) -> list[dict]:
        out = []
        for _, line in self._lines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({"corrupt": line.strip()})
        return out

    def verify(self) -> VerifyResult:
        """Walk the chain; report the first entry that was edited, removed or reordered."""
        prev, seq, count = GENESIS, 0, 0
        for n, line in self._lines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                return VerifyResult(False, count, f"line {n} is not valid JSON (the log was edited or cut off)", n)
            if entry.get("prev") != prev or entry.get("seq") != seq + 1:
                return VerifyResult(False, count, f"entry on line {n} does not follow the one before it "
                                                  "(an entry was deleted or reordered)", n)
            if entry_hash(prev, entry) != entry.get("hash"):
                return VerifyResult(False, count, f"entry on line {n} was changed after it was written", n)
            prev, seq, count = entry["hash"], entry["seq"], count + 1
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            head = None if count == 0 else {"seq": None}
        except ValueError:
            return VerifyResult(False, count, "the audit head file is corrupt", None)
        if head is not None and (head.get("seq") != seq or head.get("hash") != prev):
            return VerifyResult(False, count, "the last entries of the log were removed", None)
        return VerifyResult(True, count)
