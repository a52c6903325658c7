"""The trained classifiers: one output per label over the sentence embedding.

``weights.json`` (written by ``python -m engine.privacy.learned.train``) holds, per head, a
weight vector over the raw embedding and a bias (feature standardisation is folded in), plus
the recommended thresholds and the cross-validation figures they came from. Format 1 is that
alone (one logistic head per label); format 2 adds a shared hidden layer (``"hidden"``: tanh
units over the raw embedding) and, per head, output weights ``"v"`` over those units, added to
the head's linear logit (``"w"``, which format 2 may leave out). Both load; numpy only, one
more small matrix product per window.
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
FORMAT = 1  # what ships (the training script's default)
FORMATS = (1, 2)  # what loads (2: ``python -m engine.privacy.learned.train --network``)


@dataclass(frozen=True)
class Heads:
    names: tuple[str, ...]
    weights: np.ndarray  # (heads, dim) float64
    bias: np.ndarray  # (heads,)
    meta: dict[str, Any]  # everything else in the file: thresholds, windows, cv figures
    # format 2: shared tanh units (units, dim), their biases (units,), per-head output (heads, units)
    hidden_w: np.ndarray | None = None
    hidden_b: np.ndarray | None = None
    out_w: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return int(self.weights.shape[1])

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        """(n, dim) embeddings → (n, heads) logits."""
        x = np.asarray(vectors, dtype=np.float64)
        z = x @ self.weights.T + self.bias
        if self.hidden_w is not None and self.hidden_b is not None and self.out_w is not None:
            z = z + np.tanh(x @ self.hidden_w.T + self.hidden_b) @ self.out_w.T
        return z

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, dim) embeddings → (n, heads) raw head probabilities."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(vectors), -40.0, 40.0)))

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
    recall from about 0.20 (any-head alone) to about 0.11 (bench/privacy_learned.py, "ablation").
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
        if doc.get("format") not in FORMATS:
            raise ValueError(f"format {doc.get('format')!r}, expected one of {FORMATS}")
        heads = doc["heads"]
        names = tuple(HEADS)
        dim = int(doc["embedding"]["dim"])
        # format 2 may leave out a head's linear term "w" (then only the hidden units count)
        weights = np.array([heads[n]["w"] if doc["format"] == 1 or "w" in heads[n]
                            else np.zeros(dim) for n in names], dtype=np.float64)
        bias = np.array([heads[n]["b"] for n in names], dtype=np.float64)
        arrays = [weights, bias]
        hidden = None
        if doc["format"] >= 2 and doc.get("hidden"):
            hw = np.array(doc["hidden"]["w"], dtype=np.float64)
            hb = np.array(doc["hidden"]["b"], dtype=np.float64)
            ow = np.array([heads[n]["v"] for n in names], dtype=np.float64)
            units = len(hb)
            if hw.shape != (units, dim) or ow.shape != (len(names), units):
                raise ValueError("hidden-layer weights have the wrong shape")
            hidden = (hw, hb, ow)
            arrays += list(hidden)
        if weights.shape != (len(names), dim) or \
                not all(np.all(np.isfinite(a)) for a in arrays):
            raise ValueError("weights have the wrong shape or are not finite")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LearnedUnavailable(
            f"The learned privacy classifiers' weights ({Path(path).name}) are missing or "
            f"damaged: {exc}",
            "Reinstall Hearth, or rebuild them: python -m engine.privacy.learned.train") from exc
    meta = {k: v for k, v in doc.items() if k not in ("heads", "hidden")}
    if hidden is None:
        return Heads(names=names, weights=weights, bias=bias, meta=meta)
    return Heads(names=names, weights=weights, bias=bias, meta=meta,
                 hidden_w=hidden[0], hidden_b=hidden[1], out_w=hidden[2])
