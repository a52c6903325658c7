"""What the router needs to know about a conversation's earlier turns.

The cloud sees only its own thread: the earlier turns that were sent to it, *as they were sent*
(after redaction), and its own replies *as it wrote them* (placeholders, not restored names).
A turn answered on this machine — kept local by the router, by "answer locally", after a
declined preview, while cloud mode was off, or from documents — never leaves later as history.
Such turns are the conversation's *private turns*: a new message that follows up on one of them
stays local too; a fresh, unrelated question may go out alone.

The Assistant builds a :class:`Conversation` from what the chats database recorded. Callers that
only have a plain history (evaluation sets, ``hearth privacy check``) use :func:`replay`, which
routes each earlier user turn in order exactly as the Assistant would have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from engine.privacy.redact import Mapping

if TYPE_CHECKING:
    from engine.privacy.router import PrivacyRouter


@dataclass
class Conversation:
    thread: list[dict] = field(default_factory=list)         # [{"role", "content"}] as the cloud saw them
    private_turns: list[str] = field(default_factory=list)   # earlier user messages the cloud never saw
    mapping: Mapping = field(default_factory=Mapping)         # placeholders given so far in this chat
    last_turn_private: bool = False   # the user's previous message stayed here: "and ...?" leans on it


def replay(router: "PrivacyRouter", history: Sequence[dict], **route_options: Any) -> Conversation:
    """The conversation state after ``history``, as if each user turn had been routed in turn."""
    conv = Conversation()
    sent_as: str | None = None   # how the last user turn went out: "cloud" (verbatim), "redacted", or None
    for turn in history:
        role, content = turn.get("role", "user"), turn.get("content") or ""
        if role == "user":
            d = router.route(content, conversation=conv, **route_options)
            sent_as = d.route if d.outbound is not None else None
            if sent_as:
                conv.thread.append({"role": "user", "content": d.outbound})
                conv.mapping = d.mapping
            else:
                conv.private_turns.append(content)
            conv.last_turn_private = not sent_as
        elif role == "assistant" and sent_as == "cloud":
            conv.thread.append({"role": "assistant", "content": content})
        # A reply to a redacted turn is known here only as the person saw it, with the originals
        # restored (maybe in part: "card ending 6531"); how the cloud wrote it is unknown, so it
        # is left out rather than guessed.
    return conv
