"""Each collection keeps the embedder it was built with: a new one records the embedder in its
manifest row as it is made, and searching or updating it later uses that record whatever the
settings say by then. Real embedders (the bundled MiniLM, float32 and int8 graphs), real chromadb.

The controls show each check can fail: a question embedded by the settings' embedder instead of
the collection's finds the wrong passages (a same-dimension embedder whose space is the float32
one turned inside out), and the int8 vectors differ measurably from the float32 ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from engine.config import DocumentSettings
from engine.docs import embedder as embedder_module
from engine.docs.embedder import INT8_SUFFIX, Embedder, for_new_collection, get_embedder, resolve_location
from engine.docs.onnx_embedder import find_onnx_model
from engine.docs.service import DocumentService
from engine.docs.vectors import EMBEDDER_KEY
from engine.errors import IndexError_
from engine.paths import Paths
from engine.starter import STARTER_EMBEDDER_ID

pytestmark = pytest.mark.slow

FLOAT32 = STARTER_EMBEDDER_ID
INT8 = STARTER_EMBEDDER_ID + INT8_SUFFIX
NOTES = {
    "otters.txt": "Sea otters hold hands while they sleep so that the current does not carry them apart.",
    "bread.txt": "A sourdough starter is fed with flour and water twice a day before it can raise a loaf.",
    "bikes.txt": "Clean and oil the bicycle chain every few hundred kilometres and after riding in rain.",
    "tea.txt": "Green tea tastes bitter when the water is boiling; let it cool to about eighty degrees.",
    "kayak.txt": "Rinse the kayak with fresh water after paddling in the sea and store it upside down.",
}
QUESTION = "why do otters hold paws when sleeping"


def corpus(root: Path, names: tuple[str, ...] = tuple(NOTES)) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        (root / name).write_text(NOTES[name])
    return root


def service(home: Path, model: str | None = None) -> DocumentService:
    s = DocumentSettings(chunk_tokens=64, chunk_overlap=16)
    if model is not None:
        s.embedding_model = model
    return DocumentService(Paths(home, home / "data", home / "logs"), s)


def needs_int8() -> None:
    if find_onnx_model(INT8, resolve_location(INT8), own=False) is None:
        pytest.skip("no int8 graph exported here (make install exports it)")


class _Negated:
    """The float32 MiniLM's space turned inside out: same dimension, opposite directions."""

    def __init__(self, real: Embedder) -> None:
        self.real = real

    def encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        return -self.real.model.encode(texts, **kwargs)

    def get_sentence_embedding_dimension(self) -> int:
        return self.real.dim


@pytest.fixture
def negated(monkeypatch: pytest.MonkeyPatch) -> str:
    """A registered embedder id whose vectors live in another space than the float32 MiniLM's."""
    name = "test-negated-minilm"
    emb = Embedder(name, "unused")
    emb._model, emb.backend = _Negated(get_embedder(FLOAT32)), "onnx"
    monkeypatch.setitem(embedder_module._instances, name, emb)
    return name


def _vectors(svc: DocumentService, name: str) -> dict[str, np.ndarray]:
    coll = svc.manifest.collection(name)
    got = svc.vectors.client.get_collection(f"hearth-c{coll.id}").get(include=["embeddings", "metadatas"])
    return {m["path"].rsplit("/", 1)[-1]: np.asarray(e, dtype=np.float32)
            for e, m in zip(got["embeddings"], got["metadatas"])}


