"""Append-only, hash-chained, signed audit log of everything sent to a cloud provider.

One JSON object a line at ``get_paths().audit_log``. Two kinds of record share one chain:

* a *request* (``append``, written and fsynced **before** the message is sent): time, provider,
  model, route, the exact text and history sent, redaction types, reasons;
* an *outcome* (``record_outcome``, written after the send): ``of`` (the request's ``seq``),
  ``delivered`` (the provider answered) and a ``detail`` saying what happened.

Every record carries ``seq`` (1, 2, 3 … in file order), ``prev`` (the hash of the record before
it) and ``hash`` = sha256(prev + canonical JSON of the record without ``hash``/``mac``), so an
edited, reordered or deleted record breaks the chain. When the OS keyring is usable, ``mac`` =
HMAC-SHA256(key, hash) with a key that lives only in the keyring (:class:`engine.cloud.keys.
AuditKeyStore`): someone who can edit files but not read the keyring cannot write a record that
verifies. A small signed head file beside the log names the last record, so cutting records off
the *end* is detected too (docs/architecture.md says what this does and does not prove).

Crash safety: appends hold an inter-process lock (the CLI and the app may append at once); the
next ``seq`` and ``prev`` come from the log's own last record; the log is fsynced before the head
is written, so the head may lag the log by a record after a crash but never leads it. A record
cut short (kill -9 or a full disk mid-write; never sent, because sending waits for the fsync) is
ignored by ``verify`` and moved to ``audit.jsonl.torn`` by the next append.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from engine.errors import HearthError, KeyringUnavailable, StorageError
from engine.fsutil import atomic_write_text
from engine.paths import get_paths

if TYPE_CHECKING:
    from engine.diagnosis import Diagnosis

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_UNSIGNED = ("hash", "mac")   # fields outside the hashed body
_lock = threading.Lock()       # threads of this process; the lock file covers other processes


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(prev: str, entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k not in _UNSIGNED}
    return hashlib.sha256(prev.encode("ascii") + _canonical(body)).hexdigest()


def _mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int                  # requests (messages that were about to be sent)
    problem: str | None = None    # person-readable description of the first break
    line: int | None = None       # 1-based line of the first bad record
    records: int = 0              # every chained record (requests and outcomes)
    delivered: int = 0            # requests the provider answered
    failed: int = 0               # requests that got no answer (see each outcome's detail)
    unknown: int = 0              # requests without an outcome (Hearth stopped during the send)
    signed: int = 0               # records whose signature was checked
    signatures_checked: bool = False  # False: no key to check with (keyring unavailable or never used)
    torn_tail: bool = False       # an unfinished last record (a crash while writing; never sent)

    def summary(self) -> str:
        """One line for people: what the log says went out, and whether it is intact."""
        if not self.ok:
            return f"{self.entries} entries; the log was altered: {self.problem}."
        if not self.entries:
            return "Nothing has been sent to a cloud service from this computer."
        parts = [f"{self.delivered} message(s) reached a cloud provider"]
        if self.failed:
            parts.append(f"{self.failed} could not be delivered")
        if self.unknown:
            parts.append(f"{self.unknown} without a recorded outcome (Hearth stopped during the send)")
        how = ("each entry is chained and signed" if self.signatures_checked
               else "each entry is chained; signatures not checked: the keyring is unavailable or holds no audit key")
        return "; ".join(parts) + f". The log is intact ({how})."


class _FileLock:
    """An advisory lock on ``path`` shared by every process (flock; msvcrt on Windows)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def hold(self, exclusive: bool) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+b")
        except OSError:
            if exclusive:
                raise
            yield  # a read-only place: reading without the lock beats not reading at all
            return
        with fh:
            try:
                import fcntl
            except ImportError:  # Windows: byte-range lock on the first byte (waits up to ~10 s a try)
                import msvcrt

                while True:
                    try:
                        msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]  # Windows-only
                        break
                    except OSError:
                        continue
                try:
                    yield
                finally:
                    fh.seek(0)
                    msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]  # Windows-only
                return
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class _ChainOnly:
    """A key source that never touches the keyring: verify the chain, not the signatures
    (``hearth doctor`` promises not to read the keyring, which may pop up an unlock dialog)."""

    def existing(self) -> tuple[bytes | None, int]:
        raise KeyringUnavailable("The keyring is not consulted here.")

    def get_or_create(self, next_seq: int) -> tuple[bytes, int]:
        raise KeyringUnavailable("The keyring is not consulted here.")


CHAIN_ONLY = _ChainOnly()


