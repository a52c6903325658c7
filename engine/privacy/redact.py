"""Typed placeholders in, original text back out — the mapping never leaves this process.

``redact(text, findings)`` replaces each span with ``[TYPE_n]`` (the same surface text gets the
same placeholder everywhere, and — with the chat's :class:`Mapping` passed along — in every later
turn of the conversation). :class:`Restorer` puts the originals back into a *streamed* answer: a
placeholder may arrive split over several tokens (``"[PER"``, ``"SON_1]"``), so text that could
still be the start of a placeholder is held back until it can be decided.

A placeholder inside a link target (``[text](https://…[PERSON_1]…)``, ``<a href="…">``, a bare
URL) is never restored: a link the cloud model wrote must not carry a name or an email address
from this machine to wherever it points.
"""

from __future__ import annotations

import json
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

    def to_json(self) -> str:
        return json.dumps({"to_original": self.to_original, "counts": self._counts,
                           "by_value": [[k, v, ph] for (k, v), ph in self._by_value.items()]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> "Mapping":
        if not text:
            return cls()
        d = json.loads(text)
        m = cls(dict(d.get("to_original", {})))
        m._counts = {str(k): int(v) for k, v in d.get("counts", {}).items()}
        m._by_value = {(k, v): ph for k, v, ph in d.get("by_value", [])}
        return m

    def copy(self) -> "Mapping":
        return Mapping.from_json(self.to_json())

    def apply(self, text: str) -> str:
        """Replace every original value with its placeholder: what a reply looked like as the cloud
        wrote it, for replies stored only in restored form."""
        for ph, original in sorted(self.to_original.items(), key=lambda kv: -len(kv[1])):
            if original.strip():
                words = [re.escape(w) for w in original.split()]
                text = re.sub(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", ph, text, flags=re.I)
        return text


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
        self._tail = ""  # the last text given out: says whether a placeholder sits in a link target

    def _restore(self, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            if _in_link_target(self._tail + text[:m.start()]):
                return m.group(0)
            return self._map.get(f"[{m.group(1).upper()}_{m.group(2)}]", m.group(0))

        out = _LOOSE.sub(one, text)
        self._tail = (self._tail + text)[-_LINK_LOOKBACK:]
        return out

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


_LINK_LOOKBACK = 400
# An unclosed markdown link target, an HTML attribute value holding a URL, or a URL being written.
_OPEN_TARGET = re.compile(r"\]\([^)\s]*$|\b(?:href|src)\s*=\s*[\"']?[^\"'>\s]*$|(?:https?|ftp|mailto):[^\s<>\"')\]]*$|"
                          r"\bwww\.[^\s<>\"')\]]*$", re.I)


def _in_link_target(before: str) -> bool:
    return bool(_OPEN_TARGET.search(before[-_LINK_LOOKBACK:]))


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
