"""Build the router the way the settings ask for, from what the app has at hand.

One place decides which optional layers are live, so the CLI and the desktop app route alike:

* ``docs`` (a :class:`engine.docs.service.DocumentService`) — pasted text that repeats an
  indexed private document keeps the message local;
* ``host`` (the loaded :class:`engine.inference.ModelHost`) with ``privacy.judge`` on — the
  local model gets the last word on messages the other layers would let out. It costs one
  short generation per such message, and the next answer re-reads the conversation, because
  the judge's prompt replaces the cached one in the model process.
"""

from __future__ import annotations

from typing import Any

from engine.privacy.router import PrivacyRouter


def make_router(privacy_settings: Any, *, docs: Any = None, host: Any = None) -> PrivacyRouter:
    check = getattr(docs, "matches_indexed_text", None) if docs is not None else None
    judge = None
    if getattr(privacy_settings, "judge", False) and host is not None:
        from engine.privacy.judge import ModelJudge

        judge = ModelJudge(host)
    return PrivacyRouter(privacy_settings, private_text_check=check, judge=judge)