def test_old_collection_keeps_its_embedder_when_the_default_changes(tmp_path: Path, negated: str) -> None:
    home = tmp_path / "home"
    old = service(home, FLOAT32)
    old.add("old", [corpus(tmp_path / "c")])
    old.close()

    svc = service(home, negated)  # the settings now name another embedder of the same dimension
    assert svc.status("old").embed_model == FLOAT32 and svc.status("old").state == "ready"
    hits = svc.search("old", QUESTION, mode="vector")
    assert hits[0].rel_path == "otters.txt"

    # Control: the settings' embedder on this collection's vectors finds the wrong passage, so the
    # check above fails when search uses the settings instead of the collection's record.
    coll = svc.manifest.collection("old")
    wrong = svc.vectors.query(coll.id, svc.embedder.embed_query(QUESTION), 5)
    assert not svc.manifest.chunks_by_id([wrong[0][0]])[wrong[0][0]].path.endswith("otters.txt")

    # An incremental update embeds the new file with the collection's embedder too.
    (tmp_path / "c" / "more.txt").write_text("Otters also keep a favourite stone in a pouch under the arm.")
    assert svc.reindex("old").indexed == 1
    stored = _vectors(svc, "old")["more.txt"]
    chunk = next(c for c in svc.manifest.iter_chunks(coll.id) if c.path.endswith("more.txt"))
    assert float(stored @ np.asarray(get_embedder(FLOAT32).embed([chunk.embed_text])[0])) > 0.9999
    assert svc.search("old", "where does an otter keep its stone", mode="vector")[0].rel_path == "more.txt"

    # A new collection records and uses the embedder in the settings.
    svc.add("new", [corpus(tmp_path / "n")])
    assert svc.status("new").embed_model == negated
    assert svc.vectors.client.get_collection(f"hearth-c{svc.manifest.collection('new').id}").metadata[
        EMBEDDER_KEY] == negated
    assert svc.search("new", QUESTION, mode="vector")[0].rel_path == "otters.txt"
    svc.close()


def test_float32_collection_searches_with_float32_after_int8_becomes_the_default(tmp_path: Path) -> None:
    needs_int8()
    home = tmp_path / "home"
    old = service(home, FLOAT32)
    old.add("old", [corpus(tmp_path / "c")])
    old.close()

    svc = service(home)  # today's default
    assert svc.settings.embedding_model == INT8 and svc.embedder.model_id == INT8
    hits = svc.search("old", QUESTION, mode="vector")
    stored = _vectors(svc, "old")[hits[0].rel_path]
    q32 = np.asarray(get_embedder(FLOAT32).embed_query(QUESTION), dtype=np.float32)
    q8 = np.asarray(get_embedder(INT8).embed_query(QUESTION), dtype=np.float32)
    # The hit's similarity is the float32 question's, not the int8 one's (which differs: control).
    assert hits[0].relevance == pytest.approx(float(stored @ q32), abs=1e-5)
    assert abs(float(stored @ q8) - float(stored @ q32)) > 1e-4
    # A precomputed question vector of the settings' embedder is not used on this collection.
    again = svc.search("old", QUESTION, mode="vector", query_embedding=q8.tolist())
    assert again[0].relevance == pytest.approx(hits[0].relevance, abs=1e-6)

    svc.add("new", [corpus(tmp_path / "n")])
    assert svc.status("new").embed_model == INT8 and svc.status("old").embed_model == FLOAT32
    assert svc.status("old").new_model == INT8
    new_hits = svc.search("new", QUESTION, mode="vector")
    new_stored = _vectors(svc, "new")[new_hits[0].rel_path]
    assert new_hits[0].relevance == pytest.approx(float(new_stored @ q8), abs=1e-5)
    svc.close()


def test_rebuild_switches_a_collection_to_the_settings_embedder(tmp_path: Path, negated: str) -> None:
    home = tmp_path / "home"
    old = service(home, FLOAT32)
    first = old.add("c", [corpus(tmp_path / "c")])
    old.close()
    svc = service(home, negated)
    report = svc.reindex("c", rebuild=True)
    assert report.rebuilt and report.indexed == first.indexed
    assert svc.status("c").embed_model == negated
    assert svc.search("c", QUESTION, mode="vector")[0].rel_path == "otters.txt"
    svc.close()


