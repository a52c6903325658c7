"""One indexing job: scan a collection's roots, and bring the index up to date with them.

Pipeline (parsing overlaps embedding):

    scan ─► diff against the manifest ─► [parse thread] hash → parse (sandboxed) → chunk
                                              │ queue
                                              ▼
                        [caller thread] embed (batched) → vector upsert → manifest commit (per file)

* Unchanged files (same size and mtime, or same content hash) are never parsed or embedded.
* Each file is committed on its own: a job killed at any point resumes with the next file.
* ``cancel`` (a ``threading.Event``) stops the job between files; what is done stays done.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from engine.docs import formats
from engine.docs.chunking import chunk_document
from engine.docs.embedder import Embedder
from engine.docs.manifest import ChunkRow, CollectionRow, FileRecord, Manifest
from engine.docs.sandbox import ParseSandbox
from engine.docs.vectors import VectorStore
from engine.docs.walk import FoundFile, walk_roots

log = logging.getLogger(__name__)

# Chunks gathered (across files) before one encode call: sentence-transformers sorts each call's
# texts by length, so bigger groups waste less padding (256 -> 1024: pipeline/raw 0.77 -> 0.82 on
# the Python docs). A crash loses at most one group's embeddings, never a commit.
EMBED_BATCH_CHUNKS = 1024
MIN_EAGER_CHUNKS = 64  # embed early (parser is behind) only once this many are waiting


@dataclass
class Progress:
    files_done: int
    files_total: int
    chunks: int              # chunks embedded so far in this job
    rate: float              # files per second (files that needed work)
    eta_s: float | None
    current_file: str
    phase: str = "indexing"  # scanning | indexing | done


@dataclass
class IndexReport:
    collection: str
    files_total: int = 0
    indexed: int = 0           # parsed and embedded in this job
    unchanged: int = 0
    removed: int = 0
    chunks_added: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    rebuilt: bool = False      # embedding model or chunking changed: everything re-done


ProgressFn = Callable[[Progress], None]


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def chunk_id(cid: int, path: str, ordinal: int) -> str:
    return f"c{cid}-{hashlib.sha1(path.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}-{ordinal}"


@dataclass
class _Work:
    kind: str                   # parsed | unchanged | skipped | failed
    found: FoundFile
    sha: str = ""
    reason: str = ""
    chunks: list[ChunkRow] = field(default_factory=list)


class IndexJob:
    def __init__(self, manifest: Manifest, vectors: VectorStore, embedder: Embedder, coll: CollectionRow, *,
                 chunk_tokens: int, chunk_overlap: int, ignore_globs: list[str],
                 parse_timeout_s: float, parse_memory_mb: int,
                 progress: ProgressFn | None = None, cancel: threading.Event | None = None,
                 resumed: bool = False) -> None:
        self.m, self.v, self.emb, self.coll = manifest, vectors, embedder, coll
        self.chunk_tokens, self.chunk_overlap = chunk_tokens, chunk_overlap
        self.globs = ignore_globs
        self.sandbox = ParseSandbox(parse_timeout_s, parse_memory_mb)
        self.progress_fn = progress
        self.cancel = cancel or threading.Event()
        self._stop = threading.Event()  # internal: the consumer gave up
        self.resumed = resumed  # previous job died: chunks of uncommitted files may linger in chroma
        self.report = IndexReport(coll.name)

    # ------------------------------------------------------------------ public
    def run(self) -> IndexReport:
        t0 = time.perf_counter()
        cid = self.coll.id
        self._emit(0, 0, 0, "", "scanning", t0, 0)
        known = self.m.files(cid)
        found = list(walk_roots(self.m.roots(cid), self.globs, self.m.excludes(cid)))
        present = {f.path for f in found}
        gone = [p for p in known if p not in present]
        if gone:
            for p in gone:
                self.v.delete_ids(cid, self.m.chunk_ids(cid, p))
            self.m.forget_files(cid, gone)
            self.report.removed = len(gone)
        todo: list[FoundFile] = []
        for f in found:
            rec = known.get(f.path)
            if rec and rec.size == f.size and rec.mtime_ns == f.mtime_ns:
                self.report.unchanged += 1
            else:
                todo.append(f)
        self.report.files_total = len(found)
        try:
            self._process(todo, known, t0)
        finally:
            self.sandbox.close()
        self.report.seconds = time.perf_counter() - t0
        self._emit(self.report.files_total, self.report.files_total, self.report.chunks_added, "", "done", t0,
                   len(todo))
        return self.report

    # ------------------------------------------------------------------ pipeline
    def _produce(self, todo: list[FoundFile], known: dict[str, FileRecord], out: "queue.Queue[_Work | None]") -> None:
        try:
            for f in todo:
                if self.cancel.is_set() or self._stop.is_set():
                    break
                out.put(self._prepare(f, known.get(f.path)))
        except BaseException as exc:  # surface unexpected errors in the consumer
            log.exception("parse thread failed")
            out.put(_Work("error", FoundFile("", "", 0, 0), reason=repr(exc)))
        finally:
            out.put(None)

    def _prepare(self, f: FoundFile, rec: FileRecord | None) -> _Work:
        if f.skip:  # decided by the walk (a link leading outside the root): never opened
            return _Work("skipped", f, "", f.skip)
        path = Path(f.path)
        try:
            formats.parser_for(path)
        except formats.Skip as exc:  # by its type, before reading a byte (a 40 GB disk image …)
            return _Work("skipped", f, "", str(exc))
        try:
            sha = sha256_file(f.path)
        except OSError as exc:
            return _Work("failed", f, reason=f"cannot read the file ({exc.strerror})")
        if rec and rec.sha256 == sha:
            return _Work("unchanged", f, sha)
        result = self.sandbox.parse(path)
        if not result.ok:
            return _Work(result.status, f, sha, result.reason)
        try:
            _text, chunks = chunk_document(result.doc, self.chunk_tokens, self.chunk_overlap)
        except RecursionError:
            return _Work("failed", f, sha, "structure nested too deeply to chunk")
        if not chunks:
            return _Work("skipped", f, sha, "no text found")
        cid = self.coll.id
        rows = [ChunkRow(chunk_id(cid, f.path, i), f.path, i, c.text, c.embed_text, c.page, c.heading, c.start, c.end)
                for i, c in enumerate(chunks)]
        return _Work("parsed", f, sha, chunks=rows)

    def _process(self, todo: list[FoundFile], known: dict[str, FileRecord], t0: float) -> None:
        q: "queue.Queue[_Work | None]" = queue.Queue(maxsize=16)
        producer = threading.Thread(target=self._produce, args=(todo, known, q), name="hearth-parse", daemon=True)
        producer.start()
        pending: list[_Work] = []
        done = self.report.unchanged
        worked = 0
        finished = False
        try:
            while not finished:
                item = q.get()
                batch_ready = False
                if item is None:
                    finished = True
                elif item.kind == "error":
                    raise RuntimeError(item.reason)
                elif item.kind == "parsed":
                    pending.append(item)
                    waiting = sum(len(w.chunks) for w in pending)
                    batch_ready = waiting >= EMBED_BATCH_CHUNKS or (q.empty() and waiting >= MIN_EAGER_CHUNKS)
                else:
                    self._commit_other(item, known.get(item.found.path))
                    done += 1
                    worked += 1
                    self._emit(done, self.report.files_total, self.report.chunks_added, item.found.path,
                               "indexing", t0, worked, len(todo))
                if pending and (batch_ready or finished or self.cancel.is_set()):
                    for w in self._embed_and_commit(pending, known):
                        done += 1
                        worked += 1
                        self._emit(done, self.report.files_total, self.report.chunks_added, w.found.path,
                                   "indexing", t0, worked, len(todo))
                        if self.cancel.is_set():
                            break  # the rest of the batch is committed by the next run
                    pending = []
                if self.cancel.is_set():
                    self.report.cancelled = True
                    break
        finally:
            if not finished:  # cancelled or failed: stop the producer and unblock its queue
                self._stop.set()
                while True:
                    try:
                        if q.get(timeout=0.1) is None:
                            break
                    except queue.Empty:
                        if not producer.is_alive():
                            break
            producer.join(timeout=self.sandbox.timeout_s + 5)

    def _commit_other(self, w: _Work, rec: FileRecord | None) -> None:
        cid, f = self.coll.id, w.found
        if w.kind == "unchanged":
            self.m.touch_file(cid, f.path, f.size, f.mtime_ns)
            self.report.unchanged += 1
            return
        if rec:  # was indexed before, now skipped/failed: drop its old chunks
            self.v.delete_ids(cid, self.m.chunk_ids(cid, f.path))
        (self.report.skipped if w.kind == "skipped" else self.report.failed).append((f.path, w.reason))
        self.m.commit_file(cid, FileRecord(f.path, f.root, f.size, f.mtime_ns, w.sha, w.kind, w.reason, 0), [])

    def _embed_and_commit(self, works: list[_Work], known: dict[str, FileRecord]) -> Iterator[_Work]:
        """Embed a batch of files' chunks in one call, then commit file by file (yielding each)."""
        cid = self.coll.id
        texts = [c.embed_text for w in works for c in w.chunks]
        vectors = self.emb.embed(texts)
        pos = 0
        for w in works:
            n = len(w.chunks)
            vecs, pos = vectors[pos:pos + n], pos + n
            f = w.found
            old_ids = self.m.chunk_ids(cid, f.path)
            new_ids = {c.id for c in w.chunks}
            stale = [i for i in old_ids if i not in new_ids]
            if stale:
                self.v.delete_ids(cid, stale)
            if self.resumed and f.path not in known:
                self.v.delete_path(cid, f.path)  # leftovers of the interrupted job
            metas = [{"path": f.path, "ord": c.ord, **({"page": c.page} if c.page else {})} for c in w.chunks]
            self.v.upsert(cid, [c.id for c in w.chunks], vecs, metas)
            self.m.commit_file(cid, FileRecord(f.path, f.root, f.size, f.mtime_ns, w.sha, "indexed", "", n), w.chunks)
            self.report.indexed += 1
            self.report.chunks_added += n
            yield w

    def _emit(self, done: int, total: int, chunks: int, current: str, phase: str, t0: float,
              worked: int, todo: int | None = None) -> None:
        if not self.progress_fn:
            return
        elapsed = max(1e-6, time.perf_counter() - t0)
        rate = worked / elapsed
        eta = (todo - worked) / rate if todo is not None and rate > 0 else None
        try:
            self.progress_fn(Progress(done, total, chunks, rate, eta, current, phase))
        except Exception:  # a broken progress display must not break indexing
            log.exception("progress callback failed")
