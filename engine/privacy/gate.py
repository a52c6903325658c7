"""Skip a labelled pattern cheaply when none of its labels is in the text.

The labelled patterns of six languages are long case-insensitive alternations; Python's ``re``
tries them at every position, which costs about a millisecond per pattern on a long message.
Almost every message contains none of a given pattern's labels, and a plain substring test on
the lower-cased text is a hundred times cheaper. :class:`Gated` takes the literal words each
alternative starts with from the pattern itself (so the gate cannot drift from the pattern) and
runs the regex only when one of them occurs; an alternative without a literal start disables
the gate (the regex always runs), so the gate never changes what is found.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

_META = set("()[]{}?*+|\\.^$")


def _split_top(pattern: str) -> list[str]:
    """The alternatives of ``pattern`` at nesting depth 0."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            cur.append(pattern[i:i + 2])
            i += 2
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def literal_prefixes(alternation: str, min_len: int = 2) -> tuple[str, ...] | None:
    """The literal lower-case start of each alternative, or None when one has none."""
    out = []
    for alt in _split_top(alternation):
        prefix: list[str] = []
        i = 0
        while i < len(alt):
            ch = alt[i]
            if ch == "\\" and i + 1 < len(alt) and not alt[i + 1].isalnum():
                if alt[i + 2:i + 3] in ("?", "*", "{"):
                    break
                prefix.append(alt[i + 1])  # an escaped "." or "-" is a literal character
                i += 2
                continue
            if ch in _META:
                break
            if alt[i + 1:i + 2] in ("?", "*", "{"):
                break  # an optional letter ends the literal start
            prefix.append(ch)
            i += 1
        word = "".join(prefix).lower()
        if len(word) < min_len:
            return None
        out.append(word)
    return tuple(dict.fromkeys(out))


_WORDS = re.compile(r"\w+")
_PREFIX_LEN = 6


class TextIndex:
    """One message, lower-cased, with the starts (up to six letters) of each of its words."""

    def __init__(self, text: str) -> None:
        self.lower = text.lower()
        starts: set[str] = set()
        for w in set(_WORDS.findall(self.lower)):
            for n in range(1, min(len(w), _PREFIX_LEN) + 1):
                starts.add(w[:n])
        self.starts = frozenset(starts)



def word_key(literal: str) -> str:
    """What :attr:`TextIndex.starts` must hold for a word to begin with ``literal`` ("" = always)."""
    first = _WORDS.match(literal)
    return first.group(0)[:_PREFIX_LEN] if first else ""


@lru_cache(maxsize=16)
def index_of(text: str) -> TextIndex:
    """The index of ``text``, built once however many detectors ask."""
    return TextIndex(text)


class Gated:
    """A compiled pattern that runs only when one of ``words`` occurs in the lower-cased text."""

    def __init__(self, regex: re.Pattern[str], words: tuple[str, ...] | None, word_start: bool = False,
                 anchored: bool = False) -> None:
        self.regex = regex
        self.words = words
        # Every match starts where one of ``words`` starts: try the regex only there.
        self.anchored = anchored and words is not None and word_start
        self.word_start = word_start  # the words must start a word ("pan" in "pan card", not in "spanish")
        self.keys = frozenset(word_key(w) for w in words) if words is not None else frozenset()

    @classmethod
    def labelled(cls, labels: str, pattern: str, flags: int = 0, anchored: bool = False) -> "Gated":
        """``pattern`` compiled; gated on the literal starts of the ``labels`` alternation it
        contains, each at the start of a word (as the labels are in the pattern). ``anchored``:
        the pattern begins with the labels, so it is tried only where one of them starts."""
        return cls(re.compile(pattern, flags), literal_prefixes(labels), word_start=True, anchored=anchored)

    @classmethod
    def at_labels(cls, labels: str, pattern: str, flags: int = 0) -> "Gated":
        """:meth:`labelled`, for a pattern that begins with its labels."""
        return cls.labelled(labels, pattern, flags, anchored=True)

    def may_match(self, index: TextIndex) -> bool:
        if self.words is None:
            return True
        if self.word_start:
            return "" in self.keys or not self.keys.isdisjoint(index.starts)
        return any(w in index.lower for w in self.words)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        index = index_of(text)
        if not self.may_match(index):
            return iter(())
        if self.anchored and len(index.lower) == len(text):  # (lower-casing kept every offset)
            return self._anchored(text, index.lower)
        return self.regex.finditer(text)

    def _anchored(self, text: str, lower: str) -> Iterator[re.Match[str]]:
        """The matches ``finditer`` would give, trying the regex only where a label word starts
        (the regex still sees the text before that point, for its look-behinds)."""
        starts = set()
        for w in self.words or ():
            at = lower.find(w)
            while at != -1:
                if at == 0 or not lower[at - 1].isalnum():
                    starts.add(at)
                at = lower.find(w, at + 1)
        end = 0
        for at in sorted(starts):
            if at < end:
                continue
            m = self.regex.match(text, at)
            if m:
                end = max(m.end(), at + 1)
                yield m

    def search(self, text: str) -> re.Match[str] | None:
        if self.may_match(index_of(text)):
            return self.regex.search(text)
        return None
