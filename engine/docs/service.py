"""DocumentService: the one entry point for collections, indexing and search.

Used by the CLI (``hearth docs``, ``hearth search``), the assistant (``ask --docs``) and the
desktop app (from a worker thread). One writer owns the index: indexing takes an exclusive
lock file, so a second process (or a second job in this process) is told to wait rather than
corrupting anything. Searching needs no lock.

Each collection keeps the embedder it was built with (engine/docs/collection_embedders.py):
the settings' embedding model is for new collections; ``reindex(name, rebuild=True)`` switches one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from engine.config import DocumentSettings, load_config
from engine.docs.collection_embedders import CollectionEmbedders
from engine.docs.embedder import Embedder, get_embedder
from engine.docs.indexer import IndexJob, IndexReport, ProgressFn
from engine.docs.keyword import KeywordCache
from engine.docs.manifest import ChunkRow, CollectionRow, Manifest
from engine.docs.passages import Passage, join_chunks, merge_adjacent, passage_from_rows
from engine.docs.search import MODES, SearchHit, load_reranker, rel_path, rrf
from engine.docs.textproc import shingles
from engine.docs.vectors import VectorStore
from engine.docs.walk import normalise_root
from engine.errors import HearthError, IndexError_, KeyringUnavailable
from engine.paths import Paths, get_paths

log = logging.getLogger(__name__)

CANDIDATES = 60  # per retriever, before fusion
# Small-to-big: a passage also carries this many neighbouring chunks (same file and page) on each
# side of what was retrieved, so the model sees the sentences around a precise hit.
WINDOW_CHUNKS = 0
# BM25 fields: the heading trail counts this many times in a chunk's keyword text (1 = once, as
# part of the context line every chunk already starts with).
HEADING_WEIGHT = 1
# Reciprocal rank fusion weights of (vector, keyword) rankings.
FUSION_WEIGHTS = (1.0, 1.0)
# Vector pseudo-relevance feedback (Rocchio): (k, beta) = the question's vector plus beta times the
# mean vector of the first search's top k chunks, searched again; None = off.
VECTOR_PRF: tuple[int, float] | None = None
# A shared collection's keyword index is rebuilt from the server at least this often (seconds).
KEYWORD_REFRESH_S = 60


@dataclass(frozen=True)
class CollectionStatus:
    name: str
    roots: list[str]
    files_indexed: int
    files_skipped: int
    files_failed: int
    chunks: int
    state: str                      # ready | interrupted | cancelled | indexing
    embed_model: str
    problems: list[tuple[str, str, str]]  # (path, status, reason) for skipped/failed files
    last_indexed: float | None = None     # epoch s when the last indexing job completed; None = never
    server: str = ""                      # Chroma server of a shared collection; "" = this computer
    new_model: str = ""                   # the embedder new collections get (settings); "" = unknown

    def to_json(self) -> dict:
        return {"name": self.name, "roots": self.roots, "files_indexed": self.files_indexed,
                "files_skipped": self.files_skipped, "files_failed": self.files_failed, "chunks": self.chunks,
                "state": self.state, "embed_model": self.embed_model, "new_model": self.new_model,
                "problems": [{"path": p, "status": s, "reason": r} for p, s, r in self.problems],
                "last_indexed": self.last_indexed, "server": self.server}


def _server_token(url: str) -> str | None:
    """The Chroma server's token from the OS keyring (none stored, or no keyring: no token; a
    server that wants one then refuses with a clear error)."""
    from engine.cloud.keys import chroma_server_keys, endpoint_name

    try:
        return chroma_server_keys().get(endpoint_name(url))
    except KeyringUnavailable:
        return None


class DocumentService:
    def __init__(self, paths: Paths | None = None, settings: DocumentSettings | None = None) -> None:
        self.paths = (paths or get_paths()).ensure()
        self.settings = settings or load_config(self.paths).config.documents
        self.index_dir = self.paths.index_dir
        # Writers (one job at a time) and readers (search, status) use separate SQLite connections
        # so the app can search while a collection is being indexed (WAL: readers never block).
        self._lock = threading.RLock()
        self._read_lock = threading.RLock()
        self.manifest = Manifest(self.index_dir / "manifest.sqlite3")
        self._reader = Manifest(self.index_dir / "manifest.sqlite3")
        self._vectors = None
        self._servers: dict[tuple[str, str], VectorStore] = {}  # (url, collection name) -> shared store
        self._embedders = CollectionEmbedders(self.settings, self._server_store)
        self._keywords = KeywordCache()
        self._reranker_loaded = False
        self._reranker = None

    # ------------------------------------------------------------------ plumbing
    @property
    def vectors(self):  # type: ignore[no-untyped-def]
        if self._vectors is None:
            # the process's one owner of this folder's chromadb client (see engine/docs/vectors.py)
            self._vectors = VectorStore.shared(self.index_dir / "chroma")
        return self._vectors

    def _store(self, coll: CollectionRow) -> VectorStore:
        """The vector store of ``coll`` (this computer's, or its Chroma server's), told which
        embedder the collection records (vectors of another one are refused, see
        engine/docs/vectors.py)."""
        store = self._server_store(coll) if coll.server else self.vectors
        store.use_embedder(coll.id, self._embedders.model_id(coll), lambda: self._embedders.of(coll).dim)
        return store

    def _server_store(self, coll: CollectionRow) -> VectorStore:
        key = (coll.server, coll.name)
        with self._read_lock:
            store = self._servers.get(key)
            if store is None:
                from engine.docs.server_store import ServerVectorStore

                store = self._servers[key] = ServerVectorStore(
                    coll.server, coll.name, token=_server_token(coll.server),
                    allow_http=self.settings.chroma_http_ok(coll.server))
            return store

    def _reach_server(self, name: str, url: str, *, joining: bool) -> str | None:
        """Ask the server before a new shared collection is listed here, so a server that is down,
        a refused token or a mistyped name to join leave nothing behind (the error says which).
        Returns the embedder the server records for the collection (None: not there yet)."""
        from engine.docs.server_store import ServerVectorStore

        store = ServerVectorStore(url, name, token=_server_token(url), allow_http=self.settings.chroma_http_ok(url))
        there = store.shared_names()
        if joining and name not in there:
            listed = ", ".join(f"'{n}'" for n in there[:10]) if there else "no shared collections yet"
            raise IndexError_(f"There is no shared collection called '{name}' on {url} (it has {listed}).",
                              "Check the name, or create the collection there from a folder.")
        with self._read_lock:
            self._servers[(url, name)] = store
        return store.recorded_embedder(0) if name in there else None

    @property
    def embedder(self) -> Embedder:
        """The embedder new collections get (a collection's own: :meth:`embedder_for`)."""
        return get_embedder(self._embedders.for_new())

    def embedder_for(self, collection: str) -> Embedder:
        """The embedder ``collection`` was built with, loaded (its questions must be embedded by it)."""
        with self._read_lock:
            coll = self._collection_r(collection)
        return self._embedders.of(coll)

    def warm_up(self) -> None:
        """Load what a first search needs: the collections' embedders and chromadb's storage."""
        with self._read_lock:
            rows = self._reader.collections()
        self._embedders.warm_up(rows)
        self.vectors.warm_up()  # creates nothing

    def close(self) -> None:
        self.manifest.close()
        self._reader.close()

    def __enter__(self) -> "DocumentService":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _chunk_config(self) -> str:
        from engine.docs import chunking

        # v3: PDF text from PDFium and context lines with the document title; v4: no PDF contents
        # entries; v5: no title where the heading trail already names it. A change re-parses
        # every file (unchanged chunks keep their vectors).
        return json.dumps({"tokens": self.settings.chunk_tokens, "overlap": self.settings.chunk_overlap, "v": 5,
                           **({"context": chunking.CONTEXT} if chunking.CONTEXT != "title+heading" else {})})

    @contextlib.contextmanager
    def _writer(self) -> Iterator[None]:
        """Exclusive across processes: one writer owns the index."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(self.index_dir / "writer.lock", "a+")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexError_("Another Hearth process is updating the document index right now.",
                                  "Wait for it to finish (see `hearth docs status`), then try again.") from None
            with self._lock:
                yield
        finally:
            fh.close()

    def _collection(self, name: str) -> CollectionRow:
        return self._find(self.manifest, name)

    def _collection_r(self, name: str) -> CollectionRow:
        return self._find(self._reader, name)

    @staticmethod
    def _find(manifest: Manifest, name: str) -> CollectionRow:
        coll = manifest.collection(name)
        if coll is None:
            raise IndexError_(f"There is no document collection called '{name}'.",
                              "See your collections with `hearth docs list`, or create one with `hearth docs add PATH --name NAME`.")
        return coll

    # ------------------------------------------------------------------ writing
    def add(self, collection: str, paths: Iterable[str | Path], progress: ProgressFn | None = None,
            cancel: threading.Event | None = None, server: str | None = None) -> IndexReport:
        """Create or extend a collection with files/folders and index what changed.

        ``server`` (or ``documents.chroma_url`` when the collection is new) puts the collection's
        vectors on that Chroma server, shared with every client that adds a collection of the
        same name there; with no paths such a client only searches what others indexed."""
        roots = []
        for p in paths:
            root = normalise_root(p)
            if not os.path.exists(root):
                raise IndexError_(f"'{p}' does not exist.", "Check the path and try again.")
            roots.append(root)
        if not collection.strip():
            raise IndexError_("A collection needs a name.", "Pass --name NAME.")
        with self._writer():
            existing = self.manifest.collection(collection.strip())
            url = (server or ("" if existing else self.settings.chroma_url) or "").strip().rstrip("/") or None
            if existing and server and existing.server != url:
                where = f"on {existing.server}" if existing.server else "on this computer"
                raise IndexError_(f"The collection '{existing.name}' already exists {where}.",
                                  "Use another name for a collection on that server.")
            if not roots and not url and not existing:  # a new local collection needs something in it
                raise IndexError_("Nothing to add.", "Name the folders or files to index.")
            theirs = None
            if url and not existing:
                from engine.net import server_url_problem

                problem = server_url_problem(url, self.settings.chroma_http_ok(url), kind="chroma")
                if problem:
                    raise IndexError_(problem, "Use an https:// address for the Chroma server.")
                theirs = self._reach_server(collection.strip(), url, joining=not roots)
            if existing:
                coll = existing
            else:  # made with its embedder (the server's, for a shared one), checked before it is listed
                model = theirs or self._embedders.for_new()
                joined = CollectionRow(0, collection.strip(), model, "", 0, "idle", None, url or "")
                self._embedders.loaded(model, joined if theirs else None, listed=False)
                coll = self.manifest.ensure_collection(collection.strip(), model, self._chunk_config(), url or "")
            for root in roots:  # adding back something removed earlier lifts its exclusion
                self.manifest.remove_root(coll.id, "!" + root)
            self.manifest.add_roots(coll.id, roots)
            return self._run(coll, progress, cancel)

    def reindex(self, collection: str, progress: ProgressFn | None = None,
                cancel: threading.Event | None = None, rebuild: bool = False) -> IndexReport:
        """Bring a collection up to date (also resumes an interrupted job). ``rebuild`` starts it
        over with the embedding model in the settings (the only way a collection changes embedder)."""
        with self._writer():
            coll = self._collection(collection)
            if rebuild:
                if coll.server:
                    raise IndexError_(f"The shared collection '{coll.name}' keeps the embedding model its server "
                                      f"records ('{self._embedders.model_id(coll)}'): everyone searching it needs "
                                      "the same one.", "Add your documents to a new shared collection to use "
                                      "another model.")
                model = self._embedders.for_new()
                self._embedders.loaded(model)  # a model that cannot load here changes nothing
                log.info("collection %s: rebuilding with %s", coll.name, model)
                self.manifest.rebuild_collection(coll.id, model, self._chunk_config())
                self.vectors.drop(coll.id)  # after the manifest: a crash in between is repaired by _run
                coll = self._collection(collection)
            report = self._run(coll, progress, cancel)
            report.rebuilt = report.rebuilt or rebuild
            return report

    def remove(self, collection: str, paths: Iterable[str | Path] = ()) -> IndexReport | None:
        """Remove whole collection (no paths), or remove roots from it and drop their chunks."""
        with self._writer():
            coll = self._collection(collection)
            paths = list(paths)
            if not paths:  # a shared collection is only forgotten here: the team keeps it
                if coll.server:
                    self._servers.pop((coll.server, coll.name), None)
                else:
                    self.vectors.drop(coll.id)
                self.manifest.delete_collection(coll.id)
                self._keywords.drop(coll.id)
                return None
            roots = self.manifest.roots(coll.id)
            for p in paths:
                target = normalise_root(p)
                if target in roots:
                    self.manifest.remove_root(coll.id, target)
                elif any(target.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
                    self.manifest.add_exclude(coll.id, target)  # a folder/file inside a root
                else:
                    raise IndexError_(f"'{p}' is not part of the collection '{collection}'.",
                                      "See its folders with `hearth docs status " + collection + "`.")
            return self._run(coll, None, None)

    def _run(self, coll: CollectionRow, progress: ProgressFn | None, cancel: threading.Event | None) -> IndexReport:
        settings = self.settings
        emb = self._embedders.of(coll)  # the collection's own embedder; one that cannot load changes nothing
        model = emb.model_id
        rebuilt = False
        store = self._store(coll)
        if not store.remote and self.manifest.counts(coll.id)["chunks"] == 0:
            try:  # vectors the manifest no longer lists (a rebuild stopped before dropping them)
                store.check(coll.id)
            except IndexError_:
                log.info("collection %s: dropping vectors of another embedder that nothing refers to", coll.name)
                store.drop(coll.id)
        store.check(coll.id)  # another embedder's vectors: refused before anything changes
        if coll.chunk_config and coll.chunk_config != self._chunk_config():
            # New chunking or parsing: every file is parsed again, but a chunk whose text comes
            # out the same keeps its vector (the indexer reuses it by text).
            log.info("collection %s: chunking changed, re-parsing every file", coll.name)
            self.manifest.invalidate_files(coll.id)
            rebuilt = True
        if coll.embed_model != model or coll.chunk_config != self._chunk_config():
            # records the embedder of a row from before records were kept, or the one a shared
            # collection's server records
            self.manifest.set_collection_config(coll.id, model, self._chunk_config())
        resumed = coll.job_state == "running"
        self.manifest.set_job_state(coll.id, "running")
        job = IndexJob(self.manifest, store, emb, coll,
                       chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap,
                       ignore_globs=list(settings.ignore_globs), parse_timeout_s=settings.parse_timeout_s,
                       parse_memory_mb=settings.parse_memory_mb, progress=progress, cancel=cancel, resumed=resumed)
        report = job.run()  # an exception leaves job_state 'running': the next run resumes
        report.rebuilt = rebuilt
        if report.cancelled:
            self.manifest.set_job_state(coll.id, "cancelled")
        else:
            self.manifest.finish_job(coll.id)
        return report

    # ------------------------------------------------------------------ reading
    def collections(self) -> list[CollectionStatus]:
        with self._read_lock:
            return [self.status(c.name) for c in self._reader.collections()]

    def status(self, collection: str) -> CollectionStatus:
        with self._read_lock:
            coll = self._collection_r(collection)
            counts = self._reader.counts(coll.id)
            state = {"running": "interrupted", "cancelled": "cancelled"}.get(coll.job_state, "ready")
            if state == "interrupted" and self._writer_busy():
                state = "indexing"
            # a shared collection's server record is not asked for here (status works offline):
            # the row holds what the server recorded when this client last indexed or searched it
            model = self._embedders.known_id(coll)
            return CollectionStatus(coll.name, self._reader.roots(coll.id), counts["indexed"], counts["skipped"],
                                    counts["failed"], counts["chunks"], state, model,
                                    self._reader.problems(coll.id), coll.last_indexed, coll.server,
                                    self._embedders.for_new())

    def _writer_busy(self) -> bool:
        try:
            with open(self.index_dir / "writer.lock", "a+") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True

    def rerank_available(self) -> bool:
        if not self._reranker_loaded:
            self._reranker = load_reranker(self.settings.reranker_model)
            self._reranker_loaded = True
        return self._reranker is not None

    def _keyword_index(self, coll: CollectionRow):  # type: ignore[no-untyped-def]
        extra = HEADING_WEIGHT - 1

        def keyword_text(heading: str, embed_text: str) -> str:
            return (f"{heading}\n" * extra + embed_text) if extra > 0 and heading else embed_text

        if coll.server:
            # Kept on this client, built from the server's chunks (other clients change them, so it
            # is rebuilt when the count changes, and refreshed in the background once a minute).
            store = self._store(coll)
            gen: object = (store.count(coll.id), int(time.monotonic() // KEYWORD_REFRESH_S))
            return self._keywords.get(coll.id, gen, lambda: (
                (i, keyword_text(str(m.get("heading", "")), str(m.get("embed", text))))
                for i, text, m in store.iter_rows(coll.id)),  # type: ignore[attr-defined]
                stale_ok=lambda cached, wanted: cached[0] == wanted[0])  # type: ignore[index]

        def rows():  # type: ignore[no-untyped-def]
            for c in self._reader.iter_chunks(coll.id):
                yield c.id, keyword_text(c.heading, c.embed_text)

        return self._keywords.get(coll.id, self._reader.generation(coll.id), rows)

    def _rows(self, coll: CollectionRow, ids: list[str]) -> tuple[dict[str, ChunkRow], dict[str, str]]:
        """Chunk rows by id, and (shared collections) each chunk's path relative to the collection
        folder. A shared collection's chunks come from the server: this client may not have
        indexed them; a path is shown under this client's folder when it has exactly one."""
        if not coll.server:
            return self._reader.chunks_by_id(ids), {}
        roots = [r for r in self._reader.roots(coll.id) if os.path.isdir(r)]
        base = roots[0] if len(roots) == 1 else ""
        rows: dict[str, ChunkRow] = {}
        rels: dict[str, str] = {}
        for i, (text, m) in self._store(coll).rows(coll.id, ids).items():  # type: ignore[attr-defined]
            rel = str(m.get("path", ""))
            page = m.get("page")
            rows[i] = ChunkRow(i, os.path.join(base, rel) if base else rel, int(m.get("ord", 0)), text,
                               str(m.get("embed", text)), int(page) if page else None, str(m.get("heading", "")),
                               int(m.get("start", 0)), int(m.get("end", 0)))
            rels[i] = rel
        return rows, rels

    def search(self, collection: str, query: str, top_k: int | None = None, mode: str | None = None,
               query_embedding: list[float] | None = None, query_model: str | None = None) -> list[SearchHit]:
        """Ranked chunks with citations. ``mode`` defaults to the settings (hybrid, rerank).
        ``query_embedding`` (made by the embedder ``query_model``, by default :attr:`embedder`'s) is
        used only when that is the collection's own embedder (:meth:`embedder_for`); otherwise the
        question is embedded again by the collection's embedder."""
        top_k = top_k or self.settings.top_k
        mode = mode or ("rerank" if self.settings.rerank else "hybrid" if self.settings.hybrid else "vector")
        if mode not in MODES:
            raise HearthError(f"Unknown search mode '{mode}'.", "Use one of: " + ", ".join(MODES))
        query = query.strip()
        if not query:
            return []
        with self._read_lock:
            coll = self._collection_r(collection)
            emb = self._embedders.of(coll) if mode != "bm25" else None  # the collection's own embedder
            n = max(CANDIDATES, top_k * 4)
            keyword = self._keyword_index(coll).search(query, n) if mode != "vector" else []
            qvec = None
            vector: list[tuple[str, float]] = []
            if emb is not None:
                # a vector made by another embedder is never compared with this collection's
                given = query_embedding is not None and (query_model or self.embedder.model_id) == emb.model_id
                qvec = query_embedding if given else emb.embed_query(query)
                vector = self._store(coll).query(coll.id, qvec, n)
            if mode == "bm25":
                fused = keyword
            elif mode == "vector":
                fused = vector
            else:
                fused = rrf([[i for i, _ in vector], [i for i, _ in keyword]], list(FUSION_WEIGHTS))
            sims = dict(vector)  # cosine to the question itself, also with feedback below
            if VECTOR_PRF and qvec is not None and mode != "bm25":
                moved = self._prf_vector(coll, qvec, fused, n)
                if moved:
                    fused = moved if mode == "vector" else rrf([[i for i, _ in moved], [i for i, _ in keyword]],
                                                               list(FUSION_WEIGHTS))
            if mode == "rerank" and self.rerank_available():
                fused = self._rerank(coll, query, fused[: max(30, top_k * 3)])
            pool = fused[: top_k * 4]
            rows, rels = self._rows(coll, [i for i, _ in pool])
            groups = merge_adjacent([(rows[i], sc) for i, sc in pool if i in rows], top_k)
            ids = [r.id for g in groups for r, _ in g]
            roots = self._reader.roots_of(coll.id, sorted({g[0][0].path for g in groups}))
            if qvec is not None:
                sims.update(self._similarities(coll, qvec, [i for i in ids if i not in sims]))
            hits = []
            for group in groups:
                first = group[0][0]
                text, start, end = join_chunks(self._window(coll, [r for r, _ in group]))
                rel = rels.get(first.id) or rel_path(first.path, roots.get(first.path, first.path))
                hits.append(SearchHit(first.path, rel, first.page,
                                      first.heading, text, max(sc for _, sc in group), start, end,
                                      max(float(sims.get(r.id, 0.0)) for r, _ in group), first.id))
            return hits

    def _window(self, coll: CollectionRow, rows: list[ChunkRow]) -> list[ChunkRow]:
        if WINDOW_CHUNKS <= 0 or coll.server:  # a shared collection's neighbours are on the server
            return rows
        cid = coll.id
        have = {r.ord for r in rows}
        lo, hi = min(have), max(have)
        wanted = [o for o in range(lo - WINDOW_CHUNKS, hi + WINDOW_CHUNKS + 1) if o not in have and o >= 0]
        extra = [r for r in self._reader.chunks_by_ord(cid, rows[0].path, wanted) if r.page == rows[0].page]
        return sorted(rows + extra, key=lambda r: r.ord)

    def _prf_vector(self, coll: CollectionRow, qvec: list[float], first: list[tuple[str, float]],
                    n: int) -> list[tuple[str, float]]:
        """The vector ranking for the question moved towards its first results (Rocchio)."""
        import numpy as np

        assert VECTOR_PRF is not None
        k, beta = VECTOR_PRF
        got = self._store(coll).embeddings(coll.id, [i for i, _ in first[:k]])
        if not got:
            return []
        q = np.asarray(qvec, dtype=np.float32) + beta * np.mean(np.asarray(list(got.values()), dtype=np.float32), axis=0)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        return self._store(coll).query(coll.id, q.tolist(), n)

    def _similarities(self, coll: CollectionRow, qvec: list[float], ids: list[str]) -> dict[str, float]:
        if not ids:
            return {}
        import numpy as np

        q = np.asarray(qvec, dtype=np.float32)
        got = self._store(coll).embeddings(coll.id, ids)
        return {i: float(np.dot(np.asarray(e, dtype=np.float32), q)) for i, e in got.items()}

    def _rerank(self, coll: CollectionRow, query: str, fused: list[tuple[str, float]]) -> list[tuple[str, float]]:
        rows = self._rows(coll, [i for i, _ in fused])[0]
        ids = [i for i, _ in fused if i in rows]
        scores = self._reranker.scores(query, [rows[i].text for i in ids])  # type: ignore[union-attr]
        return sorted(zip(ids, scores), key=lambda kv: kv[1], reverse=True)

    def passage(self, path: str, start: int, end: int, context: int = 600) -> Passage | None:
        """The indexed text of ``path`` around [start, end) (chunk texts are exact slices of the
        document text, so neighbouring chunks rebuild it). None when the file is not indexed."""
        with self._read_lock:
            rows = self._reader.chunks_in_range(path, max(0, start - context), end + context)
        return passage_from_rows(path, rows, start, end)

    # ------------------------------------------------------------------ privacy check
    def matches_indexed_text(self, text: str, min_overlap: float = 0.5) -> bool:
        """True when ``text`` substantially repeats indexed content (pasted from a private
        document). Keyword search finds candidate chunks; word 8-gram shingles then measure how
        much of the text appears verbatim in them. Short text (< 8 words) never matches."""
        words = text.split()
        if len(words) < 8:
            return False
        wanted = shingles(text)
        if not wanted:
            return False
        with self._read_lock:
            for coll in self._reader.collections():
                try:
                    candidates = self._keyword_index(coll).search(text[:5000], 20)
                    rows = self._rows(coll, [i for i, _ in candidates])[0]
                except HearthError as exc:  # a shared collection's server is down: it cannot be compared,
                    log.warning("privacy check could not read collection %s: %s", coll.name, exc)
                    raise  # and the router keeps the message here (fails closed) with that reason
                seen: set[int] = set()
                for row in rows.values():
                    seen |= shingles(row.text)
                if len(wanted & seen) / len(wanted) >= min_overlap:
                    return True
        return False


