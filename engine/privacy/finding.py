"""One span a detector found, and whether it can be redacted or keeps the message local."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    kind: str          # placeholder type: EMAIL, PHONE, CARD, SECRET, PERSON, ...
    start: int
    end: int
    text: str
    local: bool        # True: the message must stay local; False: the span can be redacted
    reason: str        # person-readable, e.g. "contains an email address"
