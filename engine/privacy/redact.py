"""Typed placeholders in, original text back out — the mapping never leaves this process.

``redact(text, findings)`` replaces each span with ``[TYPE_n]`` (the same surface text gets the
same placeholder everywhere). :class:`Restorer` puts the originals back into a *streamed*
answer: a placeholder may arrive split over several tokens (``"[PER"``, ``"SON_1]"``), so text
that could still be the start of a placeholder is held back until it can be decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.privacy.detectors import Finding

PLACEHOLDER = re.compile(r"\[([A-Z]{2,12})_(\d{1,4})\]")
# Models sometimes echo a placeholder as "[Person_1]" or "[PERSON 1]": restore those too.
_LOOSE = re.compile(r"\[\s?([A-Za-z]{2,12})[_ ](\d{1,4})\s?\]")
_MAX_PLACEHOLDER = 2 + 12 + 1 + 4 + 2  # "[" + TYPE + "_" + digits + "]" (+ stray spaces)


@dataclass
class Mapping:
    """placeholder → original, and (type, normalised original) → placeholder."""

    to_original: dict[str, str] = field(default_factory=dict)
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def placeholder_for(self, kind: str, original: str) -> str:
        key = (kind, " ".join(original.lower().split()))
        if key not in self._by_value:
            n = self._counts.get(kind, 0) + 1
            self._counts[kind] = n
            ph = f"[{kind}_{n}]"
            self._by_value[key] = ph
            self.to_original[ph] = original
        return self._by_value[key]


def redact(text: str, findings: list[Finding], mapping: Mapping | None = None) -> tuple[str, Mapping]:
    """Replace every finding's span; overlapping findings are merged into the first."""
    mapping = mapping or Mapping()
    parts: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.start < pos:
            continue
        parts.append(text[pos:f.start])
        parts.append(mapping.placeholder_for(f.kind, f.text))
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts), mapping


class Restorer:
    """Streaming placeholder restorer: ``feed(piece) -> str`` then ``flush() -> str``."""

    def __init__(self, to_original: dict[str, str] | None = None) -> None:
        self._map = dict(to_original or {})
        self._buf = ""

    def _restore(self, text: str) -> str:
        return _LOOSE.sub(lambda m: self._map.get(f"[{m.group(1).upper()}_{m.group(2)}]", m.group(0)), text)

    def feed(self, piece: str) -> str:
        if not self._map:
            return piece
        self._buf += piece
        # Hold back from the last "[" if what follows could still become a placeholder.
        cut = len(self._buf)
        i = self._buf.rfind("[")
        if i != -1 and "]" not in self._buf[i:]:
            tail = self._buf[i:]
            if len(tail) < _MAX_PLACEHOLDER and re.fullmatch(r"\[\s?[A-Za-z]{0,12}([_ ]\d{0,4})?\s?", tail):
                cut = i
        ready, self._buf = self._buf[:cut], self._buf[cut:]
        return self._restore(ready)

    def flush(self) -> str:
        out, self._buf = self._restore(self._buf), ""
        return out

    def restore_all(self, text: str) -> str:
        return self._restore(text)


def segments(outbound: str) -> list[tuple[str, bool]]:
    """Split outbound text into (text, is_placeholder) runs, for previews that highlight redactions."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in PLACEHOLDER.finditer(outbound):
        if m.start() > pos:
            out.append((outbound[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(outbound):
        out.append((outbound[pos:], False))
    return out
