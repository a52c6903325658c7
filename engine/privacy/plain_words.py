"""Message-level rules for what people say in plain words, run after the learned layer's scores
are known (engine.privacy.router calls :func:`plain_word_signals`):

* company matters that are not public yet (:mod:`engine.privacy.confidential`);
* ``special.corroborated`` — the learned layer's special-category score in its middle band
  (below the bar at which it keeps a message local alone, :data:`policy.Thresholds.special`)
  *and* a sentence about the writer or someone they know that uses an everyday word of such a
  category (:func:`engine.privacy.disclosure.corroborated`). Neither is enough alone: the score
  is middling on messages that merely touch a topic, and the words are everyday words.
"""

from __future__ import annotations

from engine.privacy.analysis import Analysis
from engine.privacy.signals import CATEGORY_WORDS, Signal


def corroborated_special(a: Analysis, at: float) -> list[Signal]:
    from engine.privacy.disclosure import corroborated

    s = a.scores
    if s is None or not a.english or s.special_any < at or not corroborated(a.text):
        return []
    words = CATEGORY_WORDS.get(s.special_top, "a sensitive subject")
    return [Signal(f"special.corroborated.{s.special_top}", f"it seems to share personal information about {words}",
                   score=s.special_any)]


def plain_word_signals(a: Analysis) -> list[Signal]:
    from engine.privacy.confidential import company_matters
    from engine.privacy.policy import THRESHOLDS

    return company_matters(a) + corroborated_special(a, THRESHOLDS.special_corroborated)
