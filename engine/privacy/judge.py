"""Optional last layer: ask the loaded local model whether a message is private.

Off by default (``privacy.judge``). It can only keep a message local, never release one the
other layers held back. Any failure, a timeout, or an answer it cannot read counts as
"private" (fail closed). The model sees the message on this machine only.
"""

from __future__ import annotations

import re
import threading
from typing import Any

PROMPT = (
    "You are a privacy checker. Decide whether the user's message reveals private information about "
    "a real, non-public person or organisation (names, contact details, health, money, legal trouble, "
    "private documents). Answer with exactly one line: 'PUBLIC' or 'PRIVATE: <short reason>'."
)
_ANSWER = re.compile(r"^\W*(public|private)\b\W*(.*)", re.I | re.S)


def parse_verdict(answer: str) -> str | None:
    """None for PUBLIC; a reason for PRIVATE or for anything unreadable."""
    m = _ANSWER.match(answer or "")
    if not m:
        return "the local model's privacy verdict was unclear"
    if m.group(1).lower() == "public":
        return None
    reason = m.group(2).strip().splitlines()[0][:120] if m.group(2).strip() else "private content"
    return reason


class ModelJudge:
    """A :class:`engine.privacy.router.Judge` backed by an ``engine.inference.ModelHost``."""

    def __init__(self, host: Any, *, timeout_s: float = 10.0, max_tokens: int = 24) -> None:
        self.host = host
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens

    def __call__(self, text: str) -> str | None:
        timer = threading.Timer(self.timeout_s, self.host.cancel)
        timer.start()
        try:
            pieces = []
            for piece in self.host.stream_chat(
                    [{"role": "system", "content": PROMPT}, {"role": "user", "content": text}],
                    temperature=0.0, max_tokens=self.max_tokens):
                pieces.append(piece)
            stats = getattr(self.host, "last_stats", None)
            if stats is not None and getattr(stats, "cancelled", False):
                return "the local model's privacy check timed out"
            return parse_verdict("".join(pieces))
        except Exception as exc:  # fail closed
            return f"the local model's privacy check failed ({type(exc).__name__})"
        finally:
            timer.cancel()
