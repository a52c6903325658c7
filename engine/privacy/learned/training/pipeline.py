"""From labelled examples to the weights document: embed, cross-validate, fit, describe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine.privacy.learned.heads import CATEGORIES, HEADS, derive
from engine.privacy.learned.training import cv
from engine.privacy.learned.training.data import Example
from engine.privacy.learned.training.fit import Linear, fit_logistic

# Inverse regularisation strengths tried per head: the smallest whose 5-fold CV AUC is within
# TOLERANCE of the best wins (a stronger penalty gives steadier, less extreme probabilities).
GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
TOLERANCE = 0.001
SUMMARY_HEADS = ("special_any", "business", "personal")

Log = Callable[[str], None]


@dataclass(frozen=True)
class Dataset:
    examples: list[Example]  # labelled examples, then the filler paragraphs
    x: np.ndarray  # (n, 384) float32 embeddings
    fold: np.ndarray  # (n,) fold number 0..4

    def y(self, head: str) -> np.ndarray:
        return np.array([ex.label(head) for ex in self.examples], dtype=bool)

    def langs(self) -> np.ndarray:
        return np.array([ex.lang for ex in self.examples])


def assign_folds(examples: list[Example], filler: list[Example]) -> np.ndarray:
    """Stratified by all three labels and language; filler paragraphs separately by language,
    so every fold holds one public paragraph per language for the long-text checks."""
    main = cv.folds([e.text for e in examples],
                    [(e.special, e.business, e.frame, e.lang) for e in examples])
    pad = cv.folds([e.text for e in filler], [e.lang for e in filler])
    return np.concatenate([main, pad])


@dataclass(frozen=True)
class HeadResult:
    c: float
    auc_by_c: dict[float, float]
    oof: np.ndarray  # out-of-fold probabilities at the chosen c
    model: Linear  # fitted on everything at the chosen c


def out_of_fold(x: np.ndarray, y: np.ndarray, fold: np.ndarray, c: float) -> np.ndarray:
    out = np.zeros(len(y))
    for k in range(cv.FOLDS):
        test = fold == k
        out[test] = fit_logistic(x[~test], y[~test], c).proba(x[test])
    return out


def train_head(x: np.ndarray, y: np.ndarray, fold: np.ndarray,
               grid: tuple[float, ...] = GRID) -> HeadResult:
    oofs = {c: out_of_fold(x, y, fold, c) for c in sorted(grid)}
    aucs = {c: cv.roc_auc(y, o) for c, o in oofs.items()}
    top = max(aucs.values())
    c = min(c for c, a in aucs.items() if a >= top - TOLERANCE)
    return HeadResult(c=c, auc_by_c=aucs, oof=oofs[c], model=fit_logistic(x, y, c))


def train_all(ds: Dataset, log: Log = lambda s: None,
              grid: tuple[float, ...] = GRID) -> dict[str, HeadResult]:
    x = ds.x.astype(np.float64)
    out = {}
    for head in HEADS:
        out[head] = train_head(x, ds.y(head), ds.fold, grid)
        log(f"  {head:<26} C={out[head].c:<5} CV AUC {out[head].auc_by_c[out[head].c]:.4f}")
    return out


def thresholds(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    return {"high_recall": cv.high_recall_threshold(y, score),
            "balanced": cv.balanced_threshold(y, score)}


def oof_scores(results: dict[str, HeadResult]) -> np.ndarray:
    """Out-of-fold scores as the layer reports them: (n, heads), special ones derived."""
    return derive(np.stack([results[h].oof for h in HEADS], axis=1))


def figures(ds: Dataset, results: dict[str, HeadResult]) -> tuple[dict, dict]:
    """(recommended thresholds per reported score, CV figures) for the weights document."""
    scores = oof_scores(results)
    col = {h: scores[:, i] for i, h in enumerate(HEADS)}
    recommended = {h: thresholds(ds.y(h), col[h]) for h in HEADS}
    langs = ds.langs()
    figs: dict = {"raw_heads": {h: {"C": r.c, "auc": round(r.auc_by_c[r.c], 4)}
                                for h, r in results.items()}}
    for head in SUMMARY_HEADS:
        y, t = ds.y(head), recommended[head]
        figs[head] = {**cv.summary(y, col[head], t), "by_language": {
            lang: cv.summary(y[langs == lang], col[head][langs == lang], t)
            for lang in sorted(set(langs))}}
    # each category: its own score, and how much of it the "any special" score catches
    special = np.array([e.special for e in ds.examples])
    figs["special_any"]["by_category"] = {}
    figs["categories"] = {}
    for c in CATEGORIES:
        mine = special == c
        figs["categories"][c] = cv.summary(mine, col[f"special.{c}"], recommended[f"special.{c}"])
        figs["special_any"]["by_category"][c] = {"positives": int(mine.sum()), "recall": {
            name: round(float((col["special_any"][mine] >= t).mean()), 4)
            for name, t in recommended["special_any"].items()}}
    raw_cats = np.stack([results[f"special.{c}"].oof for c in CATEGORIES], axis=1)
    pos = special != "none"
    figs["special_top_accuracy"] = round(float(
        (np.array(CATEGORIES)[raw_cats.argmax(axis=1)][pos] == special[pos]).mean()), 4)
    return recommended, figs
