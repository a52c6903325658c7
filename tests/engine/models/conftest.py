"""Fixtures for the model manager tests: a loopback hub serving the real SmolLM2 GGUF."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from engine.models.catalog import CatalogEntry, load_catalog
from engine.starter import STARTER_MODEL_ID
from tests.support.hub_server import LoopbackHub, loopback_hub


@pytest.fixture
def starter_entry() -> CatalogEntry:
    """The catalog entry whose pinned sha256/size/revision describe the real starter file."""
    return load_catalog().get(STARTER_MODEL_ID)


@pytest.fixture
def hub(starter_gguf: Path, starter_entry: CatalogEntry, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackHub]:
    """A hub serving the starter GGUF at the catalog's repo and pinned revision; HF_ENDPOINT points at it."""
    with loopback_hub() as h:
        h.add_file(starter_entry.repo, starter_entry.file, starter_gguf, commit=starter_entry.revision)
        h.add_file("someone/tiny-GGUF", "tiny-notes.gguf", b"GGUF" + b"\x00" * 60)
        monkeypatch.setenv("HF_ENDPOINT", h.endpoint)
        yield h
