"""The index manifest: collections, their roots, every file seen and every chunk stored.

SQLite (WAL) under ``<index_dir>/manifest.sqlite3``. It is the source of truth for what is
indexed: the vector store and the keyword index are rebuilt from it, never the reverse. Each
file's chunks and its manifest row are written in **one transaction**, so an interrupted job
leaves every file either fully indexed or untouched, and the next run resumes from there.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from engine.errors import IndexError_, StorageError

SCHEMA_VERSION = 3  # 2: collections.last_indexed; 3: collections.server

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    embed_model TEXT NOT NULL DEFAULT '',
    chunk_config TEXT NOT NULL DEFAULT '',
    generation INTEGER NOT NULL DEFAULT 0,     -- bumped on every change: invalidates BM25 caches
    job_state TEXT NOT NULL DEFAULT 'idle',    -- 'running' left behind = interrupted job
    job_started REAL,
    last_indexed REAL,                         -- end of the last completed job (epoch s)
    server TEXT NOT NULL DEFAULT ''            -- Chroma server URL of a shared collection; '' = this computer
);
CREATE TABLE IF NOT EXISTS roots (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    PRIMARY KEY (collection_id, path)
);
CREATE TABLE IF NOT EXISTS files (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    root TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,          -- indexed | skipped | failed
    reason TEXT NOT NULL DEFAULT '',
    n_chunks INTEGER NOT NULL DEFAULT 0,
    indexed_at REAL NOT NULL,
    PRIMARY KEY (collection_id, path)
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    ord INTEGER NOT NULL,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    page INTEGER,
    heading TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(collection_id, path);
"""


@dataclass(frozen=True)
class FileRecord:
    path: str
    root: str
    size: int
    mtime_ns: int
    sha256: str
    status: str
    reason: str
    n_chunks: int


@dataclass(frozen=True)
class ChunkRow:
    id: str
    path: str
    ord: int
    text: str
    embed_text: str
    page: int | None
    heading: str
    start: int
    end: int


@dataclass(frozen=True)
class CollectionRow:
    id: int
    name: str
    embed_model: str
    chunk_config: str
    generation: int
    job_state: str
    last_indexed: float | None
    server: str = ""  # Chroma server URL of a shared collection; "" = this computer


