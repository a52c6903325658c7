"""``hearth cloud set-key|status``, ``hearth audit`` and ``hearth usage``."""

from __future__ import annotations

import io
import json

from engine.cli.main import main
from engine.cloud.audit import AuditLog
from engine.cloud.usage import UsageStore


def test_set_key_goes_to_the_keyring_only(memory_keyring, monkeypatch, capsys, hearth_home):
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-proj-abc123secret\n"))
    assert main(["cloud", "set-key", "openai", "--stdin"]) == 0
    assert memory_keyring.store[("hearth-cloud", "openai")] == "sk-proj-abc123secret"
    assert not any("sk-proj-abc123secret" in p.read_text(errors="ignore") for p in hearth_home.rglob("*") if p.is_file())
    assert main(["cloud", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert status["key_stored"] is True and status["mode"] == "off"
    assert main(["cloud", "set-key", "openai", "--delete"]) == 0
    assert ("hearth-cloud", "openai") not in memory_keyring.store


def test_set_key_without_keyring_fails_clearly(fail_keyring, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-proj-abc123secret\n"))
    assert main(["cloud", "set-key", "openai", "--stdin"]) == 1
    assert "keyring" in capsys.readouterr().err


def test_audit_shows_entries_and_fails_on_tampering(capsys):
    log = AuditLog()
    log.append(provider="openai", model="m", text="What is [PERSON_1]'s role?", redactions=["PERSON"],
               reasons=["names a person"])
    log.append(provider="openai", model="m", text="Write a haiku.", redactions=[], reasons=["nothing sensitive"])
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "What is [PERSON_1]'s role?" in out and "intact" in out
    log.path.write_text(log.path.read_text().replace("haiku", "limerick"))
    assert main(["audit"]) == 1
    assert "BROKEN" in capsys.readouterr().out


def test_usage_by_day_and_provider(capsys):
    store = UsageStore()
    store.record(provider="openai", model="gpt-4o-mini", kind="cloud", input_tokens=1_000_000, output_tokens=0,
                 day="2026-01-01")
    store.record(provider="local", model="smollm2", kind="local", input_tokens=0, output_tokens=1_000_000,
                 day="2026-01-02")
    assert main(["usage"]) == 0
    out = capsys.readouterr().out
    assert "2026-01-01" in out and "openai" in out and "2026-01-02" in out
    assert "Total cloud cost $0.1500; local answers saved $0.6000" in out


def test_audit_json_is_the_cores_view_with_outcomes(capsys):
    """`hearth audit --json` lists what the app's audit viewer lists (``core.audit``): each
    entry says whether it reached the provider."""
    from engine.core import Core

    log = AuditLog()
    sent = log.append(provider="openai", model="m", text="How do rainbows form?", redactions=[], reasons=["public"])
    log.record_outcome(sent, False, "could not connect to the provider: nothing was delivered")
    assert main(["audit", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["entries"] == 1
    (entry,) = data["shown"]
    assert entry["text"] == "How do rainbows form?" and entry["delivered"] is False
    assert entry["outcome_detail"].startswith("could not connect")
    with Core() as core:
        assert [e.text for e in core.audit.details(limit=20).entries] == [entry["text"]]
