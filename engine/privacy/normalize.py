"""Unicode folding before any detector runs, with offsets that map back to what was typed.

A detector written for ``anna@mail.com`` or ``0171 555 0199`` must not be dodged by the same text
typed with a full-width ``＠`` or digits (``０１７１``), a zero-width space inside a name, a
non-breaking hyphen in a phone number, or a combining accent. :func:`normalise` produces the form
every recognizer reads:

* NFKC per grapheme cluster (a base character with its combining marks): full-width letters,
  digits and ``＠`` become ASCII, ligatures split, ``e`` + combining acute becomes ``é``;
* invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen) are dropped;
* every kind of space becomes a plain space and every kind of hyphen or minus a plain ``-``.

Redaction happens on the *original* text: :meth:`Normalised.to_original` maps a span found in the
normalised text back to the characters that produced it, invisible ones inside it included, so
the placeholder removes every original character of the span.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f")
_SPACES = frozenset("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                    "\u202f\u205f\u3000")
_HYPHENS = frozenset("\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d\u2043")


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    starts: tuple[int, ...]   # for each character of ``text``: where its cluster starts in ``original``
    ends: tuple[int, ...]     # ... and where that cluster ends

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that produced ``text[start:end]`` (empty spans stay empty)."""
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _clusters(text: str):
    """(start, end) of each base character with the combining marks that follow it."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def _fold(cluster: str) -> str:
    if cluster in INVISIBLE:
        return ""
    if cluster in _SPACES:
        return " "
    if cluster in _HYPHENS:
        return "-"
    out = unicodedata.normalize("NFKC", cluster)
    # NFKC turns some spaces/hyphens into others of the same kind: fold them once more.
    return "".join(" " if c in _SPACES else "-" if c in _HYPHENS else c for c in out if c not in INVISIBLE)


def normalise(text: str) -> Normalised:
    if text.isascii():  # the common case: nothing to fold
        idx = tuple(range(len(text)))
        return Normalised(text, text, idx, tuple(i + 1 for i in idx))
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for s, e in _clusters(text):
        folded = _fold(text[s:e])
        parts.append(folded)
        starts.extend([s] * len(folded))
        ends.extend([e] * len(folded))
    return Normalised(text, "".join(parts), tuple(starts), tuple(ends))
