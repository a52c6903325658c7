from __future__ import annotations

import errno
import json

import pytest

from engine.cloud.audit import AuditLog
from engine.errors import StorageError


def _fill(log: AuditLog, n: int = 3) -> None:
    for i in range(n):
        log.append(provider="openai", model="m", text=f"question {i} about [PERSON_1]", redactions=["PERSON"],
                   reasons=["names a person"])


def test_entries_chain_and_verify(hearth_home):
    log = AuditLog()
    _fill(log)
    entries = log.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[1]["prev"] == entries[0]["hash"] and entries[0]["prev"] == "0" * 64
    assert entries[2]["text"] == "question 2 about [PERSON_1]" and entries[2]["redactions"] == ["PERSON"]
    assert log.path == hearth_home / "data" / "audit.jsonl"
    assert log.verify().ok and log.verify().entries == 3


def _rewrite(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(lines), encoding="utf-8")


def test_edited_entry_is_detected(hearth_home):
    log = AuditLog()
    _fill(log)
    lines = log.path.read_text().splitlines(keepends=True)
    e = json.loads(lines[1])
    e["text"] = "something else"
    lines[1] = json.dumps(e) + "\n"
    _rewrite(log, lines)
    result = log.verify()
    assert not result.ok and result.line == 2 and "changed" in result.problem


def test_deleted_middle_entry_is_detected(hearth_home):
    log = AuditLog()
    _fill(log)
    lines = log.path.read_text().splitlines(keepends=True)
    _rewrite(log, [lines[0], lines[2]])
    result = log.verify()
    assert not result.ok and "deleted" in result.problem


def test_deleted_last_entry_is_detected(hearth_home):
    log = AuditLog()
    _fill(log)
    lines = log.path.read_text().splitlines(keepends=True)
    _rewrite(log, lines[:2])
    result = log.verify()
    assert not result.ok and "removed" in result.problem


def test_truncated_line_is_detected(hearth_home):
    log = AuditLog()
    _fill(log)
    data = log.path.read_text()
    log.path.write_text(data[:-20])
    assert not log.verify().ok


def test_full_disk_raises_and_keeps_earlier_entries(hearth_home, monkeypatch):
    log = AuditLog()
    _fill(log, 2)
    before = log.path.read_bytes()

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("engine.cloud.audit.os.fsync", no_space)
    with pytest.raises(StorageError) as err:
        log.append(provider="openai", model="m", text="x", redactions=[], reasons=[])
    assert "nothing was sent" in err.value.message
    assert log.path.read_bytes().startswith(before)
