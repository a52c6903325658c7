"""Small pure helpers for building one turn: history, titles, budgets, fixed replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from engine.chats import Message

TITLE_CHARS = 60


def history_dicts(messages: Iterable["Message"]) -> list[dict]:
    """Earlier turns as chat messages: user and assistant text only, empty answers skipped."""
    return [{"role": m.role, "content": m.content} for m in messages
            if m.role in ("user", "assistant") and m.content.strip()]


def alternate_roles(messages: list[dict]) -> list[dict]:
    """Merge neighbours with the same role (an unanswered question, then the next one): some
    cloud APIs reject two user messages in a row. Nothing is dropped or reordered."""
    out: list[dict] = []
    for m in messages:
        if out and out[-1]["role"] == m["role"]:
            out[-1] = {"role": m["role"], "content": out[-1]["content"] + "\n\n" + m["content"]}
        else:
            out.append({"role": m["role"], "content": m["content"]})
    return out


def title_from(text: str) -> str:
    """A conversation title from its first question: first line, shortened on a word boundary."""
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0] or line[:TITLE_CHARS]
    return cut + "…"


def grounding_budget(n_ctx: int, max_tokens: int, system_tokens: int) -> int:
    """Tokens the retrieved passages may use: most of what the answer and system prompt leave,
    keeping about a third for recent history (fit_messages drops the oldest turns after that)."""
    free = n_ctx - max_tokens - system_tokens
    return max(64, int(free * 0.65))


def text_counter(count_messages: Callable[[list[dict]], int]) -> Callable[[str], int]:
    """Adapt ``host.count_tokens(messages)`` to the ``count_tokens(text)`` grounding expects."""
    empty = count_messages([{"role": "user", "content": ""}])

    def count(text: str) -> int:
        return max(0, count_messages([{"role": "user", "content": text}]) - empty)

    return count


def nothing_found_reply(collection: str) -> str:
    """The first line of an answer when retrieval found nothing relevant."""
    return (f"(Nothing in your documents (collection “{collection}”) is relevant to this question; "
            "what follows does not come from them.)")


def outbound_preview(messages: list[dict]) -> str:
    """The exact text that would leave the machine, as one readable block."""
    if len(messages) == 1:
        return messages[0]["content"]
    return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
