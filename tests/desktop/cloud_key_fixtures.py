"""Fixtures for desktop test modules whose chats span tests in ask mode: one HEARTH_HOME and one
in-memory keyring holding a (never used) cloud key for the whole module, instead of the suite's
fresh empty keyring per test. Bring them into a test module with
``hearth_home, ring, memory_keyring_backend = keys.hearth_home, keys.ring, keys.memory_keyring_backend``
after ``from tests.desktop import cloud_key_fixtures as keys``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import keyring
import pytest

from tests.desktop.conftest import MemoryKeyring


@pytest.fixture(autouse=True)
def hearth_home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEARTH_HOME", str(module_home))
    return module_home


@pytest.fixture(scope="module")
def ring() -> Iterator[MemoryKeyring]:
    old = keyring.get_keyring()
    r = MemoryKeyring()
    keyring.set_keyring(r)
    r.set_password("hearth-cloud", "openai", "sk-never-used")
    yield r
    keyring.set_keyring(old)


@pytest.fixture(autouse=True)
def memory_keyring_backend(ring: MemoryKeyring) -> Iterator[MemoryKeyring]:
    keyring.set_keyring(ring)
    yield ring
