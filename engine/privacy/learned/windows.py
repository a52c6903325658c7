"""Cut a message into short windows so one disclosing sentence is not averaged away.

A mean-pooled embedding of a long message is mostly about its longest topic: one sentence
saying "I was arrested last year" inside two paragraphs about a recipe barely moves it. We
score windows of whole sentences (up to ``budget`` tokens each) and combine per label.

Windows never span a blank line (a paragraph break is a change of subject, and it keeps a
pasted text's windows identical wherever it is pasted), never overlap (the engine's cost is
linear in tokens, so overlap would be paid in latency), and a sentence longer than the budget
is cut at word boundaries.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

DEFAULT_BUDGET = 60  # content tokens per window (the CV in train.py compares 40 / 60 / 100)

_PARAGRAPHS = re.compile(r"\n[ \t\u00a0]*\n\s*")
# a sentence ends at . ! ? … or CJK stops (plus closing quotes/brackets) before whitespace, or
# at a single line break (lists, letters, chat pastes)
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"'»”’)\]]*\s+|\s*\n\s*")

Counter = Callable[[str], int]


class Window(NamedTuple):
    text: str
    tokens: int


def sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s and s.strip()]


def _cut(sentence: str, tokens: int, budget: int) -> list[str]:
    """A sentence over budget, cut into word-aligned pieces of about ``budget`` tokens."""
    pieces = -(-tokens // budget)
    chars = max(1, -(-len(sentence) // pieces))
    out: list[str] = []
    current = ""
    for word in sentence.split():
        while len(word) > chars:  # no spaces to cut at (CJK, a long URL or hash)
            if current:
                out.append(current)
                current = ""
            out.append(word[:chars])
            word = word[chars:]
        if current and len(current) + 1 + len(word) > chars:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out


def make_windows(text: str, count: Counter, budget: int = DEFAULT_BUDGET) -> list[Window]:
    """Consecutive sentences packed greedily into windows of at most ``budget`` tokens.

    ``count`` gives a text's token count (the engine's tokenizer in production). Every
    character of ``text`` except whitespace lands in exactly one window.
    """
    windows: list[Window] = []
    for paragraph in _PARAGRAPHS.split(text):
        parts: list[Window] = []
        for sentence in sentences(paragraph):
            n = count(sentence)
            if n > budget:
                parts.extend(Window(p, count(p)) for p in _cut(sentence, n, budget))
            else:
                parts.append(Window(sentence, n))
        current: list[str] = []
        used = 0
        for part in parts:
            if current and used + part.tokens > budget:
                windows.append(Window(" ".join(current), used))
                current, used = [], 0
            current.append(part.text)
            used += part.tokens
        if current:
            windows.append(Window(" ".join(current), used))
    return windows or [Window(text.strip(), count(text.strip()))]
