"""The embedder a vector collection was built with is in its chroma metadata; a store told to use
another embedder refuses it (vectors of two models cannot be compared), and a collection made
before the metadata existed adopts the first embedder that uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.docs.vectors import DIM_KEY, EMBEDDER_KEY, VectorStore
from engine.errors import IndexError_


def _vec(x: float, dim: int = 8) -> list[float]:
    return [x] * dim


def test_new_collection_records_its_embedder(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "chroma")
    store.use_embedder(1, "model-a", lambda: 8)
    store.upsert(1, ["a"], [_vec(0.1)], [{"path": "x"}])
    meta = store.client.get_collection("hearth-c1").metadata
    assert meta[EMBEDDER_KEY] == "model-a" and meta[DIM_KEY] == 8


def test_another_embedder_is_refused_for_reading_and_writing(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "chroma")
    store.use_embedder(1, "model-a", lambda: 8)
    store.upsert(1, ["a"], [_vec(0.1)], [{"path": "x"}])
    other = VectorStore(tmp_path / "chroma")
    other.use_embedder(1, "model-b", lambda: 8)
    with pytest.raises(IndexError_) as err:
        other.query(1, _vec(0.1), 5)
    assert "model-a" in err.value.message and "model-b" in err.value.message
    assert "rm" in (err.value.hint or "")  # local: what to do
    with pytest.raises(IndexError_):
        other.upsert(1, ["b"], [_vec(0.2)], [{"path": "y"}])
    assert store.count(1) == 1  # nothing was written by the refused store


def test_same_model_other_dimension_is_refused(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "chroma")
    store.use_embedder(1, "model-a", lambda: 8)
    store.upsert(1, ["a"], [_vec(0.1)], [{"path": "x"}])
    other = VectorStore(tmp_path / "chroma")
    other.use_embedder(1, "model-a", lambda: 16)
    with pytest.raises(IndexError_, match="16 dimensions"):
        other.count(1)


def test_collection_without_metadata_is_adopted(tmp_path: Path) -> None:
    old = VectorStore(tmp_path / "chroma")  # as before this change: no embedder known
    old.upsert(1, ["a"], [_vec(0.1)], [{"path": "x"}])
    assert EMBEDDER_KEY not in (old.client.get_collection("hearth-c1").metadata or {})
    store = VectorStore(tmp_path / "chroma")
    store.use_embedder(1, "model-a", lambda: 8)
    assert [i for i, _ in store.query(1, _vec(0.1), 5)] == ["a"]  # keeps working
    meta = store.client.get_collection("hearth-c1").metadata
    assert meta[EMBEDDER_KEY] == "model-a" and meta[DIM_KEY] == 8
    later = VectorStore(tmp_path / "chroma")
    later.use_embedder(1, "model-b", lambda: 8)
    with pytest.raises(IndexError_):
        later.count(1)
