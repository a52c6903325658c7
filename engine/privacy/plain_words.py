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

import re

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


# Secrets of a home or an account in plain words: a door or alarm code, where the spare key is,
# a security answer.
_HOME_SECRET = re.compile(
    r"\b(?:door|gate|alarm|keypad|lock|garage|safe|locker|building|entry|key ?box|lockbox|padlock) (?:code|combination|pin)"
    r"\b[^.?!\n]{0,15}?\b\d{3,8}\b|\bspare key (?:is|'s|lives|sits) (?:under|in|behind|inside|on top of)\b|"
    r"\b(?:security|secret) (?:answer|question)\b[^.?!\n]{0,30}\b(?:is|was|:)|"
    r"\bmother'?s maiden name (?:is|was|,|:)\s*[A-Z]", re.I)


def home_secrets(a: Analysis) -> list[Signal]:
    if not _HOME_SECRET.search(a.text):
        return []
    return [Signal("secret.plain_words", "it contains a code, key or security answer that protects a home or an account")]


def literal_special(a: Analysis) -> list[Signal]:
    """Word-list disclosures of words never used figuratively (disclosure.LITERAL): they stand
    even when the learned layer doubts the message."""
    from engine.privacy.disclosure import literal_disclosures
    from engine.privacy.signals import _LEXICON_CATEGORY

    if not a.english:
        return []
    out = []
    for cat in literal_disclosures(a.text):
        key = _LEXICON_CATEGORY.get(cat, cat)
        out.append(Signal(f"special.literal.{key}", f"it shares personal information about {CATEGORY_WORDS.get(key, cat)}"))
    return out


def plain_word_signals(a: Analysis) -> list[Signal]:
    from engine.privacy.confidential import company_matters
    from engine.privacy.policy import THRESHOLDS

    return home_secrets(a) + company_matters(a) + corroborated_special(a, THRESHOLDS.special_corroborated) + \
        literal_special(a)
