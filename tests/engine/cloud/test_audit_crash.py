"""The audit log under crashes, full disks, concurrent writers and someone editing its files.

Each test here failed against the log before it became crash-safe and signed: a crash between the
log write and the head write gave a false "entries removed" and a reused sequence number; a torn
last line glued the next entry onto it; two processes appending at once forked the chain; an
entry rewritten with a recomputed hash chain passed; nothing said whether a send was delivered.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from engine.cloud.audit import AuditLog, delivery, entry_hash
from engine.cloud.keys import AUDIT_SERVICE, AUDIT_USER
from engine.errors import StorageError

REPO = Path(__file__).resolve().parents[3]


def _append(log: AuditLog, text: str = "a question") -> dict:
    return log.append(provider="openai", model="m", text=text, redactions=[], reasons=["no personal data"])


def _seqs(log: AuditLog) -> list[int]:
    return [json.loads(line)["seq"] for line in log.path.read_text(encoding="utf-8").splitlines()]


def test_entries_are_signed_with_a_key_kept_in_the_keyring(memory_keyring_backend):
    log = AuditLog()
    entry = _append(log)
    stored = json.loads(memory_keyring_backend.store[(AUDIT_SERVICE, AUDIT_USER)])
    assert stored["since"] == 1 and len(bytes.fromhex(stored["key"])) == 32
    assert entry["mac"] and stored["key"] not in log.path.read_text()  # the key never reaches a file
    result = log.verify()
    assert result.ok and result.signatures_checked and result.signed == 1


def test_a_crash_between_log_and_head_is_not_tampering_and_seq_is_not_reused():
    log = AuditLog()
    _append(log, "one")
    head_after_one = log.head_path.read_text()
    _append(log, "two")
    log.head_path.write_text(head_after_one)  # as if killed after the log's fsync, before the head write
    assert log.verify().ok
    _append(log, "three")
    assert _seqs(log) == [1, 2, 3]
    assert log.verify().ok and log.verify().entries == 3


def test_torn_last_line_is_ignored_then_moved_aside():
    log = AuditLog()
    _append(log, "one")
    with open(log.path, "ab") as fh:  # kill -9 in the middle of writing entry 2 (never sent)
        fh.write(b'{"seq": 2, "kind": "request", "text": "half a rec')
    result = log.verify()
    assert result.ok and result.torn_tail and result.entries == 1
    assert [e["text"] for e in log.entries()] == ["one"]
    _append(log, "two")
    assert _seqs(log) == [1, 2] and log.verify().ok and not log.verify().torn_tail
    assert b"half a rec" in log.torn_path.read_bytes()


def test_torn_line_with_the_head_pointing_past_it_is_tampering():
    log = AuditLog()
    for t in ("one", "two", "three"):
        _append(log, t)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-20])  # a finished entry cut short: the head saw it complete
    result = log.verify()
    assert not result.ok and "removed" in result.problem


def test_rewritten_entry_with_a_recomputed_chain_is_caught_by_the_signature():
    log = AuditLog()
    for t in ("one", "two", "three"):
        _append(log, t)
    lines = [json.loads(x) for x in log.path.read_text().splitlines()]
    prev = "0" * 64
    for e in lines:  # someone who can edit files re-hashes the whole chain after an edit
        if e["text"] == "two":
            e["text"] = "something harmless"
        e["prev"] = prev
        e["hash"] = entry_hash(prev, e)
        prev = e["hash"]
    log.path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    log.head_path.write_text(json.dumps({"seq": 3, "hash": prev}))
    result = log.verify()
    assert not result.ok and result.line == 2 and "signature" in result.problem


def test_stripping_signatures_is_caught():
    log = AuditLog()
    _append(log)
    e = json.loads(log.path.read_text())
    e.pop("mac")
    log.path.write_text(json.dumps(e) + "\n")
    assert not log.verify().ok


def test_cutting_entries_and_rewriting_the_head_is_caught():
    log = AuditLog()
    for t in ("one", "two", "three"):
        _append(log, t)
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text("".join(lines[:2]))
    second = json.loads(lines[1])
    log.head_path.write_text(json.dumps({"seq": 2, "hash": second["hash"]}))  # no valid signature
    result = log.verify()
    assert not result.ok and "head" in result.problem


def test_outcomes_are_recorded_and_counted():
    log = AuditLog()
    a, b = _append(log, "a"), _append(log, "b")
    _append(log, "c")
    log.record_outcome(a, True, "answered")
    log.record_outcome(b, False, "could not connect to the provider: nothing was delivered")
    entries = log.entries()
    assert [e["text"] for e in entries] == ["a", "b", "c"]  # outcomes are not requests
    assert entries[0]["outcome"]["delivered"] is True
    assert entries[1]["outcome"] == {"delivered": False, "time": entries[1]["outcome"]["time"],
                                     "detail": "could not connect to the provider: nothing was delivered"}
    assert entries[2]["outcome"] is None
    result = log.verify()
    assert (result.ok, result.entries, result.records) == (True, 3, 5)
    assert (result.delivered, result.failed, result.unknown) == (1, 1, 1)
    assert "1 message(s) reached a cloud provider" in result.summary()
    assert "1 could not be delivered" in result.summary()


def test_without_a_keyring_the_log_is_chained_but_unsigned_and_never_downgraded():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        log = AuditLog()
        _append(log, "unsigned")
        result = log.verify()
        assert result.ok and not result.signatures_checked and "mac" not in json.loads(log.path.read_text())
    finally:
        keyring.set_keyring(previous)
    # a keyring appears: signing starts with the next entry and the older one stays valid
    _append(log, "signed")
    result = log.verify()
    assert result.ok and result.signed == 1 and result.entries == 2
    # the keyring goes away again: a signed log is not continued unsigned, and nothing is written
    keyring.set_keyring(fail.Keyring())
    try:
        before = log.path.read_bytes()
        with pytest.raises(StorageError) as err:
            _append(log, "would be unsigned")
        assert "nothing was sent" in err.value.message and log.path.read_bytes() == before
    finally:
        keyring.set_keyring(previous)


def test_a_log_from_before_signing_keeps_verifying(hearth_home):
    import hashlib

    log = AuditLog()
    log.path.parent.mkdir(parents=True, exist_ok=True)
    prev, lines = "0" * 64, []
    for seq in (1, 2):  # the old format: no kind, no mac
        e = {"seq": seq, "time": "2025-01-01T00:00:00+00:00", "provider": "openai", "model": "m",
             "route": "cloud", "text": f"old {seq}", "history": [], "redactions": [], "reasons": [], "prev": prev}
        e["hash"] = hashlib.sha256(prev.encode() + json.dumps(
            e, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
        prev = e["hash"]
        lines.append(json.dumps(e) + "\n")
    log.path.write_text("".join(lines))
    log.head_path.write_text(json.dumps({"seq": 2, "hash": prev}))
    assert log.verify().ok
    _append(log, "new")
    result = log.verify()
    assert result.ok and result.entries == 3 and result.signed == 1


def test_full_disk_at_the_head_takes_the_entry_back(monkeypatch):
    log = AuditLog()
    _append(log, "one")
    before = log.path.read_bytes()

    def no_space(path, text):
        raise StorageError("The disk is full: could not save it.") from OSError(errno.ENOSPC, "No space left")

    monkeypatch.setattr("engine.cloud.audit.atomic_write_text", no_space)
    with pytest.raises(StorageError) as err:
        _append(log, "two")
    assert "nothing was sent" in err.value.message
    assert log.path.read_bytes() == before
    monkeypatch.undo()
    _append(log, "two")
    assert _seqs(log) == [1, 2] and log.verify().ok


def test_full_disk_mid_write_leaves_no_half_entry(monkeypatch):
    log = AuditLog()
    _append(log, "one")
    before = log.path.read_bytes()
    real_write = os.write

    def short_then_full(fd, data):
        if len(data) > 40:
            return real_write(fd, bytes(data[:40]))  # a partial write, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("engine.cloud.audit.os.write", short_then_full)
    with pytest.raises(StorageError):
        _append(log, "two")
    monkeypatch.undo()
    assert log.path.read_bytes() == before and log.verify().ok


def test_a_damaged_last_entry_stops_sending_with_a_clear_message():
    log = AuditLog()
    _append(log, "one")
    with open(log.path, "ab") as fh:
        fh.write(b"this is not json\n")
    with pytest.raises(StorageError) as err:
        _append(log, "two")
    assert "damaged" in err.value.message and "nothing was sent" in err.value.message


_WRITER = """
import sys
from engine.cloud.audit import AuditLog
log = AuditLog()
for i in range(int(sys.argv[1])):
    e = log.append(provider="openai", model="m", text=f"{sys.argv[2]} {i}", redactions=[], reasons=[])
    log.record_outcome(e, True, "answered")
