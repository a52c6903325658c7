"""The learned layer's public face: ``LearnedLayer.shared().score(text) -> Scores``.

It only scores; the router's Policy decides what the scores mean (its thresholds). How a
message is scored: cut into windows of whole sentences (windows.py), all windows embedded in
one engine call, every head applied to every window and to the whole message (the
token-weighted mean of the window vectors, which is what the engine itself does for text over
its 512-token limit), then combined per label as ``weights.json`` says: "max" over windows and
whole for every label. One disclosing sentence is enough to make a message sensitive, and one
personal passage makes the frame personal; the whole-message vector alone dilutes a sentence
inside public text (bench/privacy_learned.py measures both).

Latency: :meth:`LearnedLayer.start` returns a :class:`ScoringJob` whose windows are embedded in
small chunks. The router's scoring worker takes chunks with the first engine instance while
the routing thread runs the NER; once the NER is done the routing thread takes the remaining
chunks with a second instance (the engine keeps scratch buffers in its model struct: one lock
per instance), so a long message gets both cores. A window's vector does not depend on which
instance embedded it or what else was in the same call (the engine attends within each window
and quantises activations per token — test_learned checks it bit for bit), so the scores are
the same however the chunks were shared. A job nobody will read any more is cancelled between
chunks, so the next message does not queue behind it.
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
# Content tokens per engine call when a message's windows are shared between two threads: one
# 40-token window (short windows pack together). A call's fixed cost is well under a window's
# (bench: "hi" vs a 40-token window), and a message of two or three windows — most of the
# 120-1000 character ones — can then be shared once the NER is done.
_CHUNK_TOKENS = 40


@dataclass(frozen=True)
class Scores:
    """Probabilities in [0, 1] (see weights.json "thresholds" for recommended cut-offs)."""

    special: dict[str, float]  # per special category
    special_any: float  # a special-category disclosure of any kind
    special_top: str  # the category with the highest score
    business: float  # confidential company material
    personal: float  # personal frame (vs impersonal): max over windows and whole
    windows: int  # windows the message was cut into
    elapsed_ms: float
    # the personal-frame score of the whole message alone (equal to ``personal`` for a
    # one-window message): a long public text with one personal sentence scores low here
    personal_whole: float


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
        self.rules: dict[str, str] = {"special": "max", "business": "max", "personal": "max",
                                      **windows.get("combine", {})}
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._second: Embedder | None = None   # the routing thread's engine instance (see ScoringJob)
        self._second_failed = False

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
        """Load the engine (both instances) and touch its weights once, so the first message is
        not slow."""
        self.embedder.load()
        self.score("warm up")
        helper = self._helper()
        if helper is not None:
            helper.embed(["warm up"])

    def _helper(self) -> Embedder | None:
        """The second engine instance (for the routing thread), or None if it cannot load:
        then the scoring worker does all the work, with the same result."""
        with self._recent_lock:
            if self._second is None and not self._second_failed:
                self._second = Embedder(num_threads=self.embedder.num_threads, query=self.embedder.query)
            second = self._second
        if second is None:
            return None
        try:
            second.load()
        except LearnedUnavailable:
            self._second_failed = True
            return None
        return second

    def embed(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32, L2-normalised, "query: " side: for other layers (e.g. topics).
        Texts whose vectors are in the cache (a prepared draft of one window, private turns
        compared with every later message) are not embedded again — a text's vector does not
        depend on the batch or the instance, so the result is the same bit for bit. The rest go
        to whichever engine instance is free (they give the same vectors)."""
        keys = [clean(t) for t in texts]
        known = self._cached(keys)
        todo = list(dict.fromkeys(k for k in keys if k not in known))
        if todo:
            fresh = dict(zip(todo, self._embed_any(todo)))
            self._remember(fresh)
            known.update(fresh)
        if not keys:
            return np.zeros((0, self.heads.dim), dtype=np.float32)
        return np.stack([known[k] for k in keys]).astype(np.float32, copy=False)

    def _embed_any(self, texts: list[str]) -> np.ndarray:
        helper = self._helper() if self.embedder.loaded else None
        if helper is not None:
            for e in (self.embedder, helper):
                out = e.try_embed(texts)
                if out is not None:
                    return out
        return self.embedder.embed(texts)

    # -- scoring ------------------------------------------------------------------------------
    def unit_scores(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw head probabilities per window (windows, heads), and the reported scores per
        window and for the whole message (heads,) before combining."""
        job = self.start(text)
        job.work(self.embedder)
        return job.unit_scores()

    def _unit_scores(self, wins: list, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(wins) == 1:  # short text: the window is the message itself, embedded as written
            raw = self.heads.probabilities(vecs)
            scores = derive(raw)
            return raw, scores, scores[0]
        tokens = np.array([w.tokens for w in wins], dtype=np.float64)
        whole = tokens @ vecs
        whole /= max(float(np.linalg.norm(whole)), 1e-12)
        raw = self.heads.probabilities(vecs)
        return raw, derive(raw), self.heads.scores(whole[None, :])[0]

    def _combine(self, raw: np.ndarray, per_window: np.ndarray, whole: np.ndarray) -> tuple[np.ndarray, str]:
        combined = np.array([combine(per_window[:, i], whole[i], self._rule(name))
                             for i, name in enumerate(self.heads.names)])
        cats = [self.heads.index(f"special.{c}") for c in heads_mod.CATEGORIES]
        top = heads_mod.CATEGORIES[int(np.argmax(raw[:, cats].max(axis=0)))]
        return combined, top

    def _cached(self, units: list[str]) -> dict[str, np.ndarray]:
        with self._recent_lock:
            known = {u: self._recent[u] for u in units if u in self._recent}
            for u in known:
                self._recent.move_to_end(u)
        return known

    def _remember(self, fresh: dict[str, np.ndarray]) -> None:
        with self._recent_lock:
            self._recent.update(fresh)
            while len(self._recent) > _CACHE_SIZE:
                self._recent.popitem(last=False)

    def start(self, text: str) -> "ScoringJob":
        """A scoring job for ``text``: run :meth:`ScoringJob.run` on a worker, then
        :meth:`ScoringJob.result` where the scores are needed (it helps with what is left)."""
        return ScoringJob(self, text)

    def score(self, text: str) -> Scores:
        """Score one message. Raises :class:`LearnedUnavailable` if the engine cannot run."""
        job = self.start(text)
        job.work(self.embedder)
        return job.result(help=False)

    def _rule(self, head: str) -> str:
        return self.rules["special" if head.startswith("special") else head]


class ScoringJob:
    """One message's scoring, cut into chunks of windows that any thread may take, each with its
    own engine instance (see the module doc). Thread-safe."""

    def __init__(self, layer: LearnedLayer, text: str) -> None:
        self.layer = layer
        self.text = clean(text)
        self.created = time.perf_counter()
        self.started: float | None = None   # when a thread first took it up (queue time before)
        self.cancelled = False
        self._cv = threading.Condition()
        self._planned = False
        self._wins: list = []
        self._units: list[str] = []
        self._vecs: dict[str, np.ndarray] = {}
        self._todo: list[list[str]] = []
        self._busy = 0
        self._error: BaseException | None = None

    # -- planning and work ----------------------------------------------------------------------
    def _plan(self, embedder: Embedder) -> None:
        with self._cv:
            if self._planned:
                return
            if self.started is None:
                self.started = time.perf_counter()
            # Token counts need an engine instance; the planner's own one (same tokenizer).
            wins = make_windows(self.text, embedder.content_tokens, self.layer.budget)
            units = [self.text] if len(wins) == 1 else [w.text for w in wins]
            known = self.layer._cached(units)
            tokens = {self.text: 0} if len(wins) == 1 else {w.text: w.tokens for w in wins}
            chunks: list[list[str]] = []
            size = 0
            for u in dict.fromkeys(u for u in units if u not in known):
                if chunks and size + tokens[u] <= _CHUNK_TOKENS:
                    chunks[-1].append(u)
                    size += tokens[u]
                else:
                    chunks.append([u])
                    size = tokens[u]
            self._wins, self._units, self._vecs, self._todo = wins, units, dict(known), chunks
            self._planned = True

    def work(self, embedder: Embedder) -> None:
        """Plan (if nobody has) and embed chunks with ``embedder`` until none are left."""
        try:
            self._plan(embedder)
        except BaseException as exc:
            with self._cv:
                self._error = self._error or exc
                self._planned = True
                self._cv.notify_all()
            raise
        while True:
            with self._cv:
                if self.cancelled or self._error is not None or not self._todo:
                    return
                chunk = self._todo.pop(0)
                self._busy += 1
            try:
                vecs = embedder.embed(chunk)
            except BaseException as exc:
                with self._cv:
                    self._busy -= 1
                    self._error = self._error or exc
                    self._cv.notify_all()
                raise
            fresh = dict(zip(chunk, vecs))
            self.layer._remember(fresh)
            with self._cv:
                self._vecs.update(fresh)
                self._busy -= 1
                self._cv.notify_all()

    def run(self) -> None:
        """On the scoring worker: all the work, unless cancelled or shared. Errors are kept for
        :meth:`result`."""
        if self.cancelled:
            return
        try:
            self.work(self.layer.embedder)
        except BaseException:  # noqa: BLE001 - raised again by result()
            pass

    def cancel(self) -> None:
        """Nobody will read the scores: stop taking chunks (the one being embedded finishes)."""
        with self._cv:
            self.cancelled = True
            self._cv.notify_all()

    @property
    def queued_ms(self) -> float | None:
        return None if self.started is None else (self.started - self.created) * 1e3

    # -- results ----------------------------------------------------------------------------------
    def unit_scores(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self._cv:
            while self._error is None and (not self._planned or self._todo or self._busy):
                if self.cancelled and not self._busy:
                    raise RuntimeError("the scoring was cancelled")
                self._cv.wait()
            if self._error is not None:
                raise self._error
            vecs = np.stack([self._vecs[u] for u in self._units]).astype(np.float64)
        return self.layer._unit_scores(self._wins, vecs)

    def result(self, help: bool = True) -> Scores:
        """The scores; with ``help``, this thread embeds remaining chunks with the second engine
        instance meanwhile. Raises what the engine raised (the router then fails closed)."""
        if help and not self.cancelled:
            helper = self.layer._helper()
            if helper is not None:
                self.work(helper)
        raw, per_window, whole = self.unit_scores()
        combined, top = self.layer._combine(raw, per_window, whole)
        value = dict(zip(self.layer.heads.names, (float(v) for v in combined)))
        return Scores(
            special={c: value[f"special.{c}"] for c in heads_mod.CATEGORIES},
            special_any=value["special_any"],
            special_top=top,
            business=value["business"],
            personal=value["personal"],
            windows=len(per_window),
            elapsed_ms=(time.perf_counter() - (self.started or self.created)) * 1000.0,
            personal_whole=float(whole[self.layer.heads.index("personal")]),
        )
