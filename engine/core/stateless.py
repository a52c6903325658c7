"""A turn for a caller that sends the whole conversation each time (OpenAI-style API, MCP).

The Assistant answers from a conversation in a chats store, so the messages are written into a
scratch store in memory (never the person's history), the last user message is asked through
a fresh Assistant over the core's model, router, documents, audit and usage, and the scratch
conversation is dropped afterwards.

Privacy: the earlier messages are stored as turns the cloud never saw (no ``sent_text``), so
the router treats them as private: a follow-up to them stays on this computer, and none of them
is ever sent as history. The cloud mode is the settings' own; ``ask`` has nobody to confirm, so
it sends nothing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Iterator

from engine.errors import HearthError
from engine.events import Done, TurnEvent

if TYPE_CHECKING:
    from engine.assistant import Assistant
    from engine.chats import ChatStore
    from engine.core.core import Core
    from engine.inference.types import FitResult, GenerationStats, LoadInfo
    from engine.interfaces import Host, Messages

ROLES = ("system", "user", "assistant")
SCRATCH_TITLE = "Request from another app"  # not the default title: no title is derived from it

_scratch: dict[int, ChatStore] = {}
_scratch_lock = threading.Lock()


class BadRequest(HearthError):
    """The messages cannot be answered as given (the API server answers HTTP 400)."""


def text_of(content: Any) -> str:
    """Message content as text: a string, or OpenAI's list of parts (text parts only)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                out.append(part["text"])
            else:
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise BadRequest(f"Message parts of type '{kind}' are not supported; only text.")
        return "\n".join(out)
    raise BadRequest("A message's content must be text.")


def split_messages(messages: list[dict[str, Any]]) -> tuple[str | None, list[tuple[str, str]], str]:
    """(system prompt, earlier turns as (role, text), the question). Raises BadRequest."""
    if not messages:
        raise BadRequest("There are no messages to answer.")
    system: list[str] = []
    turns: list[tuple[str, str]] = []
    for m in messages:
        if not isinstance(m, dict):
            raise BadRequest("Each message must be an object with a role and content.")
        role = m.get("role")
        if role == "developer":  # OpenAI's newer name for the system role
            role = "system"
        if role not in ROLES:
            raise BadRequest(f"Messages with role '{role}' are not supported (use system, user or assistant).")
        text = text_of(m.get("content"))
        if role == "system":
            system.append(text)
        else:
            turns.append((role, text))
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise BadRequest("The last message must be a non-empty user message.")
    return ("\n\n".join(s for s in system if s.strip()) or None), turns[:-1], turns[-1][1]


def _scratch_store() -> ChatStore:
    """One in-memory store per thread (SQLite's ':memory:' is per connection)."""
    from engine.chats import ChatStore

    key = threading.get_ident()
    with _scratch_lock:
        store = _scratch.get(key)
        if store is None:
            store = _scratch[key] = ChatStore(":memory:")
        return store


class _Overrides:
    """The core's host with per-request generation settings (max_tokens, temperature)."""

    def __init__(self, host: Host, overrides: dict[str, Any]) -> None:
        self._host, self._overrides = host, overrides
        self.model = host.model

    @property
    def info(self) -> LoadInfo | None:
        return self._host.info

    @property
    def last_stats(self) -> GenerationStats | None:
        return self._host.last_stats

    def load(self) -> LoadInfo:
        return self._host.load()

    def unload(self) -> None:
        self._host.unload()

    def cancel(self) -> None:
        self._host.cancel()

    def stream_chat(self, messages: Messages, **overrides: Any) -> Iterator[str]:
        return self._host.stream_chat(messages, **{**self._overrides, **overrides})

    def count_tokens(self, messages: Messages) -> int:
        return self._host.count_tokens(messages)

    def fit_messages(self, system: str | None, history: Messages, new: str | dict[str, Any], *,
                     max_tokens: int | None = None) -> FitResult:
        return self._host.fit_messages(system, history, new, max_tokens=max_tokens or self._overrides.get("max_tokens"))


class StatelessTurn:
    """One stateless answer (see module doc): iterate it for the turn's events; :meth:`cancel`
    (thread-safe) stops it, also before it started (while another answer had the model)."""

    def __init__(self, core: Core, messages: list[dict[str, Any]], *, collection: str | None = None,
                 max_tokens: int | None = None, temperature: float | None = None,
                 answer_locally: bool = False) -> None:
        self.system, self.earlier, self.question = split_messages(messages)  # BadRequest before anything runs
        if max_tokens is not None and max_tokens < 1:
            raise BadRequest("max_tokens must be at least 1.")
        if temperature is not None and not 0.0 <= temperature <= 2.0:
            raise BadRequest("temperature must be between 0 and 2.")
        self.core, self.collection = core, collection
        self.max_tokens, self.temperature, self.answer_locally = max_tokens, temperature, answer_locally
        self._cancelled = threading.Event()
        self._assistant: Assistant | None = None

    def cancel(self) -> None:
        self._cancelled.set()
        a = self._assistant
        if a is not None:
            a.cancel()

    def __iter__(self) -> Iterator[TurnEvent]:
        with self.core.turn_lock:
            if self._cancelled.is_set():
                yield Done("", None, cancelled=True)
                return
            yield from self._run()

    def _run(self) -> Iterator[TurnEvent]:
        cfg = self.core.config
        overrides: dict[str, Any] = {}
        if self.system is not None:
            cfg.model.system_prompt = self.system
        if self.max_tokens is not None:
            cfg.model.max_tokens = overrides["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            overrides["temperature"] = self.temperature
        host: Host = _Overrides(self.core.host, overrides) if overrides else self.core.host
        store = _scratch_store()
        chat = store.create(SCRATCH_TITLE, model=self.core.model_id)
        try:
            for role, text in self.earlier:
                store.add_message(chat.id, role, text)  # type: ignore[arg-type]  # user|assistant here
            self._assistant = self.core.new_assistant(cfg, store, host)
            if self._cancelled.is_set():
                self._assistant.cancel()
            yield from self._assistant.turn(chat.id, self.question, collection=self.collection,
                                            answer_locally=self.answer_locally)
        finally:
            self._assistant = None
            store.delete(chat.id)
