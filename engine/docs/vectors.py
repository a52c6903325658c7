"""The vector store: chromadb ``PersistentClient`` under ``<index_dir>/chroma``.

Telemetry is off and chroma never embeds anything itself: we pass our own embeddings in (no
embedding function is attached, so chroma's default model — which downloads — is never used).
One chroma collection per Hearth collection, cosine space; writes go in batches.

One owner per process: chromadb keeps a process-wide cache of open stores, and two threads
opening the same folder at once corrupt it (``KeyError`` / ``'RustBindingsAPI' object has no
attribute 'bindings'`` — the app's first document question failed that way while the warm-up
opened the store). :meth:`VectorStore.shared` hands every caller the one store of a folder, opened
once under a lock.

Embedder identity: each chroma collection's metadata names the embedding model and dimension it
was built with (``hearth_embedder``, ``hearth_dim``). Vectors of two models are not comparable, so
a store told to use another embedder (:meth:`VectorStore.use_embedder`) refuses to read or write
the collection instead of returning nonsense. The service tells the store the embedder the
*collection* records (its manifest row; a shared collection's server metadata,
:meth:`VectorStore.recorded_embedder`), never simply the one in the settings, so this check only
fires on a real inconsistency. A collection made before this metadata existed adopts the first
embedder that uses it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from engine.errors import IndexError_, StorageError

EMBEDDER_KEY = "hearth_embedder"
DIM_KEY = "hearth_dim"

_owner_lock = threading.RLock()  # re-entrant: shared() holds it while __init__ opens the client
_stores: dict[str, "VectorStore"] = {}


def _chroma_error(exc: Exception, *, opening: bool = False) -> Exception:
    text = str(exc)
    if any(sign in text.lower() for sign in ("full", "no space", "disk i/o error", "file too large")):
        return StorageError("The vector index could not be written: the disk is full or not writable.",
                            "Free some space and run `hearth docs reindex`; finished files are kept.")
    if opening:  # nothing is known to be wrong with the collections themselves
        return IndexError_(f"The vector index could not be opened ({type(exc).__name__}: {text[:300]}).",
                           "Ask again in a moment; if it keeps failing, restart Hearth. Your collections "
                           "are not affected, so there is no need to re-index or remove them.")
    return IndexError_(f"The vector index failed ({type(exc).__name__}: {text[:300]}).",
                       "Run `hearth docs reindex`; if it keeps failing, remove the collection and add it again.")


class VectorStore:
    remote = False  # a collection on a Chroma server (ServerVectorStore)
    where = "on this computer"

    @classmethod
    def shared(cls, directory: Path) -> "VectorStore":
        """The process's one store for ``directory`` (opened on first use, thread-safe)."""
        key = str(Path(directory).resolve())
        with _owner_lock:
            store = _stores.get(key)
            if store is None:
                store = _stores[key] = cls(Path(directory))
            return store

    def __init__(self, directory: Path) -> None:
        from engine.net import enforce_offline_defaults

        enforce_offline_defaults()
        import chromadb
        from chromadb.config import Settings

        directory.mkdir(parents=True, exist_ok=True)
        try:
            with _owner_lock:  # never two chromadb opens at once in this process
                self.client = chromadb.PersistentClient(
                    path=str(directory), settings=Settings(anonymized_telemetry=False, allow_reset=False))
        except Exception as exc:
            raise _chroma_error(exc, opening=True) from exc
        self._init_state()
        try:
            self.max_batch = int(self.client.get_max_batch_size())
        except Exception:
            self.max_batch = 5000

    def _init_state(self) -> None:
        self._collections: dict[int, Any] = {}
        self._coll_lock = threading.Lock()
        self._identity: dict[int, tuple[str, Callable[[], int]]] = {}
        self._checked: set[int] = set()

    def use_embedder(self, cid: int, name: str, dim: Callable[[], int]) -> None:
        """Every later call on ``cid`` checks the collection was built with this embedder.
        ``dim`` is called only when a collection is opened (it may load the model)."""
        with self._coll_lock:
            if self._identity.get(cid, ("", None))[0] != name:
                self._checked.discard(cid)
            self._identity[cid] = (name, dim)

    def check(self, cid: int) -> None:
        """Open the collection now (creating it), so a mismatch is found before any work."""
        self._coll(cid)

    def recorded_embedder(self, cid: int) -> str | None:
        """The embedder named in the collection's metadata; None when the collection does not
        exist yet or records none. Never creates the collection."""
        try:
            coll = self.client.get_collection(self._name(cid))
        except Exception as exc:
            if type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc).lower():
                return None
            raise self._error(exc) from exc
        have = (coll.metadata or {}).get(EMBEDDER_KEY)
        return str(have) if have else None

    def _describe(self, cid: int) -> str:
        return f"{self._name(cid)} ({self.where})"

    def _check_identity(self, cid: int, coll: Any) -> None:
        name, dim_fn = self._identity[cid]
        dim = int(dim_fn())
        meta = dict(coll.metadata or {})
        have, have_dim = meta.get(EMBEDDER_KEY), meta.get(DIM_KEY)
        if have is None:  # made before embedder metadata existed: adopt it
            try:
                coll.modify(metadata={**meta, EMBEDDER_KEY: name, DIM_KEY: dim})
            except Exception as exc:
                raise self._error(exc) from exc
            return
        if have != name or (have_dim is not None and int(have_dim) != dim):
            fix = ("Run the command again: Hearth uses the embedding model a shared collection records (it "
                   "changed on the server meanwhile), or add your documents to a new collection."
                   if self.remote else
                   "Rebuild the collection with the embedding model in your settings: `hearth docs reindex NAME "
                   "--rebuild` (or remove it with `hearth docs rm NAME` and add it again).")
            raise IndexError_(f"The vector collection {self._describe(cid)} was built with the embedding model "
                              f"'{have}' ({have_dim} dimensions), but its Hearth collection uses '{name}' ({dim} "
                              "dimensions): their vectors cannot be compared.", fix)

    def _error(self, exc: Exception, *, opening: bool = False) -> Exception:
        return _chroma_error(exc, opening=opening)

    def warm_up(self) -> None:
        """Load chromadb's storage ahead of the first search (creates nothing)."""
        try:
            self.client.list_collections()
        except Exception as exc:
            raise self._error(exc, opening=True) from exc

    @staticmethod
    def _name(cid: int) -> str:
        return f"hearth-c{cid}"

    def _new_metadata(self) -> dict[str, Any]:
        """Metadata a new collection is made with, besides its embedder's."""
        return {}

    def _coll(self, cid: int) -> Any:
        with self._coll_lock:  # the indexer and a search may ask for a new collection at once
            coll = self._collections.get(cid)
            if coll is None:
                ident = self._identity.get(cid)
                meta = {**self._new_metadata(), **({EMBEDDER_KEY: ident[0], DIM_KEY: int(ident[1]())} if ident else {})}
                try:
                    coll = self.client.get_or_create_collection(
                        self._name(cid), embedding_function=None,
                        # a new collection records its embedder as it is made (two clients may race)
                        metadata=meta or None,
                        configuration={"hnsw": {"space": "cosine", "ef_construction": 128, "ef_search": 96,
                                                "max_neighbors": 16}})
                except IndexError_:
                    raise
                except Exception as exc:
                    raise self._error(exc) from exc
                self._collections[cid] = coll
            if cid in self._identity and cid not in self._checked:
                self._check_identity(cid, coll)
                self._checked.add(cid)
            return coll

    # chromadb's native upsert holds the GIL for the whole call; in the desktop app a 4096-vector
    # call froze the UI thread for ~200-300 ms. Small calls bound that stall at little cost.
    UPSERT_BATCH = 128

    def upsert(self, cid: int, ids: list[str], embeddings: list[list[float]], metadatas: list[dict],
               documents: list[str] | None = None) -> None:
        """``documents`` (chunk texts) only for a shared collection: local ones keep text in the manifest."""
        coll = self._coll(cid)
        step = max(1, min(self.max_batch, self.UPSERT_BATCH))
        try:
            for i in range(0, len(ids), step):
                extra = {"documents": documents[i:i + step]} if documents is not None else {}
                coll.upsert(ids=ids[i:i + step], embeddings=embeddings[i:i + step], metadatas=metadatas[i:i + step],
                            **extra)
        except Exception as exc:
            raise self._error(exc) from exc

    def delete_path(self, cid: int, path: str) -> None:
        try:
            self._coll(cid).delete(where={"path": path})
        except Exception as exc:
            raise self._error(exc) from exc

    def delete_ids(self, cid: int, ids: list[str]) -> None:
        if not ids:
            return
        try:
            coll = self._coll(cid)
            for i in range(0, len(ids), 4096):
                coll.delete(ids=ids[i:i + 4096])
        except Exception as exc:
            raise self._error(exc) from exc

    def query(self, cid: int, embedding: list[float], n: int) -> list[tuple[str, float]]:
        """``(chunk id, cosine similarity)`` best first."""
        coll = self._coll(cid)
        try:
            count = coll.count()
            if count == 0:
                return []
            res = coll.query(query_embeddings=[embedding], n_results=min(n, count), include=["distances"])
        except Exception as exc:
            raise self._error(exc) from exc
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

    def embeddings(self, cid: int, ids: list[str]) -> dict[str, list[float]]:
        """Stored vectors of some chunks (for scoring hits that came from keyword search)."""
        if not ids:
            return {}
        try:
            got = self._coll(cid).get(ids=ids, include=["embeddings"])
        except Exception as exc:
            raise self._error(exc) from exc
        return dict(zip(got["ids"], got["embeddings"]))

    def count(self, cid: int) -> int:
        try:
            return int(self._coll(cid).count())
        except Exception as exc:
            raise self._error(exc) from exc

    def drop(self, cid: int) -> None:
        with self._coll_lock:
            self._collections.pop(cid, None)
            self._checked.discard(cid)
        try:
            self.client.delete_collection(self._name(cid))
        except Exception:  # not there: nothing to drop
            pass