class AuditLog:
    """The audit log (see module doc). ``keys`` is an :class:`AuditKeyStore` (tests pass one)."""

    def __init__(self, path: Path | None = None, *, keys: Any = None) -> None:
        self.path = Path(path) if path else get_paths().audit_log
        self.head_path = self.path.with_name(self.path.name + ".head")
        self.torn_path = self.path.with_name(self.path.name + ".torn")
        self._flock = _FileLock(self.path.with_name(self.path.name + ".lock"))
        if keys is None:
            from engine.cloud.keys import AuditKeyStore

            keys = AuditKeyStore()
        self._keys = keys

    # -- writing -------------------------------------------------------------------------
    def append(self, *, provider: str, model: str, text: str, redactions: list[str], reasons: list[str],
               history: list[dict] | None = None, route: str = "cloud", zone: str = "cloud",
               rules: list[str] | None = None) -> dict:
        """Record one outbound request. Call *before* sending; a StorageError means do not send.
        ``zone`` is the endpoint's trust zone (cloud | trusted); ``rules`` the router rule ids that
        allowed it."""
        return self._write({"kind": "request", "provider": provider, "model": model, "route": route,
                            "zone": zone, "rules": list(rules or []),
                            "text": text, "history": history or [], "redactions": list(redactions),
                            "reasons": list(reasons)})

    def record_outcome(self, entry: dict | None, delivered: bool, detail: str = "") -> dict | None:
        """Record what became of a request ``append`` returned (call after the send).

        Never raises: the message has already gone (or not), and a failure to note that must not
        turn into a failed answer. A missing outcome reads as "Hearth stopped during the send"."""
        if not entry or "seq" not in entry:
            return None
        try:
            return self._write({"kind": "outcome", "of": int(entry["seq"]), "delivered": bool(delivered),
                                "detail": str(detail)[:500]})
        except (HearthError, OSError):
            log.warning("could not record the outcome of audit entry %s", entry.get("seq"), exc_info=True)
            return None

    def _write(self, fields: dict) -> dict:
        try:
            with _lock, self._flock.hold(exclusive=True):
                self._recover_torn_tail()
                seq, prev, last = self._last_record()
                key, since = self._signing_key(seq + 1, last)
                entry = {"seq": seq + 1, "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         **fields, "prev": prev}
                entry["hash"] = entry_hash(prev, entry)
                if key is not None:
                    entry["mac"] = _mac(key, entry["hash"])
                start = self._append_line((json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
                head = {"seq": entry["seq"], "hash": entry["hash"]}
                if key is not None and entry["seq"] >= since:
                    head["mac"] = _mac(key, f"head:{entry['seq']}:{entry['hash']}")
                try:
                    atomic_write_text(self.head_path, json.dumps(head))
                except StorageError as exc:
                    # Take the record back: a head more than one record behind would read as
                    # tampering, and nothing is sent for a record that is not complete.
                    self._truncate_to(start)
                    cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else OSError(errno.EIO, exc.message)
                    raise self._storage_error(cause) from exc
                return entry
        except OSError as exc:
            raise self._storage_error(exc) from exc

    def _storage_error(self, exc: OSError) -> StorageError:
        if exc.errno == errno.ENOSPC:
            return StorageError("The disk is full: the audit log could not be written, so nothing was sent.",
                                "Free some space, or answer locally.")
        return StorageError(f"The audit log {self.path} could not be written ({exc.strerror or exc}); "
                            "nothing was sent.", "Check that folder's permissions, or answer locally.")

    def _signing_key(self, seq: int, last: dict | None) -> tuple[bytes | None, int]:
        """(key, first seq it signs); (None, 0) when entries go out unsigned.

        A log that is already signed is never continued unsigned: that would look like tampering
        later. Without the keyring, such a send is refused rather than recorded weaker."""
        try:
            return self._keys.get_or_create(seq)
        except KeyringUnavailable as exc:
            if last is not None and last.get("mac"):
                raise StorageError(
                    "The audit log is signed with a key kept in your keyring, and the keyring cannot be "
                    f"opened ({exc.message}); nothing was sent.",
                    "Unlock or repair the system keyring, or answer locally.") from exc
            return None, 0

    def _truncate_to(self, size: int) -> None:
        with contextlib.suppress(OSError), open(self.path, "r+b") as fh:
            fh.truncate(size)
            os.fsync(fh.fileno())

    def _append_line(self, data: bytes) -> int:
        """Append one record and fsync it; returns the log's size before it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            start = os.fstat(fd).st_size
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                # Half a record (full disk, I/O error) must not stay: nothing will be sent for it.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                    os.fsync(fd)
                raise
        finally:
            os.close(fd)
        return start

    def _recover_torn_tail(self) -> None:
        """Move an unfinished last record (no newline: the writer died mid-write) out of the log."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0:
            return
        with open(self.path, "r+b") as fh:
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            cut = self._last_newline(fh, size) + 1
            fh.seek(cut)
            torn = fh.read()
            with open(self.torn_path, "ab") as keep:  # kept for inspection, outside the chain
                keep.write(torn + b"\n")
                keep.flush()
                os.fsync(keep.fileno())
            fh.truncate(cut)
            fh.flush()
            os.fsync(fh.fileno())
        log.warning("audit log: moved an unfinished record (%d bytes) to %s", len(torn), self.torn_path)

    @staticmethod
    def _last_newline(fh: Any, end: int) -> int:
        """Offset of the last b'\\n' before ``end`` (-1 if none)."""
        pos = end
        while pos > 0:
            step = min(1 << 16, pos)
            pos -= step
            fh.seek(pos)
            i = fh.read(step).rfind(b"\n")
            if i >= 0:
                return pos + i
        return -1

    def _last_record(self) -> tuple[int, str, dict | None]:
        """(seq, hash, record) of the last complete record; (0, GENESIS, None) for an empty log."""
        try:
            fh = open(self.path, "rb")
        except FileNotFoundError:
            return 0, GENESIS, None
        with fh:
            end = fh.seek(0, os.SEEK_END)
            if end == 0:
                return 0, GENESIS, None
            stop = self._last_newline(fh, end)           # the newline ending the last record
            start = self._last_newline(fh, stop) + 1 if stop > 0 else 0
            fh.seek(start)
            line = fh.read(stop - start + 1)
        try:
            last = json.loads(line)
            return int(last["seq"]), str(last["hash"]), last
        except (ValueError, KeyError, TypeError):
            raise StorageError(
                f"The last entry of the audit log {self.path} is damaged, so a new entry cannot be chained "
                "to it; nothing was sent.",
                f"Run `hearth audit` to see the damage; move {self.path.name} aside to start a new log "
                "(keep the old one for inspection), or answer locally.") from None

    # -- reading -------------------------------------------------------------------------
    def _lines(self) -> Iterator[tuple[int, str, bool]]:
        """(line number, text, complete) for each non-empty line; only the last may be incomplete."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace", newline="\n") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    yield n, line, line.endswith("\n")

    def entries(self) -> list[dict]:
        """Requests in order, each with ``outcome`` (``{"delivered", "detail", "time"}`` or None).

        Unreadable lines appear as ``{"corrupt": text}``; an unfinished last record is left out."""
        out: list[dict] = []
        by_seq: dict[int, dict] = {}
        for _, line, complete in self._lines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                if complete:
                    out.append({"corrupt": line.strip()})
                continue
            if not isinstance(rec, dict):
                out.append({"corrupt": line.strip()})
            elif rec.get("kind") == "outcome":
                target = by_seq.get(rec.get("of"))  # type: ignore[arg-type]
                if target is not None:
                    target["outcome"] = {k: rec.get(k) for k in ("delivered", "detail", "time")}
            else:
                rec.setdefault("outcome", None)
                by_seq[rec.get("seq")] = rec  # type: ignore[index]
                out.append(rec)
        return out

    def verify(self) -> VerifyResult:
        """Walk the chain and the signatures; report the first record edited, removed or forged."""
        with _lock, self._flock.hold(exclusive=False):  # not while an append is half done
            try:
                key, since = self._keys.existing()
            except KeyringUnavailable:
                key, since = None, 0
            return self._verify(key, since)

    def _verify(self, key: bytes | None, since: int) -> VerifyResult:
        prev, seq, records, signed = GENESIS, 0, 0, 0
        requests: dict[int, bool | None] = {}  # seq of each request -> delivered (None: no outcome)
        torn = False

        def bad(problem: str, line: int | None) -> VerifyResult:
            return VerifyResult(False, len(requests), problem, line, records, signatures_checked=key is not None)

        for n, line, complete in self._lines():
            if not complete:  # never finished, never sent: a crash, not an edit (the head says which)
                torn = True
                break
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                return bad(f"line {n} is not valid JSON (the log was edited or damaged)", n)
            if not isinstance(entry, dict) or entry.get("prev") != prev or entry.get("seq") != seq + 1:
                return bad(f"entry on line {n} does not follow the one before it "
                           "(an entry was deleted, added or reordered)", n)
            if entry_hash(prev, entry) != entry.get("hash"):
                return bad(f"entry on line {n} was changed after it was written", n)
            if key is not None and entry["seq"] >= since:
                if not hmac.compare_digest(str(entry.get("mac", "")), _mac(key, entry["hash"])):
                    return bad(f"entry on line {n} does not carry Hearth's signature "
                               "(it was written or rewritten outside Hearth)", n)
                signed += 1
            if entry.get("kind") == "outcome":
                if entry.get("of") in requests:
                    requests[entry["of"]] = bool(entry.get("delivered"))
            else:
                requests[entry["seq"]] = None
            prev, seq, records = entry["hash"], entry["seq"], records + 1
        problem = self._check_head(seq, prev, key, since)
        if problem:
            return bad(problem, None)
        delivered = sum(1 for v in requests.values() if v is True)
        failed = sum(1 for v in requests.values() if v is False)
        return VerifyResult(True, len(requests), None, None, records, delivered, failed,
                            len(requests) - delivered - failed, signed, key is not None, torn)

    def _check_head(self, seq: int, last_hash: str, key: bytes | None, since: int) -> str | None:
        """The head names the last record Hearth finished writing: at most one behind the log
        (a crash between the log write and the head write), never ahead of it."""
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            head_seq, head_hash = int(head["seq"]), str(head["hash"])
        except FileNotFoundError:
            # no head yet: a crash right after the very first record is the only honest way
            return None if seq <= 1 else "the audit head file was deleted"
        except (ValueError, KeyError, TypeError):
            return "the audit head file is damaged"
        if head_seq > seq:
            return "the last entries of the log were removed"
        if head_seq < seq - 1:
            return "entries were added to the end of the log outside Hearth"
        if key is not None and head_seq >= since and not hmac.compare_digest(
                str(head.get("mac", "")), _mac(key, f"head:{head_seq}:{head_hash}")):
            return "the audit head file was written outside Hearth"
        if head_seq == seq and head_hash != last_hash:
            return "the last entry of the log was replaced"
        if head_seq == seq - 1 and not self._hash_at(head_seq, head_hash):
            return "the entry the head file names is not in the log"
        return None

    def _hash_at(self, seq: int, digest: str) -> bool:
        if seq == 0:
            return True
        for _, line, complete in self._lines():
            if complete:
                with contextlib.suppress(ValueError):
                    rec = json.loads(line)
                    if isinstance(rec, dict) and rec.get("seq") == seq:
                        return rec.get("hash") == digest
        return False


def delivery(exc: BaseException | None, answered: bool) -> tuple[bool, str]:
    """``(delivered, detail)`` for :meth:`AuditLog.record_outcome` after a send.

    ``answered``: the provider sent back at least some of an answer. Delivered means the provider
    answered (possibly with an error status); not delivered means no answer came back, and the
    detail says whether the request could still have reached it."""
    if exc is None:
        return (True, "answered") if answered else (
            False, "stopped before the provider answered (the request may have reached it)")
    if answered:
        return True, f"answered, then failed: {_brief(exc)}"
    chain = _causes(exc)
    names = {type(e).__name__ for e in chain}
    if any(getattr(e, "status_code", None) for e in chain):
        return True, f"the provider answered with an error: {_brief(exc)}"
    if names & {"ConnectError", "ConnectionRefusedError", "ConnectTimeout", "gaierror"}:
        return False, "could not connect to the provider: nothing was delivered"
    if isinstance(exc, GeneratorExit) or type(exc).__name__ in ("Cancelled", "KeyboardInterrupt"):
        return False, "stopped before the provider answered (the request may have reached it)"
    return False, f"no answer from the provider (the request may have reached it): {_brief(exc)}"


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 10:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _brief(exc: BaseException) -> str:
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__)[:300]


def audited_stream(audit: Any, entry: dict | None, stream: Iterator[str]) -> Iterator[str]:
    """Relay a provider's ``stream``; when it ends (answered, failed, cancelled or abandoned),
    record the outcome of the request ``entry`` in ``audit``."""
    answered = False
    outcome = (False, "stopped before the provider answered (the request may have reached it)")
    try:
        for piece in stream:
            answered = True
            yield piece
        outcome = delivery(None, answered)
    except BaseException as exc:
        outcome = delivery(exc, answered)
        raise
    finally:
        if audit is not None:
            audit.record_outcome(entry, *outcome)


def diagnose(path: Path | None = None) -> Diagnosis:
    """The hash chain of the audit log (read-only; the signatures need the keyring: ``hearth
    audit`` checks those). A break is an error: only the part before it can be trusted."""
    from engine.diagnosis import Diagnosis

    audit = AuditLog(path, keys=CHAIN_ONLY)
    d = Diagnosis("paths")
    if not audit.path.exists():
        return d
    check = audit.verify()
    d.facts = {"audit_log": {"entries": check.entries, "chain_ok": check.ok}}
    if not check.ok:
        d.problem("error", f"The cloud audit log {audit.path} was changed outside Hearth: {check.problem}.",
                  "Keep a copy of the file for inspection; 'hearth audit' lists the entries. "
                  "Only the part before the break can be trusted.")
    return d
