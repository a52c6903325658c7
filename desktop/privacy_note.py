"""Privacy made visible: why an answer stayed here, and what that means for the rest of a chat.

With router v2 a conversation is not "tainted" as a whole: turns answered on this computer (kept
local by the router, by "answer locally", a declined preview, or while cloud help was off) are
its *private turns*. Follow-ups to them stay here; an unrelated question may still go out alone.
The composer says so in words, with the rule that decided the last answer, and how to start over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

FOLLOW_UP_RULE = "context.follows_private_turn"
CHAT_RULE = ("Follow-ups to the private parts of this chat stay on this computer; "
             "fresh questions may still go to the cloud.")
NEW_CHAT_LINK = '<a href="new-chat">Start a new chat</a> (Ctrl+N) to ask without this history.'


def because(reasons: Iterable[str]) -> str:
    """The router's reasons as one sentence.

    Router reasons complete "because …" ("it follows up on an earlier message …"); the
    assistant's own are whole sentences ("You asked for a local answer.")."""
    clauses, sentences = [], []
    for r in reasons:
        r = r.strip()
        if not r:
            continue
        (clauses if r[0].islower() else sentences).append(r.rstrip("."))
    parts = []
    if clauses:
        parts.append("because " + "; ".join(clauses) + ".")
    parts += [s + "." for s in sentences]
    return " ".join(parts)


@dataclass(frozen=True)
class ChatPrivacy:
    """What the composer needs to know about the open chat."""

    private_turns: int = 0                  # user turns the cloud never saw
    last_local_reasons: tuple[str, ...] = ()  # why the latest answer stayed here (if it did)
    last_rules: tuple[str, ...] = ()        # rule ids of the latest routing (live turns only)

    @property
    def follow_up(self) -> bool:
        """The latest answer stayed here because it follows up on a private turn."""
        return FOLLOW_UP_RULE in self.last_rules or any("follows up" in r for r in self.last_local_reasons)


def chat_privacy(messages: Iterable[Any], last_rules: Iterable[str] = ()) -> ChatPrivacy:
    """From the shown messages (``MessageData``): count private turns, find the latest local reasons."""
    msgs = list(messages)
    private = sum(1 for m in msgs if m.role == "user" and not getattr(m, "sent", False))
    answers = [m for m in msgs if m.role == "assistant"]
    last = answers[-1] if answers else None
    reasons = tuple(last.reasons) if last is not None and last.route == "local" else ()
    return ChatPrivacy(private, reasons, tuple(last_rules))


def composer_note(mode: str, state: ChatPrivacy) -> str:
    """Rich text for the composer, or "" when there is nothing to say (cloud off, nothing private)."""
    if mode == "off" or state.private_turns == 0:
        return ""
    text = ("This chat has messages that stayed on this computer. " if state.private_turns > 1 else
            "This chat has a message that stayed on this computer. ") + CHAT_RULE
    if state.last_local_reasons:
        text += " The last answer stayed here " + because(state.last_local_reasons)
    return f"{text} {NEW_CHAT_LINK}"


def badge_tooltip(local: bool, reasons: list[str], where: str | None = None) -> str:
    """The badge's explanation: where the answer was made and the router's reasons, in words.
    ``where``: the team server that wrote a kept-off-the-cloud answer (None: this computer)."""
    if local and where:
        head = f"Answered by your team's model server, {where}. The message went there, and nowhere else."
        lead = "Kept off the cloud "
    elif local:
        head = "Answered on this computer. Nothing was sent anywhere."
        lead = "Kept here "
    else:
        head = "Answered by a cloud model. Click 'What was sent' to see the exact text."
        lead = "It was allowed out "
    words = because(reasons)
    if not words:
        return head
    return f"{head}\n{lead}{words}" if words.startswith("because") else f"{head}\n{words}"
