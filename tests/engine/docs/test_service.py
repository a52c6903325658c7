"""DocumentService end to end: real parsing worker, real embeddings (bundled MiniLM), chromadb
on disk and BM25 — indexing, incremental re-indexing, resume, cancel, search, privacy check."""

from __future__ import annotations

import fcntl
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from engine.config import DocumentSettings
from engine.docs.grounding import build_grounded_prompt
from engine.docs.manifest import SCHEMA_VERSION, Manifest
from engine.docs.service import DocumentService
from engine.docs.textproc import count_tokens
from engine.errors import IndexError_
from engine.paths import Paths
from tests.engine.docs.makers import encrypt_pdf, make_docx, make_pdf

pytestmark = pytest.mark.slow

BIKE = ("Bicycle maintenance. The chain should be cleaned and lubricated every 300 kilometres, "
        "or after any ride in the rain. Use a dry lubricant in summer and a wet lubricant in winter.")


def build_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "notes.md").write_text(f"# Workshop notes\n\n## Bikes\n\n{BIKE}\n\n## Kayaks\n\n"
                                   "Rinse the kayak with fresh water after paddling in the sea and store it upside down.\n")
    make_docx(root / "garden.docx")
    sub = root / "reports"
    sub.mkdir()
    pdf = make_pdf(sub / "annual.pdf", ["Annual report of the choir.\nMembership grew to forty singers.",
                                        "Finances: the choir spent 1200 euros on sheet music and a new piano tuning."])
    encrypt_pdf(pdf, sub / "locked.pdf")
    (sub / "broken.pdf").write_bytes(b"%PDF-1.7\n% truncated download\n1 0 obj <<")
    (root / "recipes.html").write_text("<html><head><title>Recipes</title></head><body><main><h1>Bread</h1>"
                                       "<p>Sourdough needs a starter fed twice a day and a long cold proof overnight.</p>"
                                       "</main></body></html>")
    (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    for ignored in (".git/config", "node_modules/lib/index.js", ".secret/keys.md", "draft.tmp"):
        p = root / ignored
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("ignored content about bicycle chains " * 5)
    return root


def settings() -> DocumentSettings:
    return DocumentSettings(chunk_tokens=64, chunk_overlap=16)


def new_service(home: Path, s: DocumentSettings | None = None) -> DocumentService:
    return DocumentService(Paths(home, home / "data", home / "logs"), s or settings())


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("docs")
    corpus = build_corpus(base / "corpus")
    service = new_service(base / "home")
    report = service.add("stuff", [corpus])
    yield service, report, corpus
    service.close()


@pytest.fixture
def embed_counter(monkeypatch: pytest.MonkeyPatch):
    """Counts the texts sent to the (real) embedder."""
    from engine.docs.embedder import get_embedder

    emb = get_embedder(settings().embedding_model)
    calls: list[str] = []
    real = emb.embed

    def counting(texts: list[str]) -> list[list[float]]:
        calls.extend(texts)
        return real(texts)

    monkeypatch.setattr(emb, "embed", counting)
    return calls


def test_add_reports_indexed_skipped_failed_and_ignores(indexed) -> None:
    service, report, corpus = indexed
    names = lambda items: sorted(Path(p).name for p, _ in items)  # noqa: E731
    assert report.indexed == 4 and report.files_total == 7
    assert names(report.skipped) == ["locked.pdf", "photo.png"]
    assert dict((Path(p).name, r) for p, r in report.skipped) == {
        "locked.pdf": "encrypted (needs a password)", "photo.png": "unsupported file type '.png'"}
    assert names(report.failed) == ["broken.pdf"]
    st = service.status("stuff")
    assert (st.files_indexed, st.files_skipped, st.files_failed, st.state) == (4, 2, 1, "ready")
    assert st.chunks == report.chunks_added == service.vectors.count(service.manifest.collection("stuff").id)
    assert not any("node_modules" in p or ".git" in p or ".secret" in p or p.endswith(".tmp")
                   for p in service.manifest.files(service.manifest.collection("stuff").id))


@pytest.mark.parametrize("mode", ["hybrid", "vector", "bm25"])
def test_search_finds_the_right_passage_with_citation(indexed, mode: str) -> None:
    service, _report, corpus = indexed
    hits = service.search("stuff", "how often should I oil my bike chain?", top_k=3, mode=mode)
    assert hits and hits[0].rel_path == "notes.md"
    assert "lubricated every 300 kilometres" in hits[0].text
    assert hits[0].heading == "Workshop notes > Bikes"
    doc_text = (corpus / "notes.md").read_text()
    assert hits[0].text.split()[0] in doc_text
    cite = hits[0].citation()
    assert cite.path == str(corpus / "notes.md") and cite.heading == "Workshop notes > Bikes"


@pytest.mark.parametrize("mode", ["hybrid", "vector"])
def test_vector_feedback_lever_keeps_the_answer_and_the_question_relevance(indexed, mode: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """VECTOR_PRF (off by default, a bench lever): the second vector search still finds the
    passage, and a hit's relevance stays its cosine to the question itself."""
    import engine.docs.service as service_module

    service, _report, _corpus = indexed
    question = "how often should I oil my bike chain?"
    plain = service.search("stuff", question, top_k=3, mode=mode)
    monkeypatch.setattr(service_module, "VECTOR_PRF", (2, 0.5))
    moved = service.search("stuff", question, top_k=3, mode=mode)
    assert moved and moved[0].rel_path == "notes.md" and "lubricated every 300 kilometres" in moved[0].text
    by_chunk = {h.chunk_id: h.relevance for h in plain}
    assert all(abs(h.relevance - by_chunk[h.chunk_id]) < 1e-5 for h in moved if h.chunk_id in by_chunk)


def test_search_pdf_page_and_docx_table(indexed) -> None:
    service, _report, _corpus = indexed
    money = service.search("stuff", "how much did the choir spend on sheet music", top_k=2)
    assert money[0].rel_path == "reports/annual.pdf" and money[0].page == 2
    rota = service.search("stuff", "who waters the tomatoes on Tuesday", top_k=2)
    assert rota[0].rel_path == "garden.docx" and "Tuesday | Oskar" in rota[0].text
    assert rota[0].heading.startswith("Garden Handbook")  # small sections merge into one chunk


def test_passage_around_a_citation_highlights_the_cited_span(indexed) -> None:
    service, _report, corpus = indexed
    hit = service.search("stuff", "how often should the chain be oiled", top_k=1)[0]
    passage = service.passage(hit.path, hit.start, hit.end)
    assert passage is not None and passage.heading == hit.heading
    lo, hi = passage.highlight
    assert passage.text[lo:hi] == hit.text  # chunks are exact slices: the span is rebuilt exactly
    assert service.passage(str(corpus / "not-indexed.md"), 0, 10) is None


def test_progress_counts_bytes_and_chunks(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "small.txt").write_text("A short note about tea.\n")
    (corpus / "big.md").write_text("# Big\n\n" + "\n\n".join(f"Paragraph {i} about garden sheds and tools." for i in range(60)))
    seen = []
    service = new_service(tmp_path / "home")
    report = service.add("c", [corpus], progress=seen.append)
    work = [p for p in seen if p.phase == "indexing"]
    total = sum(f.stat().st_size for f in corpus.iterdir())
    assert work and all(p.bytes_total == total for p in work)
    done = [p.bytes_done for p in work]
    assert done == sorted(done) and done[-1] == total
    assert seen[-1].phase == "done" and seen[-1].chunks == report.chunks_added
    assert all(p.eta_s is None or p.eta_s >= 0 for p in work)
    service.close()


def test_grounding_says_nothing_relevant_for_unrelated_question(indexed) -> None:
    service, _report, _corpus = indexed
    off = service.search("stuff", "What is the boiling point of mercury in kelvin?", top_k=5)
    assert build_grounded_prompt("q", off, 2000, count_tokens).nothing_relevant
    on = service.search("stuff", "How should sourdough be proofed?", top_k=5)
    g = build_grounded_prompt("How should sourdough be proofed?", on, 2000, count_tokens)
    assert not g.nothing_relevant and "long cold proof overnight" in g.user_content


def test_matches_indexed_text(indexed) -> None:
    service, _report, _corpus = indexed
    pasted = "Could you summarise this: The chain should be cleaned and lubricated every 300 kilometres, " \
             "or after any ride in the rain. Use a dry lubricant in summer"
    assert service.matches_indexed_text(pasted)
    assert not service.matches_indexed_text("The chain of command in the navy is long and every officer reports upward.")
    assert not service.matches_indexed_text("lubricated every 300 kilometres")  # too short to say


def test_router_built_with_documents_keeps_pasted_text_local(indexed) -> None:
    from engine.config import PrivacySettings
    from engine.privacy.wiring import make_router

    service, _report, _corpus = indexed
    router = make_router(PrivacySettings(), docs=service)
    pasted = "Please proofread: The chain should be cleaned and lubricated every 300 kilometres, " \
             "or after any ride in the rain. Use a dry lubricant in summer"
    d = router.route(pasted)
    assert d.route == "local" and "local documents" in d.reasons[0]
    assert router.route("How often should a bicycle chain be lubricated in general?").route == "cloud"


def test_errors_for_bad_input(indexed, tmp_path: Path) -> None:
    service, _report, _corpus = indexed
    with pytest.raises(IndexError_, match="no document collection called 'nope'"):
        service.search("nope", "anything")
    with pytest.raises(IndexError_, match="does not exist"):
        service.add("stuff", [tmp_path / "missing-folder"])
    assert service.search("stuff", "   ") == []


def test_incremental_reindex(tmp_path: Path, embed_counter: list[str]) -> None:
    corpus = build_corpus(tmp_path / "corpus")
    service = new_service(tmp_path / "home")
    first = service.add("c", [corpus])
    cid = service.manifest.collection("c").id
    ids_before = {p: service.manifest.chunk_ids(cid, p) for p in service.manifest.files(cid)}
    embed_counter.clear()

    again = service.reindex("c")
    assert (again.indexed, again.unchanged, again.removed) == (0, first.files_total, 0)
    assert embed_counter == []

    (corpus / "recipes.html").touch()  # new mtime, same content: hashed, not re-embedded
    assert service.reindex("c").indexed == 0 and embed_counter == []

    notes = corpus / "notes.md"
    notes.write_text(notes.read_text().replace("300 kilometres", "500 kilometres"))
    changed = service.reindex("c")
    assert changed.indexed == 1
    assert embed_counter and all("Workshop notes" in t for t in embed_counter)  # only that file's chunks
    # ... and of those only the changed ones: the Kayaks section kept its vector
    assert not any("kayak" in t for t in embed_counter) and changed.chunks_reused >= 1
    for p, ids in ids_before.items():
        if not p.endswith("notes.md"):
            assert service.manifest.chunk_ids(cid, p) == ids
    assert "500 kilometres" in service.search("c", "how often to oil the bike chain", top_k=1)[0].text

    count_before = service.vectors.count(cid)
    html_chunks = len(ids_before[str(corpus / "recipes.html")])
    (corpus / "recipes.html").unlink()
    gone = service.reindex("c")
    assert gone.removed == 1
    assert service.vectors.count(cid) == count_before - html_chunks
    assert all(h.rel_path != "recipes.html" for h in service.search("c", "sourdough starter", top_k=10))

    service.remove("c", [corpus / "reports"])
    assert not any("reports" in p for p in service.manifest.files(cid))
    service.remove("c")
    assert [c.name for c in service.collections()] == []
    service.close()


def test_resume_after_interrupted_job(tmp_path: Path, embed_counter: list[str]) -> None:
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(8):
        (corpus / f"note{i}.txt").write_text(f"Note {i}: the meeting about topic {i} is on day {i}.\n\nMore text {i}.")
    home = tmp_path / "home"
    service = new_service(home)
    seen = []

    def crash_after_three(p) -> None:  # noqa: ANN001
        if p.phase == "indexing":
            seen.append(p.current_file)
            if len(seen) == 3:
                raise KeyboardInterrupt  # the process is interrupted mid-job

    with pytest.raises(KeyboardInterrupt):
        service.add("notes", [corpus], progress=crash_after_three)
    service.close()

    restarted = new_service(home)  # as after a restart
    status = restarted.status("notes")
    assert status.state == "interrupted"
    assert status.last_indexed is None  # no job of this collection has completed yet
    done_before = status.files_indexed
    assert 3 <= done_before < 8
    embed_counter.clear()
    report = restarted.reindex("notes")
    assert report.indexed == 8 - done_before and report.unchanged == done_before
    assert len(embed_counter) == report.chunks_added
    after = restarted.status("notes")
    assert (after.files_indexed, after.state) == (8, "ready")
    assert after.last_indexed is not None
    assert restarted.vectors.count(restarted.manifest.collection("notes").id) == after.chunks
    restarted.close()


def test_last_indexed_is_recorded_and_survives_a_restart(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The library opens at nine on weekdays.")
    home = tmp_path / "home"
    service = new_service(home)
    before = time.time()
    service.add("c", [corpus])
    first = service.status("c").last_indexed
    assert first is not None and before <= first <= time.time()
    assert service.status("c").to_json()["last_indexed"] == first

    time.sleep(0.05)
    assert service.reindex("c").indexed == 0  # nothing changed, but the collection was checked
    second = service.status("c").last_indexed
    assert second is not None and second > first
    service.close()

    restarted = new_service(home)
    assert restarted.status("c").last_indexed == second
    assert [c.last_indexed for c in restarted.collections()] == [second]
    restarted.close()


def test_version_1_manifest_gains_last_indexed(tmp_path: Path) -> None:
    """An index written before last_indexed existed still opens; finished collections get their
    newest file timestamp, an interrupted one stays "never"."""
    db_path = tmp_path / "manifest.sqlite3"
    db = sqlite3.connect(db_path)
    db.executescript("""
        CREATE TABLE collections (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created REAL NOT NULL,
            embed_model TEXT NOT NULL DEFAULT '', chunk_config TEXT NOT NULL DEFAULT '',
            generation INTEGER NOT NULL DEFAULT 0, job_state TEXT NOT NULL DEFAULT 'idle', job_started REAL);
        CREATE TABLE files (collection_id INTEGER NOT NULL, path TEXT NOT NULL, root TEXT NOT NULL,
            size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '', n_chunks INTEGER NOT NULL DEFAULT 0, indexed_at REAL NOT NULL,
            PRIMARY KEY (collection_id, path));
        INSERT INTO collections(id, name, created, job_state) VALUES (1, 'done', 1.0, 'idle'), (2, 'half', 1.0, 'running');
        INSERT INTO files VALUES (1, '/a', '/', 1, 1, 'x', 'indexed', '', 1, 1000.0),
                                 (1, '/b', '/', 1, 1, 'y', 'indexed', '', 1, 2000.0),
                                 (2, '/c', '/', 1, 1, 'z', 'indexed', '', 1, 3000.0);
        PRAGMA user_version=1;
    """)
    db.close()
    m = Manifest(db_path)
    assert m.collection("done").last_indexed == 2000.0
    assert m.collection("half").last_indexed is None
    assert m.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    m.close()
    again = Manifest(db_path)  # opening a migrated index again changes nothing
    assert again.collection("done").last_indexed == 2000.0
    again.close()


def test_cancel_stops_between_files_and_reindex_continues(tmp_path: Path) -> None:
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"doc{i}.md").write_text(f"# Doc {i}\n\nParagraph about subject number {i}.")
    service = new_service(tmp_path / "home")
    cancel = threading.Event()
    progress = []

    def on_progress(p) -> None:  # noqa: ANN001
        progress.append(p)
        if p.phase == "indexing" and p.files_done >= 1:
            cancel.set()

    report = service.add("docs", [corpus], progress=on_progress, cancel=cancel)
    assert report.cancelled and 1 <= report.indexed < 6
    assert service.status("docs").state == "cancelled"
    assert progress[0].phase == "scanning" and progress[-1].phase == "done"
    assert all(p.files_total == 6 for p in progress[1:])
    rest = service.reindex("docs")
    assert not rest.cancelled and rest.indexed == 6 - report.indexed
    assert service.status("docs").files_indexed == 6
    service.close()


def test_new_chunking_reparses_but_keeps_vectors_of_unchanged_text(tmp_path: Path, embed_counter: list[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = build_corpus(tmp_path / "corpus")
    service = new_service(tmp_path / "home")
    first = service.add("c", [corpus])
    embed_counter.clear()
    monkeypatch.setattr(DocumentService, "_chunk_config", lambda self: '{"v": "a newer parser"}')
    again = service.reindex("c")
    assert again.rebuilt and again.indexed == first.indexed  # every file parsed again...
    assert embed_counter == [] and again.chunks_reused == first.chunks_added  # ...nothing embedded again
    assert "300 kilometres" in service.search("c", "how often to oil the bike chain", top_k=1)[0].text
    service.close()


def test_embedding_model_change_keeps_the_collection_until_rebuilt(tmp_path: Path) -> None:
    """The setting is for new collections; a collection keeps its own embedder until rebuilt
    (tests/engine/docs/test_collection_embedders.py checks the vectors themselves)."""
    from engine.starter import starter_embedder_path

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Otters hold hands while sleeping so they do not drift apart.")
    home = tmp_path / "home"
    service = new_service(home)
    service.add("c", [corpus])
    built_with = service.status("c").embed_model
    service.close()
    other = settings()
    other.embedding_model = str(starter_embedder_path())  # a different model id
    changed = new_service(home, other)
    assert changed.status("c").state == "ready" and changed.status("c").embed_model == built_with
    assert changed.search("c", "why do otters hold hands")[0].rel_path == "a.txt"
    assert changed.reindex("c").indexed == 0  # nothing to redo: same embedder, same files
    report = changed.reindex("c", rebuild=True)
    assert report.rebuilt and report.indexed == 1
    assert changed.status("c").embed_model == str(starter_embedder_path())
    assert changed.search("c", "why do otters hold hands")[0].rel_path == "a.txt"
    changed.close()


def test_one_writer_owns_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("text")
    service = new_service(tmp_path / "home")
    with open(service.index_dir / "writer.lock", "a+") as other_writer:
        fcntl.flock(other_writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(IndexError_, match="Another Hearth process is updating"):
            service.add("c", [corpus])
    assert service.add("c", [corpus]).indexed == 1
    service.close()


def test_unreadable_manifest_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "data" / "index").mkdir(parents=True)
    (home / "data" / "index" / "manifest.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(IndexError_, match="unreadable"):
        new_service(home)
    shutil.rmtree(home)


def test_search_and_status_do_not_wait_for_a_running_job(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"n{i}.txt").write_text(f"Harbour log {i}: the ferry number {i} left on time.")
    service = new_service(tmp_path / "home")
    service.add("c", [corpus / "n0.txt"])
    paused, release = threading.Event(), threading.Event()

    def hold(p) -> None:  # noqa: ANN001
        if p.phase == "indexing" and p.files_done >= 2:
            paused.set()
            release.wait(60)

    job = threading.Thread(target=lambda: service.add("c", [corpus], progress=hold))
    job.start()
    try:
        assert paused.wait(120)
        # The job is mid-way and holds the writer lock; reads still answer at once.
        st = service.status("c")
        assert st.state == "indexing" and 1 <= st.files_indexed < 4
        assert service.search("c", "ferry left on time", top_k=2)
        with pytest.raises(IndexError_, match="Another Hearth process"):
            service.reindex("c")
    finally:
        release.set()
        job.join(120)
    assert service.status("c").files_indexed == 4 and service.status("c").state == "ready"
    service.close()


FULL_DISK_CHILD = """
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
from engine.net import enforce_offline_defaults; enforce_offline_defaults()
from engine.config import DocumentSettings
from engine.docs.service import DocumentService
from engine.errors import HearthError
from engine.paths import Paths
from pathlib import Path
home = Path(sys.argv[1])
s = DocumentService(Paths(home, home / 'data', home / 'logs'), DocumentSettings(chunk_tokens=64, chunk_overlap=16))
s.embedder.model
s.vectors.count(s.manifest.ensure_collection('c').id)  # create the stores, then measure them
biggest = max(p.stat().st_size for p in home.rglob('*') if p.is_file())
limit = biggest + int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # the disk "fills up" now
try:
    s.add('c', [sys.argv[2]])
    print('NO ERROR')
except HearthError as e:
    print(type(e).__name__ + ': ' + e.user_text())
"""


def test_full_disk_is_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(12):
        (corpus / f"f{i}.txt").write_text(" ".join(f"word{j} sentence about topic{i}." for j in range(80)))
    home = tmp_path / "home"
    repo = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", FULL_DISK_CHILD, str(home), str(corpus), "40000"],
                         capture_output=True, text=True, timeout=600, cwd=repo,
                         env={**__import__("os").environ, "PYTHONPATH": str(repo)})
    assert out.stdout.startswith("StorageError: "), out.stdout + out.stderr[-2000:]
    assert "disk is full or not writable" in out.stdout and "reindex" in out.stdout
    # With space again, the next run finishes the job and the index is consistent.
    service = new_service(home)
    report = service.reindex("c")
    st = service.status("c")
    assert st.files_indexed == 12 and st.state == "ready"
    assert report.indexed == 12 - report.unchanged
    assert service.vectors.count(service.manifest.collection("c").id) == st.chunks
    assert service.search("c", "topic7", top_k=1, mode="bm25")[0].rel_path == "f7.txt"
    service.close()
