"""Learned privacy classifiers over a multilingual sentence embedding.

Rules list what they can name; these classifiers recognise kinds of text (a special-category
disclosure, confidential company material, a personal frame) in any of the languages the
embedding knows. Trained by ``python -m engine.privacy.learned.train`` on the hand-written set
in ``data/`` (see data/PROVENANCE.md); the weights ship as ``weights.json``.

    layer = LearnedLayer.shared()      # raises LearnedUnavailable where it cannot run
    layer.warm_up()                    # from a worker at start-up
    s = layer.score(text)              # Scores(special, special_any, special_top, business, ...)

Importing this package is cheap: numpy and the engine load when the layer is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import LearnedUnavailable

if TYPE_CHECKING:
    from engine.privacy.learned.layer import LearnedLayer, Scores

__all__ = ["LearnedLayer", "LearnedUnavailable", "Scores"]


def __getattr__(name: str) -> Any:
    if name in ("LearnedLayer", "Scores"):
        from engine.privacy.learned import layer
        return getattr(layer, name)
    raise AttributeError(name)
