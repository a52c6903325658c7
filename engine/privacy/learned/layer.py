"""The learned layer's public face: ``LearnedLayer.shared().score(text) -> Scores``.

It only scores; the router's Policy decides what the scores mean (its thresholds). How a
message is scored: cut into windows of whole sentences (windows.py), all windows embedded in
one engine call, every head applied to every window and to the whole message (the
token-weighted mean of the window vectors, which is what the engine itself does for text over
its 512-token limit), then combined per label as ``weights.json`` says — "max" for special
categories and confidential material (one disclosing sentence is enough), "whole" for the
personal frame (a property of the message, not of one sentence).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import LearnedUnavailable
from engine.privacy.learned import cpu, heads as heads_mod
from engine.privacy.learned.embedder import Embedder, clean
from engine.privacy.learned.heads import derive
from engine.privacy.learned.windows import DEFAULT_BUDGET, make_windows

# Recent window vectors: a message scored twice (preview, then send) or text pasted again in a
# later message costs no second pass through the engine.
_CACHE_SIZE = 2048


@dataclass(frozen=True)
class Scores:
    """Probabilities in [0, 1] (see weights.json "thresholds" for recommended cut-offs)."""

    special: dict[str, float]  # per special category
    special_any: float  # a special-category disclosure of any kind
    special_top: str  # the category with the highest score
    business: float  # confidential company material
    personal: float  # personal frame (vs impersonal)
    windows: int  # windows the message was cut into
    elapsed_ms: float


def combine(per_window: np.ndarray, whole: np.ndarray, how: str) -> float:
    if how == "max":
        return float(max(per_window.max(), whole))
    if how == "whole":
        return float(whole)
    if how == "mean":
        return float(per_window.mean())
    raise ValueError(f"unknown combination {how!r}")


class LearnedLayer:
    """Scores messages with the classifiers in ``weights.json``. Thread-safe."""

    _shared: "LearnedLayer | None" = None
    _shared_error: LearnedUnavailable | None = None
    _shared_lock = threading.Lock()

    def __init__(self, weights_path: Path = heads_mod.WEIGHTS_PATH,
                 embedder: Embedder | None = None, num_threads: int | None = None) -> None:
        self.heads = heads_mod.load(weights_path)
        self.embedder = embedder or Embedder(num_threads=num_threads)
        windows = self.heads.meta.get("windows", {})
        self.budget = int(windows.get("budget", DEFAULT_BUDGET))
        self.rules: dict[str, str] = {"special": "max", "business": "max", "personal": "whole",
                                      **windows.get("combine", {})}
        self._base_tokens: int | None = None
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    @classmethod
    def shared(cls) -> "LearnedLayer":
        """The process-wide layer. Cheap checks (CPU, weights) now; the engine loads on first
        use or in :meth:`warm_up`. A failure is remembered and raised again on every call."""
        with cls._shared_lock:
            if cls._shared is None and cls._shared_error is None:
                try:
                    cpu.require()
                    cls._shared = cls()
                except LearnedUnavailable as exc:
                    cls._shared_error = exc
            if cls._shared_error is not None:
                raise cls._shared_error
            assert cls._shared is not None
            return cls._shared

    @classmethod
    def reset_shared(cls) -> None:
        """Forget the process-wide layer (tests)."""
        with cls._shared_lock:
            cls._shared = None
            cls._shared_error = None

    def warm_up(self) -> None:
        """Load the engine and touch its weights once, so the first message is not slow."""
        self.embedder.load()
        self.score("warm up")

    def embed(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32, L2-normalised, "query: " side: for other layers (e.g. topics)."""
        return self.embedder.embed(texts)

    # -- scoring ------------------------------------------------------------------------------
    def _count(self, text: str) -> int:
        if self._base_tokens is None:
            self._base_tokens = self.embedder.token_count("")
        return max(1, self.embedder.token_count(text) - self._base_tokens)

    def unit_scores(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw head probabilities per window (windows, heads), and the reported scores per
        window and for the whole message (heads,) before combining."""
        text = clean(text)
        wins = make_windows(text, self._count, self.budget)
        if len(wins) == 1:  # short text: the window is the message itself, embedded as written
            raw = self.heads.probabilities(self._vectors([text]))
            scores = derive(raw)
            return raw, scores, scores[0]
        vecs = self._vectors([w.text for w in wins])
        tokens = np.array([w.tokens for w in wins], dtype=np.float64)
        whole = tokens @ vecs
        whole /= max(float(np.linalg.norm(whole)), 1e-12)
        raw = self.heads.probabilities(vecs)
        return raw, derive(raw), self.heads.scores(whole[None, :])[0]

    def _compute(self, text: str) -> tuple[np.ndarray, str, int]:
        raw, per_window, whole = self.unit_scores(text)
        combined = np.array([combine(per_window[:, i], whole[i], self._rule(name))
                             for i, name in enumerate(self.heads.names)])
        cats = [self.heads.index(f"special.{c}") for c in heads_mod.CATEGORIES]
        top = heads_mod.CATEGORIES[int(np.argmax(raw[:, cats].max(axis=0)))]
        return combined, top, len(per_window)

    def _vectors(self, units: list[str]) -> np.ndarray:
        """Embeddings of ``units`` (float64), from the recent-window cache where possible; the
        rest in one engine call."""
        with self._recent_lock:
            known = {u: self._recent[u] for u in units if u in self._recent}
            for u in known:
                self._recent.move_to_end(u)
        missing = list(dict.fromkeys(u for u in units if u not in known))
        if missing:
            fresh = dict(zip(missing, self.embedder.embed(missing)))
            known.update(fresh)
            with self._recent_lock:
                self._recent.update(fresh)
                while len(self._recent) > _CACHE_SIZE:
                    self._recent.popitem(last=False)
        return np.stack([known[u] for u in units]).astype(np.float64)

    def score(self, text: str) -> Scores:
        """Score one message. Raises :class:`LearnedUnavailable` if the engine cannot run."""
        start = time.perf_counter()
        combined, top, n = self._compute(text)
        value = dict(zip(self.heads.names, (float(v) for v in combined)))
        return Scores(
            special={c: value[f"special.{c}"] for c in heads_mod.CATEGORIES},
            special_any=value["special_any"],
            special_top=top,
            business=value["business"],
            personal=value["personal"],
            windows=n,
            elapsed_ms=(time.perf_counter() - start) * 1000.0,
        )

    def _rule(self, head: str) -> str:
        return self.rules["special" if head.startswith("special") else head]
