"""Checks behind the layer's design choices, run by bench/privacy_learned.py.

Long messages: each held-out example is pasted between two public paragraphs of its fold
(same language where the fold has one), either as its own paragraph or inside the running
text, and scored with several ways of combining windows. The classifiers are refitted per
fold without that fold, so nothing is scored by a model that saw it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from engine.privacy.learned.heads import HEADS, derive
from engine.privacy.learned.training import cv
from engine.privacy.learned.training.data import Example
from engine.privacy.learned.training.fit import fit_logistic
from engine.privacy.learned.training.pipeline import Dataset
from engine.privacy.learned.windows import Window, make_windows

Embed = Callable[[Sequence[str]], np.ndarray]
STRATEGIES = ("whole", "max_windows", "max_windows_whole", "mean_windows")


def _pick(options: list[Example], key: str, salt: str) -> Example:
    h = int(hashlib.sha256((salt + key).encode()).hexdigest(), 16)
    return options[h % len(options)]


def construct(ex: Example, filler: list[Example], inline: bool) -> str:
    """Public paragraph + the example + another public paragraph."""
    same = [f for f in filler if f.lang == ex.lang] or [f for f in filler if f.lang == "en"]
    before = _pick(same, ex.text, "before")
    after = _pick([f for f in same if f is not before] or same, ex.text, "after")
    glue = " " if inline else "\n\n"
    return glue.join((before.text, ex.text, after.text))


@dataclass
class LongResult:
    labels: dict[str, np.ndarray]  # head -> (m,) bool
    scores: dict[str, dict[str, np.ndarray]]  # strategy -> head -> (m,)
    windows: np.ndarray  # (m,) windows per construct


def score_units(probs: np.ndarray, wins: list[Window], embed_whole: np.ndarray | None,
                vecs: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> dict[str, np.ndarray]:
    """Per strategy, (heads,) scores of one text from its window probabilities."""
    if embed_whole is None:
        tokens = np.array([w.tokens for w in wins], dtype=np.float64)
        v = tokens @ vecs
        embed_whole = v / max(np.linalg.norm(v), 1e-12)
    whole = derive(1.0 / (1.0 + np.exp(-(embed_whole @ weights.T + bias)))[None, :])[0]
    return {"whole": whole, "max_windows": probs.max(axis=0),
            "max_windows_whole": np.maximum(probs.max(axis=0), whole),
            "mean_windows": probs.mean(axis=0)}


def long_texts(ds: Dataset, cs: dict[str, float], embed: Embed, count: Callable[[str], int],
               inline: bool, budget: int, select: np.ndarray | None = None) -> LongResult:
    """Out-of-fold scores of long constructs, per combination strategy."""
    examples = [e for e in ds.examples if e.source != "filler.jsonl"]
    n_ex = len(examples)
    filler_idx = np.arange(n_ex, len(ds.examples))
    chosen = np.arange(n_ex) if select is None else select
    labels = {h: np.array([examples[i].label(h) for i in chosen]) for h in HEADS}
    scores = {s: {h: np.zeros(len(chosen)) for h in HEADS} for s in STRATEGIES}
    nwin = np.zeros(len(chosen), dtype=np.int64)
    x = ds.x.astype(np.float64)
    for k in range(cv.FOLDS):
        train = ds.fold != k
        models = [fit_logistic(x[train], ds.y(h)[train], cs[h]) for h in HEADS]
        w = np.stack([m.w for m in models])
        b = np.array([m.b for m in models])
        pad = [ds.examples[i] for i in filler_idx if ds.fold[i] == k]
        rows = [j for j, i in enumerate(chosen) if ds.fold[i] == k]
        texts = [construct(examples[chosen[j]], pad, inline) for j in rows]
        wins = [make_windows(t, count, budget) for t in texts]
        units = sorted({u.text for ws in wins for u in ws})
        vec = dict(zip(units, embed(units).astype(np.float64)))
        for j, ws in zip(rows, wins):
            v = np.stack([vec[u.text] for u in ws])
            probs = derive(1.0 / (1.0 + np.exp(-(v @ w.T + b))))
            per = score_units(probs, ws, None, v, w, b)
            for s in STRATEGIES:
                for hi, h in enumerate(HEADS):
                    scores[s][h][j] = per[s][hi]
            nwin[j] = len(ws)
    return LongResult(labels, scores, nwin)


def report(result: LongResult, thresholds: dict[str, dict[str, float]],
           heads: Sequence[str] = ("special_any", "business", "personal")) -> dict:
    out: dict = {"constructs": int(len(result.windows)),
                 "mean_windows": round(float(result.windows.mean()), 2)}
    for s in STRATEGIES:
        out[s] = {h: cv.summary(result.labels[h], result.scores[s][h], thresholds[h])
                  for h in heads}
    return out