class Manifest:
    """One connection; used by one thread at a time (the service serialises access)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise IndexError_(f"The document index at {path} was written by a newer Hearth.",
                                  "Update Hearth, or remove the index folder to rebuild it.")
            self.db.executescript(_SCHEMA)
            if version < 2:
                self._add_last_indexed()
            if version < 3:
                self._add_column("server", "TEXT NOT NULL DEFAULT ''")
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"The document index manifest {path} is unreadable ({exc}).",
                              "Remove the index folder and re-add your documents to rebuild it.") from exc

    def _add_last_indexed(self) -> None:
        """Version 1 -> 2. An index written before this column existed gets, for each finished
        collection, its newest file timestamp: the best guess available (unchanged files are not
        re-stamped), and better than showing "never" for a collection that is ready."""
        self.db.execute("BEGIN IMMEDIATE")  # one migrator at a time; column and backfill together
        try:
            cols = [r[1] for r in self.db.execute("PRAGMA table_info(collections)")]
            if "last_indexed" not in cols:  # absent unless a fresh database or another connection got here first
                self.db.execute("ALTER TABLE collections ADD COLUMN last_indexed REAL")
                self.db.execute("UPDATE collections SET last_indexed=(SELECT MAX(indexed_at) FROM files "
                                "WHERE files.collection_id=collections.id) WHERE job_state='idle'")
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # SQLite may have rolled back already (full disk)
                self.db.execute("ROLLBACK")
            raise

    def _add_column(self, name: str, decl: str) -> None:
        """Add a column to ``collections`` unless a fresh schema or another connection has it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if name not in [r[1] for r in self.db.execute("PRAGMA table_info(collections)")]:
                self.db.execute(f"ALTER TABLE collections ADD COLUMN {name} {decl}")
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    # -- transactions
    def _write(self, fn, *args):  # type: ignore[no-untyped-def]
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(*args)
                self.db.execute("COMMIT")
                return result
            except BaseException:
                # SQLite has already rolled back after some errors (a full disk): a second
                # ROLLBACK would fail and hide the real error behind "no transaction is active".
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if any(sign in str(exc).lower() for sign in ("full", "disk i/o error")):
                raise StorageError("The document index could not be updated: the disk is full or not writable.",
                                   "Free some space and run `hearth docs reindex`; nothing indexed so far is lost.") from exc
            raise IndexError_(f"The document index could not be updated ({exc}).") from exc

    # -- collections
    def collection(self, name: str) -> CollectionRow | None:
        row = self.db.execute("SELECT id, name, embed_model, chunk_config, generation, job_state, last_indexed, "
                              "server FROM collections WHERE name=?", (name,)).fetchone()
        return CollectionRow(*row) if row else None

    def collections(self) -> list[CollectionRow]:
        return [CollectionRow(*r) for r in self.db.execute(
            "SELECT id, name, embed_model, chunk_config, generation, job_state, last_indexed, server "
            "FROM collections ORDER BY name")]

    def ensure_collection(self, name: str, embed_model: str = "", chunk_config: str = "",
                          server: str = "") -> CollectionRow:
        """The collection called ``name``; a new one is made with its embedder, chunking and
        server in the same row (one statement: no collection exists, even after a crash, without
        the embedder its vectors are made with). An existing collection keeps what it recorded."""
        def op() -> None:
            self.db.execute("INSERT OR IGNORE INTO collections(name, created, embed_model, chunk_config, server) "
                            "VALUES (?, ?, ?, ?, ?)", (name, time.time(), embed_model, chunk_config, server))
        self._write(op)
        return self.collection(name)  # type: ignore[return-value]

    def rebuild_collection(self, cid: int, embed_model: str, chunk_config: str) -> None:
        """Start over with another embedder, in one transaction: the new embedder is recorded only
        together with forgetting every chunk (and file) made with the old one, so a crash leaves
        either the old collection as it was or an empty one that records the new embedder."""
        def op() -> None:
            self.db.execute("DELETE FROM chunks WHERE collection_id=?", (cid,))
            self.db.execute("DELETE FROM files WHERE collection_id=?", (cid,))
            self.db.execute("UPDATE collections SET embed_model=?, chunk_config=?, generation=generation+1 "
                            "WHERE id=?", (embed_model, chunk_config, cid))
        self._write(op)

    def delete_collection(self, cid: int) -> None:
        self._write(lambda: self.db.execute("DELETE FROM collections WHERE id=?", (cid,)))

    def set_collection_config(self, cid: int, embed_model: str, chunk_config: str) -> None:
        self._write(lambda: self.db.execute(
            "UPDATE collections SET embed_model=?, chunk_config=?, generation=generation+1 WHERE id=?",
            (embed_model, chunk_config, cid)))

    def set_job_state(self, cid: int, state: str) -> None:
        self._write(lambda: self.db.execute(
            "UPDATE collections SET job_state=?, job_started=? WHERE id=?",
            (state, time.time() if state == "running" else None, cid)))

    def finish_job(self, cid: int) -> None:
        """A job ran to the end: the collection is up to date as of now (even if nothing changed)."""
        self._write(lambda: self.db.execute(
            "UPDATE collections SET job_state='idle', job_started=NULL, last_indexed=? WHERE id=?", (time.time(), cid)))

    def generation(self, cid: int) -> int:
        row = self.db.execute("SELECT generation FROM collections WHERE id=?", (cid,)).fetchone()
        return row[0] if row else -1

    def add_roots(self, cid: int, paths: Iterable[str]) -> None:
        def op() -> None:
            self.db.executemany("INSERT OR IGNORE INTO roots(collection_id, path) VALUES (?, ?)",
                                [(cid, p) for p in paths])
        self._write(op)

    def remove_root(self, cid: int, path: str) -> None:
        self._write(lambda: self.db.execute("DELETE FROM roots WHERE collection_id=? AND path=?", (cid, path)))

    def roots(self, cid: int) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM roots WHERE collection_id=? ORDER BY path", (cid,))
                if not r[0].startswith("!")]

    def excludes(self, cid: int) -> list[str]:
        """Paths inside a root that the person removed (stored as "!path" rows of ``roots``)."""
        return [r[0][1:] for r in self.db.execute("SELECT path FROM roots WHERE collection_id=? AND path LIKE '!%'", (cid,))]

    def add_exclude(self, cid: int, path: str) -> None:
        self.add_roots(cid, ["!" + path])

    # -- files
    def files(self, cid: int) -> dict[str, FileRecord]:
        rows = self.db.execute("SELECT path, root, size, mtime_ns, sha256, status, reason, n_chunks "
                               "FROM files WHERE collection_id=?", (cid,))
        return {r[0]: FileRecord(*r) for r in rows}

    def file_record(self, cid: int, path: str) -> FileRecord | None:
        row = self.db.execute("SELECT path, root, size, mtime_ns, sha256, status, reason, n_chunks "
                              "FROM files WHERE collection_id=? AND path=?", (cid, path)).fetchone()
        return FileRecord(*row) if row else None

    # -- a scan that never holds the file list in memory: seen paths go to a temporary table
    def begin_scan(self) -> None:
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS scan_seen (path TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM scan_seen")

    def mark_seen(self, paths: list[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO scan_seen(path) VALUES (?)", [(p,) for p in paths])

    def unseen_files(self, cid: int, limit: int = 500) -> list[str]:
        """Indexed files the scan did not find (deleted, or excluded since)."""
        return [r[0] for r in self.db.execute(
            "SELECT path FROM files WHERE collection_id=? AND path NOT IN (SELECT path FROM scan_seen) LIMIT ?",
            (cid, limit))]

    def end_scan(self) -> None:
        self.db.execute("DELETE FROM scan_seen")

    def roots_of(self, cid: int, paths: list[str]) -> dict[str, str]:
        """The collection root each of these files was found under."""
        if not paths:
            return {}
        q = "SELECT path, root FROM files WHERE collection_id=? AND path IN (%s)" % ",".join("?" * len(paths))
        return dict(self.db.execute(q, [cid, *paths]).fetchall())

    def touch_file(self, cid: int, path: str, size: int, mtime_ns: int) -> None:
        """Same content, new mtime (e.g. `touch`): remember it so the next scan skips hashing."""
        self._write(lambda: self.db.execute(
            "UPDATE files SET size=?, mtime_ns=? WHERE collection_id=? AND path=?", (size, mtime_ns, cid, path)))

    def commit_file(self, cid: int, record: FileRecord, chunks: list[ChunkRow]) -> None:
        """Replace one file's chunks and manifest row atomically."""
        def op() -> None:
            self.db.execute("DELETE FROM chunks WHERE collection_id=? AND path=?", (cid, record.path))
            self.db.executemany(
                'INSERT OR REPLACE INTO chunks(id, collection_id, path, ord, text, embed_text, page, heading, start, "end") '
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(c.id, cid, c.path, c.ord, c.text, c.embed_text, c.page, c.heading, c.start, c.end) for c in chunks])
            self.db.execute(
                "INSERT OR REPLACE INTO files(collection_id, path, root, size, mtime_ns, sha256, status, reason, "
                "n_chunks, indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (cid, record.path, record.root, record.size, record.mtime_ns, record.sha256, record.status,
                 record.reason, len(chunks), time.time()))
            if chunks or record.status != "indexed":
                self.db.execute("UPDATE collections SET generation=generation+1 WHERE id=?", (cid,))
        self._write(op)

    def forget_files(self, cid: int, paths: list[str]) -> None:
        def op() -> None:
            for p in paths:
                self.db.execute("DELETE FROM chunks WHERE collection_id=? AND path=?", (cid, p))
                self.db.execute("DELETE FROM files WHERE collection_id=? AND path=?", (cid, p))
            self.db.execute("UPDATE collections SET generation=generation+1 WHERE id=?", (cid,))
        self._write(op)

    def invalidate_files(self, cid: int) -> None:
        """Every file must be parsed again (chunks and vectors stay until each file is redone)."""
        self._write(lambda: self.db.execute(
            "UPDATE files SET sha256='', mtime_ns=-1 WHERE collection_id=?", (cid,)))

    # -- chunks
    def chunk_ids(self, cid: int, path: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE collection_id=? AND path=?", (cid, path))]

    def chunks_by_ord(self, cid: int, path: str, ords: list[int]) -> list[ChunkRow]:
        if not ords:
            return []
        q = ('SELECT id, path, ord, text, embed_text, page, heading, start, "end" FROM chunks '
             "WHERE collection_id=? AND path=? AND ord IN (%s)" % ",".join("?" * len(ords)))
        return [ChunkRow(*r) for r in self.db.execute(q, [cid, path, *ords])]

    def chunk_texts(self, cid: int, path: str) -> dict[str, str]:
        """id -> embed text of one file's chunks."""
        return dict(self.db.execute("SELECT id, embed_text FROM chunks WHERE collection_id=? AND path=?", (cid, path)))

    def iter_chunks(self, cid: int) -> Iterator[ChunkRow]:
        cur = self.db.execute('SELECT id, path, ord, text, embed_text, page, heading, start, "end" '
                              "FROM chunks WHERE collection_id=? ORDER BY rowid", (cid,))
        for row in cur:
            yield ChunkRow(*row)

    def chunks_by_id(self, ids: list[str]) -> dict[str, ChunkRow]:
        out: dict[str, ChunkRow] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = ('SELECT id, path, ord, text, embed_text, page, heading, start, "end" FROM chunks WHERE id IN (%s)'
                 % ",".join("?" * len(part)))
            for row in self.db.execute(q, part):
                out[row[0]] = ChunkRow(*row)
        return out

    def chunks_in_range(self, path: str, lo: int, hi: int) -> list[ChunkRow]:
        """Chunks of one file (in the first collection holding it) overlapping [lo, hi), in order."""
        row = self.db.execute("SELECT collection_id FROM chunks WHERE path=? LIMIT 1", (path,)).fetchone()
        if row is None:
            return []
        cur = self.db.execute('SELECT id, path, ord, text, embed_text, page, heading, start, "end" FROM chunks '
                              'WHERE collection_id=? AND path=? AND start<? AND "end">? ORDER BY start, ord',
                              (row[0], path, hi, lo))
        return [ChunkRow(*r) for r in cur]

    def counts(self, cid: int) -> dict[str, int]:
        out = {"indexed": 0, "skipped": 0, "failed": 0}
        for status, n in self.db.execute("SELECT status, COUNT(*) FROM files WHERE collection_id=? GROUP BY status", (cid,)):
            out[status] = n
        out["chunks"] = self.db.execute("SELECT COUNT(*) FROM chunks WHERE collection_id=?", (cid,)).fetchone()[0]
        return out

    def problems(self, cid: int) -> list[tuple[str, str, str]]:
        return list(self.db.execute("SELECT path, status, reason FROM files WHERE collection_id=? AND status!='indexed' "
                                    "ORDER BY path", (cid,)))
