"""Cross-validation pieces: deterministic stratified folds, ROC AUC, thresholds, figures."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from typing import Hashable, Sequence

import numpy as np

FOLDS = 5
HIGH_RECALL = 0.97


def folds(keys: Sequence[str], strata: Sequence[Hashable], k: int = FOLDS) -> np.ndarray:
    """Fold number per item: within each stratum items are ordered by a hash of their key and
    dealt round-robin, continuing where the previous stratum stopped, so folds are stratified,
    balanced in size and independent of file order or any random generator."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, stratum in enumerate(strata):
        groups[stratum].append(i)
    out = np.zeros(len(keys), dtype=np.int64)
    dealt = 0
    for stratum in sorted(groups, key=repr):
        members = sorted(groups[stratum], key=lambda i: hashlib.sha256(keys[i].encode()).digest())
        for i in members:
            out[i] = dealt % k
            dealt += 1
    return out


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    y = np.asarray(y, dtype=bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    s = np.asarray(score)[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2.0 + 1.0
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    return float((r[y].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def _floor(x: float, places: int = 3) -> float:
    return math.floor(x * 10 ** places) / 10 ** places


def high_recall_threshold(y: np.ndarray, score: np.ndarray, target: float = HIGH_RECALL) -> float:
    """The highest threshold (3 decimals, rounded down) keeping recall ≥ ``target``."""
    pos = np.sort(np.asarray(score)[np.asarray(y, dtype=bool)])
    allowed_misses = int(math.floor((1.0 - target) * len(pos) + 1e-9))
    return _floor(float(pos[allowed_misses]))


def balanced_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The threshold (3 decimals) maximising Youden's J = recall − false-positive rate."""
    y = np.asarray(y, dtype=bool)
    best_t, best_j = 0.5, -1.0
    for t in np.unique(np.floor(np.asarray(score) * 1000) / 1000):
        hit = score >= t
        j = hit[y].mean() - hit[~y].mean()
        if j > best_j + 1e-12:
            best_t, best_j = float(t), float(j)
    return round(best_t, 3)


def at_threshold(y: np.ndarray, score: np.ndarray, t: float) -> dict[str, float | None]:
    y = np.asarray(y, dtype=bool)
    hit = np.asarray(score) >= t
    tp, fp = int((hit & y).sum()), int((hit & ~y).sum())
    pos, neg = int(y.sum()), int((~y).sum())
    return {
        "threshold": round(float(t), 3),
        "recall": round(tp / pos, 4) if pos else None,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "false_positive_rate": round(fp / neg, 4) if neg else 0.0,
    }


def _round(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


def summary(y: np.ndarray, score: np.ndarray, thresholds: dict[str, float]) -> dict:
    y = np.asarray(y, dtype=bool)
    out: dict = {"positives": int(y.sum()), "negatives": int((~y).sum()),
                 "auc": _round(roc_auc(y, score))}
    for name, t in thresholds.items():
        out[name] = at_threshold(y, score, t)
    return out
