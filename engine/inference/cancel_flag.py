"""A cancel flag shared with the model process that no crash can wedge.

``multiprocessing.Event`` guards its state with a semaphore. A child killed by the kernel (out of
memory, a crash inside llama.cpp) while it held that semaphore — which it does briefly every
token, checking for a cancel — leaves it held for ever, and the parent's next ``clear()`` or
``set()`` blocks: the retry after a crash hung. One shared byte needs no lock: the parent
writes it, the child only reads it, and a byte is written whole.
"""

from __future__ import annotations

from typing import Any


class CancelFlag:
    def __init__(self, ctx: Any) -> None:
        self._value = ctx.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    def clear(self) -> None:
        self._value.value = 0

    def is_set(self) -> bool:
        return bool(self._value.value)
