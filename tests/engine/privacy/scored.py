"""An :class:`Analysis` whose learned-layer scores are set by hand: policy rules tested at exact
score values, without running the encoder."""

from __future__ import annotations

from dataclasses import dataclass

from engine.privacy.analysis import Analysis


@dataclass
class HandScores:
    special_any: float
    business: float = 0.0
    special_top: str = "health"
    personal: float = 0.9


class ScoredAnalysis(Analysis):
    def __init__(self, text: str, special: float, business: float = 0.0, personal: float = 0.9) -> None:
        super().__init__(text, learned=None)
        self.__dict__["scores"] = HandScores(special, business, personal=personal)
