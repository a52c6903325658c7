"""One span a recognizer found: its type, where it is, how sure, and what it means for routing."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Finding:
    kind: str          # placeholder type: EMAIL, PHONE, CARD, SECRET, PERSON, ...
    start: int
    end: int
    text: str
    local: bool        # True: the message must stay local; False: the span can be redacted
    reason: str        # person-readable, e.g. "contains an email address"
    score: float = 1.0         # confidence in [0, 1]; validated patterns are 1.0
    recognizer: str = ""       # id of the recognizer that made it, e.g. "pattern.email"

    def by(self, recognizer: str) -> "Finding":
        """The same finding, credited to ``recognizer`` (set by the registry, not by each detector)."""
        return self if self.recognizer else replace(self, recognizer=recognizer)