"""


def test_processes_appending_at_once_keep_one_chain(tmp_path, hearth_home, monkeypatch):
    from tests.support.file_keyring import SharedTestKeyring

    monkeypatch.setenv("HEARTH_TEST_KEYRING", str(tmp_path / "keyring.json"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.SharedTestKeyring"}
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, "25", f"writer{i}"], env=env) for i in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    keyring.set_keyring(SharedTestKeyring())  # the same keyring as the writers (restored by conftest)
    log = AuditLog()
    assert _seqs(log) == list(range(1, 151))
    result = log.verify()
    assert result.ok, result.problem
    assert (result.entries, result.delivered, result.signed) == (75, 75, 150)


@pytest.mark.parametrize("exc, answered, delivered, words", [
    (None, True, True, "answered"),
    (None, False, False, "may have reached"),
    (RuntimeError("boom"), True, True, "answered, then failed"),
])
def test_delivery_wording(exc, answered, delivered, words):
    got, detail = delivery(exc, answered)
    assert got is delivered and words in detail


def test_a_log_moved_aside_starts_again_fully_signed(memory_keyring_backend):
    log = AuditLog()
    for t in ("one", "two", "three"):
        _append(log, t)
    key = json.loads(memory_keyring_backend.store[(AUDIT_SERVICE, AUDIT_USER)])["key"]
    log.path.rename(log.path.with_name("audit-old.jsonl"))  # what the damaged-log hint tells people
    log.head_path.unlink()
    _append(log, "first of the new log")
    stored = json.loads(memory_keyring_backend.store[(AUDIT_SERVICE, AUDIT_USER)])
    assert stored == {"v": 1, "key": key, "since": 1}  # same key; this log is checked from its first record
    result = log.verify()
    assert result.ok and result.signed == 1 and _seqs(log) == [1]