def test_unknown_recorded_embedder_is_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    svc = service(home, FLOAT32)
    svc.add("c", [corpus(tmp_path / "c")])
    coll = svc.manifest.collection("c")
    before = (svc.manifest.counts(coll.id), svc.vectors.count(coll.id))
    svc.close()
    db = home / "data" / "index" / "manifest.sqlite3"
    if not db.exists():
        db = next(home.rglob("manifest.sqlite3"))
    with sqlite3.connect(db) as conn:  # as if written by a newer Hearth with a model not installed here
        conn.execute("UPDATE collections SET embed_model='no-such-org/embedder-v9' WHERE name='c'")

    svc = service(home, FLOAT32)
    for attempt in (lambda: svc.search("c", QUESTION), lambda: svc.reindex("c")):
        with pytest.raises(IndexError_) as err:
            attempt()
        assert "'no-such-org/embedder-v9'" in err.value.message and "cannot be loaded" in err.value.message
        assert "Nothing was changed" in (err.value.hint or "") and "--rebuild" in (err.value.hint or "")
    assert svc.search("c", "otters hold hands", mode="bm25")[0].rel_path == "otters.txt"
    assert (svc.manifest.counts(coll.id), svc.vectors.count(coll.id)) == before
    assert svc.status("c").embed_model == "no-such-org/embedder-v9"
    svc.close()

    with sqlite3.connect(db) as conn:  # the model is back: everything is still there
        conn.execute(f"UPDATE collections SET embed_model='{FLOAT32}' WHERE name='c'")
    svc = service(home)
    assert svc.search("c", QUESTION, mode="vector")[0].rel_path == "otters.txt"
    svc.close()


def test_rebuild_is_atomic_in_the_manifest_and_repaired_after_a_crash(tmp_path: Path, negated: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    svc = service(home, FLOAT32)
    svc.add("c", [corpus(tmp_path / "c")])
    coll = svc.manifest.collection("c")
    before = svc.manifest.counts(coll.id)

    # The write that records the new embedder fails: the chunks it was to forget are all still there.
    svc.manifest.db.execute("CREATE TRIGGER fail BEFORE UPDATE OF embed_model ON collections "
                            "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END")
    svc.settings.embedding_model = negated
    with pytest.raises((IndexError_, sqlite3.DatabaseError), match="simulated failure"):
        svc.reindex("c", rebuild=True)
    assert svc.manifest.counts(coll.id) == before and svc.manifest.collection("c").embed_model == FLOAT32
    assert svc.search("c", QUESTION, mode="vector")[0].rel_path == "otters.txt"
    svc.manifest.db.execute("DROP TRIGGER fail")

    # A crash after the manifest switched but before the old vectors were dropped: the next run
    # finds float32 vectors nothing refers to, drops them and indexes with the recorded embedder.
    from engine.docs.vectors import VectorStore

    def crash(self, cid):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(VectorStore, "drop", crash)
        with pytest.raises(KeyboardInterrupt):
            svc.reindex("c", rebuild=True)
    assert svc.manifest.collection("c").embed_model == negated and svc.manifest.counts(coll.id)["chunks"] == 0
    report = svc.reindex("c")
    assert report.indexed == before["indexed"]
    assert svc.search("c", QUESTION, mode="vector")[0].rel_path == "otters.txt"
    svc.close()


def test_a_row_without_a_record_means_float32_and_gains_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    svc = service(home, FLOAT32)
    svc.add("c", [corpus(tmp_path / "c")])
    svc.manifest.db.execute("UPDATE collections SET embed_model='' WHERE name='c'")  # as before records
    svc.close()
    svc = service(home, "test-never-loaded")  # whatever the settings say
    assert svc.status("c").embed_model == FLOAT32
    assert svc.search("c", QUESTION, mode="vector")[0].rel_path == "otters.txt"
    svc.reindex("c")
    assert svc.manifest.collection("c").embed_model == FLOAT32
    svc.close()


def test_a_new_collection_is_made_with_its_embedder_in_one_row(tmp_path: Path, negated: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.docs.indexer import IndexJob
    from engine.docs.manifest import Manifest

    def crash(*args):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # the process dies at the next manifest write or in the first job

    monkeypatch.setattr(IndexJob, "run", crash)
    monkeypatch.setattr(Manifest, "set_collection_config", crash)
    svc = service(tmp_path / "home", negated)
    with pytest.raises(KeyboardInterrupt):
        svc.add("c", [corpus(tmp_path / "c")])
    row = svc.manifest.collection("c")
    assert row.embed_model == negated and row.chunk_config == svc._chunk_config()
    svc.close()


def test_without_an_int8_graph_new_collections_record_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("engine.docs.onnx_embedder.find_onnx_model", lambda *a, **k: None)
    assert for_new_collection(INT8) == FLOAT32
    assert for_new_collection(FLOAT32) == FLOAT32
