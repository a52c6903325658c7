"""`hearth models ...` end to end through the real CLI entry point."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.models.catalog import CatalogEntry
from engine.starter import STARTER_MODEL_ID
from tests.support.hub_server import LoopbackHub


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test on any outgoing connection (these commands must be fully local)."""
    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"unexpected network connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def test_local_commands_never_touch_the_network(capsys: pytest.CaptureFixture[str], no_network: None,
                                                starter_gguf: Path) -> None:
    code, out, _ = run(capsys, "models", "list")
    assert code == 0 and STARTER_MODEL_ID in out and "starter" in out
    code, out, _ = run(capsys, "models", "list", "--catalog", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 10 and {r["fit"] for r in rows} <= {"gpu", "partial", "cpu", "too_large"}
    code, out, _ = run(capsys, "models", "info", STARTER_MODEL_ID, "--json")
    info = json.loads(out)
    assert info["gguf"]["layers"] == 30 and info["catalog"]["sha256"].startswith("b179c952")
    code, out, _ = run(capsys, "models", "fit", STARTER_MODEL_ID, "--vram-gb", "6", "--json")
    plan = json.loads(out)["plans"][0]
    assert plan["verdict"] == "gpu" and plan["n_gpu_layers"] == 31


def test_fit_without_gpu_and_unknown_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "fit", "gemma-3-12b-it-q4_k_s", "--ram-gb", "4", "--ctx", "4096")
    assert code == 0 and "too_large" in out
    code, _, err = run(capsys, "models", "fit", "no-such-model")
    assert code == 1 and "No model called 'no-such-model'" in err


def test_import_list_rm(capsys: pytest.CaptureFixture[str], starter_gguf: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "models", "import", str(starter_gguf), "--id", "mine")
    assert code == 0 and "imported mine: llama" in out and "chat template yes" in out
    code, out, _ = run(capsys, "models", "list")
    assert "mine" in out and "unverified" in out
    code, out, _ = run(capsys, "models", "rm", "mine")
    assert code == 0 and "freed 98.4 MB" in out
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x01" * 40)
    code, _, err = run(capsys, "models", "import", str(bad))
    assert code == 1 and "hearth:" in err and ("corrupt" in err or "truncated" in err)


def test_pull_search_through_the_hub(capsys: pytest.CaptureFixture[str], hub: LoopbackHub,
                                     starter_entry: CatalogEntry) -> None:
    code, out, err = run(capsys, "models", "pull", starter_entry.id)
    assert code == 0 and "verified" in out and "100.0%" in err
    code, out, _ = run(capsys, "models", "list", "--json")
    assert any(r["verified"] and r["repo"] == starter_entry.repo for r in json.loads(out))
    code, out, _ = run(capsys, "models", "search", "smollm2", "--json")
    found = json.loads(out)
    assert [m["id"] for m in found] == [starter_entry.repo] and found[0]["gguf_files"] == [starter_entry.file]
    code, out, _ = run(capsys, "models", "search", starter_entry.repo, "--files")
    assert starter_entry.file in out and "98.4 MB" in out and "unverified" in out
    code, _, err = run(capsys, "models", "pull", starter_entry.repo, "missing.gguf")
    assert code == 1 and "does not exist on the hub" in err


def test_pull_of_a_non_model_hub_file_is_refused(capsys: pytest.CaptureFixture[str], hub: LoopbackHub) -> None:
    code, _, err = run(capsys, "models", "pull", "someone/tiny-GGUF", "tiny-notes.gguf")
    assert code == 1 and "not a usable GGUF model" in err and "quarantined" in err
    code, out, _ = run(capsys, "models", "list", "--json")
    assert [r["id"] for r in json.loads(out)] == [STARTER_MODEL_ID]


def test_pull_restart_discards_the_partial(capsys: pytest.CaptureFixture[str], hub: LoopbackHub,
                                           starter_entry: CatalogEntry) -> None:
    hub.drop_after = 10 * 1024 * 1024
    code, _, err = run(capsys, "models", "pull", starter_entry.repo, starter_entry.file)
    assert code == 1 and "dropped" in err and "resume" in err
    code, out, _ = run(capsys, "models", "list")
    assert "partial download" in out
    hub.drop_after = None
    hub.reset_stats()
    code, out, _ = run(capsys, "models", "pull", starter_entry.repo, starter_entry.file, "--restart")
    assert code == 0 and "[unverified]" in out
    assert hub.file_gets()[0].range is None  # started from zero, as asked
