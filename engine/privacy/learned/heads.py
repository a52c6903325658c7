"""The trained classifiers: one logistic head per label over the sentence embedding.

``weights.json`` (written by ``python -m engine.privacy.learned.train``) holds, per head, a
weight vector over the raw embedding and a bias (feature standardisation is folded in), plus
the recommended thresholds and the cross-validation figures they came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import LearnedUnavailable

CATEGORIES = (
    "health", "sexuality_gender", "religion", "politics_union",
    "ethnicity", "immigration", "criminal_legal", "finance",
)
# head names: "special_any", one "special.<category>" per category, "business", "personal"
HEADS = ("special_any", *(f"special.{c}" for c in CATEGORIES), "business", "personal")
WEIGHTS_PATH = Path(__file__).with_name("weights.json")
FORMAT = 1


@dataclass(frozen=True)
class Heads:
    names: tuple[str, ...]
    weights: np.ndarray  # (heads, dim) float64
    bias: np.ndarray  # (heads,)
    meta: dict[str, Any]  # everything else in the file: thresholds, windows, cv figures

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, dim) embeddings → (n, heads) raw head probabilities."""
        logits = np.asarray(vectors, dtype=np.float64) @ self.weights.T + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -40.0, 40.0)))

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """(n, dim) embeddings → (n, heads) scores, special ones combined (see :func:`derive`)."""
        return derive(self.probabilities(vectors))

    def index(self, name: str) -> int:
        return self.names.index(name)


_ANY = HEADS.index("special_any")
_CATS = [HEADS.index(f"special.{c}") for c in CATEGORIES]
_PERSONAL = HEADS.index("personal")


def derive(p: np.ndarray) -> np.ndarray:
    """Raw head probabilities (n, heads) → the scores the layer reports.

    special_any = min(mean(any-head, best category head), personal): two views of "is this a
    disclosure" averaged, and capped by the personal-frame head, because a disclosure is
    always about a real person (a topic question, a hypothetical or fiction is not). Each
    category is capped the same way. In 5-fold CV this took the false-positive rate at 97 %
    recall from 0.21 (any-head alone) to about 0.11; train.py records the figures.
    """
    out = np.array(p, dtype=np.float64, copy=True)
    personal = p[:, _PERSONAL]
    cats = p[:, _CATS]
    out[:, _ANY] = np.minimum((p[:, _ANY] + cats.max(axis=1)) / 2.0, personal)
    out[:, _CATS] = np.minimum(cats, personal[:, None])
    return out


def load(path: Path = WEIGHTS_PATH) -> Heads:
    """Read and check the weights file; any problem is a :class:`LearnedUnavailable`."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"format {doc.get('format')!r}, expected {FORMAT}")
        heads = doc["heads"]
        names = tuple(HEADS)
        dim = int(doc["embedding"]["dim"])
        weights = np.array([heads[n]["w"] for n in names], dtype=np.float64)
        bias = np.array([heads[n]["b"] for n in names], dtype=np.float64)
        if weights.shape != (len(names), dim) or not np.all(np.isfinite(weights)) \
                or not np.all(np.isfinite(bias)):
            raise ValueError("weights have the wrong shape or are not finite")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LearnedUnavailable(
            f"The learned privacy classifiers' weights ({Path(path).name}) are missing or "
            f"damaged: {exc}",
            "Reinstall Hearth, or rebuild them: python -m engine.privacy.learned.train") from exc
    meta = {k: v for k, v in doc.items() if k != "heads"}
    return Heads(names=names, weights=weights, bias=bias, meta=meta)
