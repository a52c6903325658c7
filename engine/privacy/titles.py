"""Should a conversation's title hide its first message? (sidebar, search results, `chats list`)

Used when no routing decision exists (cloud escalation off): a light, fast check with the
validated patterns, the disclosure word lists, confidentiality markers and the person's own
sensitive terms — no NER, no learned layer. A message that trips any of them gets a neutral
title; the router's decision, when there is one, takes precedence (engine/assistant.py).
"""

from __future__ import annotations

from typing import Sequence

from engine.privacy import signals as sig
from engine.privacy.analysis import Analysis


def looks_private(text: str, sensitive_terms: Sequence[str] = ()) -> bool:
    from engine.privacy.policy import ALWAYS_REDACTED, LOCAL_KINDS
    from engine.privacy.recognizers import run_patterns

    try:
        a = Analysis(text, learned=None)
        if any(f.local or f.kind in ALWAYS_REDACTED or f.kind in LOCAL_KINDS for f in run_patterns(a)):
            return True
        return bool(sig.user_terms(a, sensitive_terms) or sig.special_lexicon(a) or sig.confidential_marker(a))
    except Exception:  # a title is not worth an error: when unsure, keep it neutral
        return True
