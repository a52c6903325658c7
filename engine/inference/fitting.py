"""Fitting a conversation into the model's context window.

Policy (what the user sees when a conversation grows past ``n_ctx``):

1. The system prompt and the new message are always kept, word for word.
2. History is dropped in whole *turns* (a user message and the assistant answer(s) that follow
   it), oldest first, until ``prompt + max_tokens`` fits ``n_ctx``. A turn is never cut in half,
   so the model never sees an answer without its question.
3. If even the whole history is gone and the answer budget still does not fit, the answer gets
   whatever room is left (``FitResult.reply_budget`` < ``max_tokens``), as long as that is at
   least ``MIN_REPLY_TOKENS``.
4. If the system prompt plus the new message leave less than ``MIN_REPLY_TOKENS`` for an answer,
   nothing is sent: :class:`ContextOverflow` says how long the message is versus the limit.

``FitResult.dropped_turns`` tells the caller how many turns were left out so it can tell the
user ("2 older turns were not sent to the model"). Token counts come from the model's own
tokenizer over the fully formatted prompt (chat template included), so they are exact.
"""

from __future__ import annotations

from typing import Callable

from engine.errors import ContextOverflow
from engine.inference.types import FitResult

MIN_REPLY_TOKENS = 32

Message = dict


def split_turns(history: list[Message]) -> list[list[Message]]:
    """Group messages into turns: each user message starts a new turn."""
    turns: list[list[Message]] = []
    for msg in history:
        if msg.get("role") == "user" or not turns:
            turns.append([msg])
        else:
            turns[-1].append(msg)
    return turns


def fit_conversation(
    system: str | None,
    history: list[Message],
    new: str | Message,
    *,
    count_tokens: Callable[[list[Message]], int],
    n_ctx: int,
    max_tokens: int,
) -> FitResult:
    """Apply the policy above; ``count_tokens`` measures a full formatted message list."""
    head = [{"role": "system", "content": system}] if system else []
    new_msg = new if isinstance(new, dict) else {"role": "user", "content": new}
    turns = split_turns(list(history))
    min_reply = min(max_tokens, MIN_REPLY_TOKENS)

    def build(dropped: int) -> list[Message]:
        return head + [m for turn in turns[dropped:] for m in turn] + [new_msg]

    base = count_tokens(build(len(turns)))
    if base + min_reply > n_ctx:
        alone = base - (count_tokens(head) if head else 0)
        raise ContextOverflow(
            f"The message is about {alone:,} tokens long, but the model's context window is "
            f"{n_ctx:,} tokens; with the system prompt and room for an answer, at most about "
            f"{max(0, n_ctx - min_reply - (base - alone)):,} tokens fit.",
            hint="Shorten the message (or add long text as a document instead), or raise the "
                 "context size (n_ctx) in Settings.",
        )

    counts = {len(turns): base}

    def tokens_if(dropped: int) -> int:
        if dropped not in counts:
            counts[dropped] = count_tokens(build(dropped))
        return counts[dropped]

    def fits(dropped: int) -> bool:
        return tokens_if(dropped) + max_tokens <= n_ctx

    # The token count shrinks as more turns are dropped: binary-search the fewest drops that fit.
    # If none does (hi == len(turns) and still too long), the reply budget shrinks instead.
    lo, hi = 0, len(turns)
    if not fits(0):
        lo = min(1, hi)
        while lo < hi:
            mid = (lo + hi) // 2
            if fits(mid):
                hi = mid
            else:
                lo = mid + 1
    n = tokens_if(lo)
    return FitResult(build(lo), lo, n, min(max_tokens, n_ctx - n))
