"""BM25 keyword search over a collection's chunks (``bm25s``), built from the manifest.

The index lives in memory and is rebuilt when the collection's generation changes (any file
added, changed or removed). Building is fast (a few seconds for 100k chunks), and scoring a
query is a sparse-matrix lookup, so keyword search stays in the low milliseconds at 100k chunks.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from engine.docs.textproc import keyword_tokens

log = logging.getLogger(__name__)


@dataclass
class KeywordIndex:
    ids: list[str]
    model: Any  # bm25s.BM25 or None when the collection is empty

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str]]) -> "KeywordIndex":
        """``rows`` are (chunk id, text to index)."""
        import bm25s

        ids: list[str] = []
        corpus: list[list[str]] = []
        for chunk_id, text in rows:
            ids.append(chunk_id)
            corpus.append(keyword_tokens(text) or ["\u2205"])
        if not ids:
            return cls([], None)
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index(corpus, show_progress=False)
        return cls(ids, model)

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """``(chunk id, BM25 score)`` best first; only chunks sharing a term with the query."""
        import numpy as np

        if self.model is None:
            return []
        tokens = [t for t in dict.fromkeys(keyword_tokens(query)) if t in self.model.vocab_dict]
        if not tokens:
            return []
        scores = self.model.get_scores(tokens)
        n = min(n, len(self.ids))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(self.ids) else np.arange(len(self.ids))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


class KeywordCache:
    """One keyword index per collection, kept while the collection's generation is unchanged."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[object, KeywordIndex]] = {}
        self._refreshing: set[int] = set()

    def get(self, cid: int, generation: object, rows_fn: Any, *,
            stale_ok: Callable[[object, object], bool] | None = None) -> KeywordIndex:
        """The index for ``generation``, built now if needed. When ``stale_ok(cached, wanted)``
        says the cached index is still good enough to answer with (a shared collection whose
        periodic refresh is due but whose chunk count did not change), it is returned at once and
        rebuilt in the background: rebuilding 100k chunks from a server took 13 s inside a search."""
        with self._lock:
            hit = self._cache.get(cid)
            if hit and hit[0] == generation:
                return hit[1]
            if hit and stale_ok is not None and stale_ok(hit[0], generation):
                if cid not in self._refreshing:
                    self._refreshing.add(cid)
                    threading.Thread(target=self._refresh, args=(cid, generation, rows_fn),
                                     name="keyword-refresh", daemon=True).start()
                return hit[1]
            index = KeywordIndex.build(rows_fn())
            self._cache[cid] = (generation, index)
            return index

    def _refresh(self, cid: int, generation: object, rows_fn: Any) -> None:
        try:
            index = KeywordIndex.build(rows_fn())
        except Exception as exc:  # the server went away: keep serving the old index, retry later
            log.warning("keyword index refresh of collection %s failed: %s", cid, exc)
            return
        finally:
            with self._lock:
                self._refreshing.discard(cid)
        with self._lock:
            self._cache[cid] = (generation, index)

    def drop(self, cid: int) -> None:
        with self._lock:
            self._cache.pop(cid, None)
