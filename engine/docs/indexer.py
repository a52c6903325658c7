"""One indexing job: scan a collection's roots, and bring the index up to date with them.

Pipeline (parsing overlaps embedding):

    scan ─► diff against the manifest ─► [parse thread] hash → parse (sandboxed) → chunk
                                              │ queue
                                              ▼
                        [caller thread] embed (batched) → vector upsert → manifest commit (per file)

* Unchanged files (same size and mtime, or same content hash) are never parsed or embedded, and
  in a changed file every chunk whose text is unchanged keeps its stored vector.
* Memory stays flat whatever the corpus size: the scan streams (seen paths go to a temporary
  SQLite table, files that need work to a temporary file), and embedding works in bounded groups.
* Each file is committed on its own: a job killed at any point resumes with the next file.
* ``cancel`` (a ``threading.Event``) stops the job between files; what is done stays done.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import tempfile
import threading
import time
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterator

from engine.docs import formats
from engine.docs.chunking import chunk_document
from engine.docs.embedder import Embedder
from engine.docs.manifest import ChunkRow, CollectionRow, FileRecord, Manifest
from engine.docs.sandbox import ParseSandbox
from engine.docs.search import rel_path
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
    eta_s: float | None      # from bytes done: file counts mislead when sizes differ 1000-fold
    current_file: str
    phase: str = "indexing"  # scanning | indexing | done
    bytes_done: int = 0      # bytes of the files that needed work and are finished
    bytes_total: int = 0     # bytes of all files that need work in this job
    chunks_per_s: float = 0.0


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
    chunks_reused: int = 0     # chunks of changed files whose text, hence vector, was unchanged


ProgressFn = Callable[[Progress], None]


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def chunk_id(cid: int, path: str, ordinal: int) -> str:
    return f"c{cid}-{hashlib.sha1(path.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}-{ordinal}"


def server_chunk_ids(space: str, rel: str, embed_texts: list[str]) -> list[str]:
    """Ids of a file's chunks in a shared collection: from the collection, the path relative to
    the collection folder and each chunk's embedded text (the n-th repeat of a text in one file
    counts too). Every client indexing the same folder computes the same ids, so their upserts
    meet instead of duplicating, and a re-run after a crash converges. Same id, same text, hence
    the same vector: a chunk already on the server is never embedded again."""
    seen: dict[str, int] = {}
    out = []
    for text in embed_texts:
        nth = seen[text] = seen.get(text, -1) + 1
        h = hashlib.sha256("\0".join((space, rel, str(nth), text)).encode("utf-8", "surrogatepass"))
        out.append("s-" + h.hexdigest()[:32])
    return out


def shared_rel(path: str, root: str) -> str:
    """``path`` relative to its collection root, with / separators (the same on every client)."""
    return rel_path(path, root).replace(os.sep, "/")


@dataclass
class _Work:
    kind: str                   # parsed | unchanged | skipped | failed
    found: FoundFile
    sha: str = ""
    reason: str = ""
    chunks: list[ChunkRow] = field(default_factory=list)
    rec: FileRecord | None = None  # the file's manifest row before this job (None: new file)


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
        self._bytes_total = 0
        self._bytes_done = 0
        self._t_work = 0.0  # when the first file's work began (after the scan)
        self.reused_chunks = 0  # chunks of changed files whose stored vector was kept

    # ------------------------------------------------------------------ public
    def run(self) -> IndexReport:
        t0 = time.perf_counter()
        self._emit(0, 0, 0, "", "scanning", t0, 0)
        with tempfile.TemporaryFile("w+", encoding="utf-8") as todo:
            n_todo = self._scan(todo)
            todo.seek(0)
            self._t_work = time.perf_counter()
            try:
                self._process(todo, n_todo, t0)
            finally:
                self.sandbox.close()
        self.report.seconds = time.perf_counter() - t0
        self._emit(self.report.files_total, self.report.files_total, self.report.chunks_added, "", "done", t0,
                   n_todo)
        return self.report

    def _scan(self, todo: IO[str]) -> int:
        """Walk the roots once: count unchanged files, write the others to ``todo`` (one JSON line
        each, with their previous manifest row), then drop files that are gone. Returns how many
        files need work."""
        cid = self.coll.id
        self.m.begin_scan()
        seen: list[str] = []
        n_found = n_todo = 0
        for f in walk_roots(self.m.roots(cid), self.globs, self.m.excludes(cid)):
            n_found += 1
            seen.append(f.path)
            if len(seen) >= 1000:
                self.m.mark_seen(seen)
                seen = []
            rec = self.m.file_record(cid, f.path)
            if rec and rec.size == f.size and rec.mtime_ns == f.mtime_ns:
                self.report.unchanged += 1
                continue
            todo.write(json.dumps([list(astuple(f)), list(astuple(rec)) if rec else None]) + "\n")
            self._bytes_total += f.size
            n_todo += 1
        self.m.mark_seen(seen)
        while gone := self.m.unseen_files(cid):
            for p in gone:
                self.v.delete_ids(cid, self.m.chunk_ids(cid, p))
            self.m.forget_files(cid, gone)
            self.report.removed += len(gone)
        self.m.end_scan()
        self.report.files_total = n_found
        return n_todo

    # ------------------------------------------------------------------ pipeline
    def _produce(self, todo: IO[str], out: "queue.Queue[_Work | None]") -> None:
        try:
            for line in todo:
                if self.cancel.is_set() or self._stop.is_set():
                    break
                found, rec = json.loads(line)
                out.put(self._prepare(FoundFile(*found), FileRecord(*rec) if rec else None))
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
            return _Work("skipped", f, "", str(exc), rec=rec)
        try:
            sha = sha256_file(f.path)
        except OSError as exc:
            return _Work("failed", f, reason=f"cannot read the file ({exc.strerror})")
        if rec and rec.sha256 == sha:
            return _Work("unchanged", f, sha, rec=rec)
        result = self.sandbox.parse(path)
        if not result.ok:
            return _Work(result.status, f, sha, result.reason, rec=rec)
        try:
            _text, chunks = chunk_document(result.doc, self.chunk_tokens, self.chunk_overlap)
        except RecursionError:
            return _Work("failed", f, sha, "structure nested too deeply to chunk", rec=rec)
        if not chunks:
            return _Work("skipped", f, sha, "no text found", rec=rec)
        cid = self.coll.id
        if self.v.remote:
            ids = server_chunk_ids(self.v._name(cid), shared_rel(f.path, f.root), [c.embed_text for c in chunks])
        else:
            ids = [chunk_id(cid, f.path, i) for i in range(len(chunks))]
        rows = [ChunkRow(ids[i], f.path, i, c.text, c.embed_text, c.page, c.heading, c.start, c.end)
                for i, c in enumerate(chunks)]
        return _Work("parsed", f, sha, chunks=rows, rec=rec)

    def _process(self, todo: IO[str], n_todo: int, t0: float) -> None:
        q: "queue.Queue[_Work | None]" = queue.Queue(maxsize=16)
        producer = threading.Thread(target=self._produce, args=(todo, q), name="hearth-parse", daemon=True)
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
                    self._commit_other(item)
                    self._bytes_done += item.found.size
                    done += 1
                    worked += 1
                    self._emit(done, self.report.files_total, self.report.chunks_added, item.found.path,
                               "indexing", t0, worked, n_todo)
                if pending and (batch_ready or finished or self.cancel.is_set()):
                    for w in self._embed_and_commit(pending):
                        self._bytes_done += w.found.size
                        done += 1
                        worked += 1
                        self._emit(done, self.report.files_total, self.report.chunks_added, w.found.path,
                                   "indexing", t0, worked, n_todo)
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

    def _commit_other(self, w: _Work) -> None:
        cid, f, rec = self.coll.id, w.found, w.rec
        if w.kind == "unchanged":
            self.m.touch_file(cid, f.path, f.size, f.mtime_ns)
            self.report.unchanged += 1
            return
        if rec:  # was indexed before, now skipped/failed: drop its old chunks
            self.v.delete_ids(cid, self.m.chunk_ids(cid, f.path))
        (self.report.skipped if w.kind == "skipped" else self.report.failed).append((f.path, w.reason))
        self.m.commit_file(cid, FileRecord(f.path, f.root, f.size, f.mtime_ns, w.sha, w.kind, w.reason, 0), [])

    def _embed_and_commit(self, works: list[_Work]) -> Iterator[_Work]:
        """Embed a batch of files' chunks in one call, then commit file by file (yielding each).
        A chunk whose text is unchanged since the file's last indexing keeps its vector."""
        cid = self.coll.id
        reuse = self._reusable(works)
        texts = [c.embed_text for w in works for c in w.chunks if c.embed_text not in reuse]
        fresh = iter(self.emb.embed(texts) if texts else [])
        kept = sum(1 for w in works for c in w.chunks if c.embed_text in reuse)
        self.reused_chunks += kept
        self.report.chunks_reused += kept
        for w in works:
            n = len(w.chunks)
            vecs = [reuse[c.embed_text] if c.embed_text in reuse else next(fresh) for c in w.chunks]
            f = w.found
            old_ids = self.m.chunk_ids(cid, f.path)
            new_ids = {c.id for c in w.chunks}
            stale = [i for i in old_ids if i not in new_ids]
            if stale:
                self.v.delete_ids(cid, stale)
            if self.v.remote:  # stable ids: leftovers of an interrupted job are overwritten, not duplicated
                rel = shared_rel(f.path, f.root)
                metas = [{"path": rel, "ord": c.ord, "heading": c.heading, "start": c.start, "end": c.end,
                          "embed": c.embed_text, **({"page": c.page} if c.page else {})} for c in w.chunks]
                self.v.upsert(cid, [c.id for c in w.chunks], vecs, metas, [c.text for c in w.chunks])
            else:
                if self.resumed and w.rec is None:
                    self.v.delete_path(cid, f.path)  # leftovers of the interrupted job
                metas = [{"path": f.path, "ord": c.ord, **({"page": c.page} if c.page else {})} for c in w.chunks]
                self.v.upsert(cid, [c.id for c in w.chunks], vecs, metas)
            self.m.commit_file(cid, FileRecord(f.path, f.root, f.size, f.mtime_ns, w.sha, "indexed", "", n), w.chunks)
            self.report.indexed += 1
            self.report.chunks_added += n
            yield w

    def _reusable(self, works: list[_Work]) -> dict[str, list[float]]:
        """Stored vectors of the previously indexed chunks of these files, by their embed text."""
        cid = self.coll.id
        by_id: dict[str, str] = {}
        for w in works:
            if w.rec is not None and w.rec.status == "indexed":
                by_id.update(self.m.chunk_texts(cid, w.found.path))
            if self.v.remote:  # chunks another client (or a crashed run) already put on the server
                by_id.update((c.id, c.embed_text) for c in w.chunks)
        if not by_id:
            return {}
        wanted = {c.embed_text for w in works for c in w.chunks}
        ids = [i for i, t in by_id.items() if t in wanted]
        return {by_id[i]: [float(x) for x in v] for i, v in self.v.embeddings(cid, ids).items()} if ids else {}

    def _emit(self, done: int, total: int, chunks: int, current: str, phase: str, t0: float,
              worked: int, todo: int | None = None) -> None:
        if not self.progress_fn:
            return
        now = time.perf_counter()
        elapsed = max(1e-6, now - t0)
        working = max(1e-6, now - (self._t_work or t0))
        rate = worked / elapsed
        eta = None
        if phase == "indexing" and self._bytes_done > 0 and working >= 1.0:
            eta = max(0.0, (self._bytes_total - self._bytes_done) * working / self._bytes_done)
        try:
            self.progress_fn(Progress(done, total, chunks, rate, eta, current, phase, self._bytes_done,
                                      self._bytes_total, chunks / working if self._t_work else 0.0))
        except Exception:  # a broken progress display must not break indexing
            log.exception("progress callback failed")
