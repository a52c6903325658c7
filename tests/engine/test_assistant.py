"""Assistant turns with the real ModelHost running the real SmolLM2 GGUF (one host per module)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from engine.assistant import Assistant
from engine.chats import ChatStore
from engine.config import Config, ModelSettings
from engine.events import Done, Failed, Routed, Token
from engine.inference.host import ModelHost
from engine.models.registry import InstalledModel

pytestmark = pytest.mark.slow


def _settings(**kw) -> ModelSettings:
    base = dict(n_ctx=1024, n_threads=1, n_gpu_layers=0, temperature=0.0, seed=7, max_tokens=16)
    base.update(kw)
    return ModelSettings(**base)


@pytest.fixture(scope="module")
def host(starter_gguf: Path):
    h = ModelHost(InstalledModel("smollm2", starter_gguf, "starter"), _settings())
    h.load()
    yield h
    h.unload()


@pytest.fixture
def assistant(host: ModelHost, chats: ChatStore) -> Assistant:
    return Assistant(Config(model=_settings()), chats, host)


def _kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def test_turn_streams_and_persists(assistant: Assistant, chats: ChatStore) -> None:
    chat = chats.create()
    events = list(assistant.turn(chat.id, "What is the capital of France?"))
    assert isinstance(events[0], Routed) and events[0].route == "local" and events[0].truncated_turns == 0
    assert "Cloud escalation is off." in events[0].reasons
    tokens = [e for e in events if isinstance(e, Token)]
    done = events[-1]
    assert isinstance(done, Done), events
    assert len(tokens) >= 2 and _kinds(events[1:-1]) == ["Token"] * len(tokens)
    assert done.text == "".join(t.text for t in tokens) and done.text.strip()
    assert done.tokens > 0 and done.tokens_per_s > 0 and done.backend == "CPU" and not done.cancelled
    user, answer = chats.messages(chat.id)
    assert (user.role, user.content) == ("user", "What is the capital of France?")
    assert (answer.id, answer.role, answer.content, answer.route) == (done.message_id, "assistant", done.text, "local")
    assert answer.tokens == done.tokens and answer.status == "complete"
    assert chats.get(chat.id).title == "What is the capital of France?"
    # local answers are counted too (what they would have cost in the cloud is the saving)
    from engine.cloud.usage import UsageStore

    (row,) = UsageStore().report(Config().cloud.prices)
    assert (row.kind, row.requests, row.output_tokens) == ("local", 1, done.tokens) and row.saving > 0


def test_follow_up_sees_history(assistant: Assistant, chats: ChatStore, host: ModelHost) -> None:
    chat = chats.create()
    list(assistant.turn(chat.id, "My name is Ada."))
    events = list(assistant.turn(chat.id, "What is my name?"))
    assert isinstance(events[-1], Done)
    assert [m.role for m in chats.messages(chat.id)] == ["user", "assistant", "user", "assistant"]
    # The second prompt carried the first turn: its prompt is longer than the question alone,
    # and the shared prefix came from the KV cache.
    assert host.last_stats.prompt_tokens > host.count_tokens([{"role": "user", "content": "What is my name?"}])
    assert host.last_stats.cached_tokens > 0


def test_cancel_keeps_partial_answer(assistant: Assistant, chats: ChatStore) -> None:
    assistant.config = Config(model=_settings(max_tokens=400))
    chat = chats.create()
    seen: list[Token] = []
    events = []
    for ev in assistant.turn(chat.id, "Write a long story about a dragon who loves tea."):
        events.append(ev)
        if isinstance(ev, Token):
            seen.append(ev)
            if len(seen) == 3:
                assistant.cancel()
    done = events[-1]
    assert isinstance(done, Done) and done.cancelled, events[-1]
    assert 3 <= len(seen) < 60
    saved = chats.messages(chat.id)[-1]
    assert saved.status == "cancelled" and saved.content == done.text == "".join(t.text for t in seen)
    # the host is usable right away
    assistant.config = Config(model=_settings())
    again = list(assistant.turn(chat.id, "Say hello."))
    assert isinstance(again[-1], Done) and not again[-1].cancelled


def test_abandoned_stream_is_stopped_and_saved(assistant: Assistant, chats: ChatStore) -> None:
    chat = chats.create()
    gen = assistant.turn(chat.id, "Count from one to fifty in words.")
    got = []
    for ev in gen:
        if isinstance(ev, Token):
            got.append(ev.text)
            if len(got) == 2:
                break
    gen.close()  # the consumer (e.g. a closed window) walked away
    saved = chats.messages(chat.id)[-1]
    assert saved.role == "assistant" and saved.status == "cancelled" and saved.content == "".join(got)
    assert isinstance(list(assistant.turn(chat.id, "Hi"))[-1], Done)


def test_regenerate_replaces_last_answer(assistant: Assistant, chats: ChatStore) -> None:
    chat = chats.create()
    list(assistant.turn(chat.id, "Name a colour."))
    first_answer = chats.messages(chat.id)[-1]
    events = list(assistant.regenerate(chat.id))
    assert isinstance(events[-1], Done)
    msgs = chats.messages(chat.id)
    assert [m.role for m in msgs] == ["user", "assistant"]
    assert msgs[0].content == "Name a colour."
    assert msgs[1].id == events[-1].message_id != first_answer.id


def test_edit_and_resend_truncates_after_the_edit(assistant: Assistant, chats: ChatStore) -> None:
    chat = chats.create()
    list(assistant.turn(chat.id, "Name a fruit."))
    list(assistant.turn(chat.id, "Name a vegetable."))
    first_q = chats.messages(chat.id)[0]
    events = list(assistant.edit_and_resend(chat.id, first_q.id, "Name an animal."))
    assert isinstance(events[-1], Done)
    msgs = chats.messages(chat.id)
    assert [(m.role, m.id) for m in msgs][:1] == [("user", first_q.id)]
    assert [m.content for m in msgs][0] == "Name an animal." and len(msgs) == 2
    # only the user's own questions, in this chat, can be edited
    bad = list(assistant.edit_and_resend(chat.id, msgs[1].id, "x"))
    assert _kinds(bad) == ["Failed"] and "Only your own questions" in bad[0].message
    assert len(chats.messages(chat.id)) == 2


def test_truncated_history_is_reported(assistant: Assistant, chats: ChatStore) -> None:
    chat = chats.create()
    filler = "The quick brown fox jumps over the lazy dog. " * 25  # ~250 tokens per message
    for i in range(4):
        chats.add_message(chat.id, "user", f"Question {i}: {filler}")
        chats.add_message(chat.id, "assistant", f"Answer {i}: {filler}")
    events = list(assistant.turn(chat.id, "Summarise in one word."))
    assert isinstance(events[0], Routed) and events[0].truncated_turns >= 2
    assert isinstance(events[-1], Done)


def test_context_overflow_fails_cleanly_and_keeps_the_message(assistant: Assistant, chats: ChatStore) -> None:
    chat = chats.create()
    huge = "word " * 3000
    events = list(assistant.turn(chat.id, huge))
    assert _kinds(events) == ["Failed"] and events[0].kind == "ContextOverflow"
    assert "context window" in events[0].message and events[0].hint
    assert [m.content for m in chats.messages(chat.id)] == [huge.strip()]


def test_model_crash_mid_answer_fails_then_recovers(assistant: Assistant, chats: ChatStore, host: ModelHost) -> None:
    assistant.config = Config(model=_settings(max_tokens=200))
    chat = chats.create()
    events = []
    for ev in assistant.turn(chat.id, "Tell me a long story about the sea."):
        events.append(ev)
        if isinstance(ev, Token) and sum(isinstance(e, Token) for e in events) == 2:
            os.kill(host.pid, signal.SIGKILL)
    assert isinstance(events[-1], Failed) and events[-1].kind == "ModelCrashed", events[-1]
    msgs = chats.messages(chat.id)
    assert msgs[0].content == "Tell me a long story about the sea."
    assert msgs[-1].role == "assistant" and msgs[-1].status == "failed" and msgs[-1].content  # partial kept
    assistant.config = Config(model=_settings())
    again = list(assistant.regenerate(chat.id))  # the next request restarts the model process
    assert isinstance(again[-1], Done), again[-1]
    assert [m.role for m in chats.messages(chat.id)] == ["user", "assistant"]


def test_missing_model_file_is_a_failed_event(chats: ChatStore, tmp_path: Path) -> None:
    ghost = ModelHost(InstalledModel("ghost", tmp_path / "gone.gguf", "file"), _settings())
    a = Assistant(Config(model=_settings()), chats, ghost)
    chat = chats.create()
    events = list(a.turn(chat.id, "Hello?"))
    assert _kinds(events) == ["Failed"] and events[0].kind == "ModelLoadError"
    assert "gone.gguf" in events[0].message and events[0].hint
    assert [m.content for m in chats.messages(chat.id)] == ["Hello?"]


def test_truncated_model_file_is_a_failed_event(chats: ChatStore, tmp_path: Path, starter_gguf: Path) -> None:
    broken = tmp_path / "broken.gguf"
    with open(starter_gguf, "rb") as src:
        broken.write_bytes(src.read(3_000_000))
    a = Assistant(Config(model=_settings()), chats, ModelHost(InstalledModel("broken", broken, "file"), _settings()))
    chat = chats.create()
    events = list(a.turn(chat.id, "Hello?"))
    assert _kinds(events) == ["Failed"] and events[0].kind == "ModelLoadError", events
    assert len(chats.messages(chat.id)) == 1


def test_bad_requests_are_failed_events(assistant: Assistant, chats: ChatStore) -> None:
    missing = list(assistant.turn(424242, "Hello"))
    assert _kinds(missing) == ["Failed"] and missing[0].kind == "ChatNotFound"
    chat = chats.create()
    empty = list(assistant.turn(chat.id, "   "))
    assert _kinds(empty) == ["Failed"] and chats.messages(chat.id) == []
    assert _kinds(list(assistant.regenerate(chat.id))) == ["Failed"]
    docs = list(assistant.turn(chat.id, "What do my notes say?", collection="notes"))
    assert _kinds(docs) == ["Failed"] and docs[0].kind == "IndexError_"


def test_cloud_off_never_consults_router_or_provider(host: ModelHost, chats: ChatStore) -> None:
    touched: list[str] = []

    class Tripwire:
        def route(self, *a, **k):
            touched.append("router")
            raise AssertionError("router consulted with cloud off")

    def provider_factory():
        touched.append("provider")
        raise AssertionError("provider built with cloud off")

    a = Assistant(Config(model=_settings()), chats, host, router=Tripwire(), cloud=provider_factory)
    chat = chats.create()
    events = list(a.turn(chat.id, "Hi there"))
    assert isinstance(events[-1], Done) and touched == []
    events = list(a.turn(chat.id, "Hi again", cloud_mode="auto", answer_locally=True))
    assert isinstance(events[-1], Done) and touched == []
    assert events[0].reasons == ["You asked for a local answer."]


# -- routing with the real PrivacyRouter (no NER, to stay fast) ------------------------------------

class _Tripwire:
    """A provider factory that records (and refuses) being asked to build a cloud client."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self):
        self.calls += 1
        raise AssertionError("a cloud provider was built")


def _router():
    from engine.config import PrivacySettings
    from engine.privacy import PrivacyRouter

    return PrivacyRouter(PrivacySettings(use_ner=False))


def test_ask_mode_declined_answers_locally_and_sends_nothing(host: ModelHost, chats: ChatStore) -> None:
    from engine.paths import get_paths

    trip = _Tripwire()
    a = Assistant(Config(model=_settings()), chats, host, router=_router(), cloud=trip)
    chat = chats.create()
    asked: list[Routed] = []

    def decline(proposed: Routed) -> bool:
        asked.append(proposed)
        return False

    events = list(a.turn(chat.id, "How do rainbows form?", cloud_mode="ask", confirm=decline))
    (proposed,) = asked
    assert proposed.route == "cloud" and proposed.outbound_text == "How do rainbows form?"
    assert proposed.provider == "openai"
    assert isinstance(events[0], Routed) and events[0].route == "local"
    assert events[0].reasons == ["You chose to answer this one locally."]
    assert isinstance(events[-1], Done) and events[-1].backend == "CPU"
    assert trip.calls == 0 and not get_paths().audit_log.exists()
    assert not chats.get(chat.id).tainted  # declining is not a sensitivity signal
    # ask mode without anyone to confirm never sends
    events = list(a.turn(chats.create().id, "Why is the sky blue?", cloud_mode="ask"))
    assert events[0].route == "local" and "confirmation" in events[0].reasons[0] and trip.calls == 0


def test_sensitive_turn_stays_local_and_taints_the_chat(host: ModelHost, chats: ChatStore) -> None:
    trip = _Tripwire()
    a = Assistant(Config(model=_settings()), chats, host, router=_router(), cloud=trip)
    chat = chats.create()
    events = list(a.turn(chat.id, "I was diagnosed with HIV last year, what should I eat?", cloud_mode="auto"))
    assert events[0].route == "local" and events[0].outbound_text is None
    assert any("health" in r for r in events[0].reasons), events[0].reasons
    assert isinstance(events[-1], Done) and trip.calls == 0
    assert chats.get(chat.id).tainted
    # a follow-up to it stays local too ...
    events = list(a.turn(chat.id, "What about alcohol, is that OK with it?", cloud_mode="auto"))
    assert events[0].route == "local" and "follows up" in events[0].reasons[0]
    assert trip.calls == 0
    # ... while a fresh, unrelated question may go, alone (tests/engine/test_privacy_invariants.py)
    events = list(a.turn(chat.id, "How do rainbows form?", cloud_mode="auto"))
    assert events[0].route == "cloud" and events[0].outbound_text == "How do rainbows form?"


def test_full_disk_when_saving_the_answer_is_a_failed_event(assistant: Assistant, chats: ChatStore) -> None:
    from engine.errors import StorageError

    chat = chats.create()
    other = chats.create("filler")
    events = []
    for ev in assistant.turn(chat.id, "Say hello."):
        events.append(ev)
        if isinstance(ev, Token) and sum(isinstance(e, Token) for e in events) == 1:
            # the disk fills up while the answer streams (SQLite's page cap raises SQLITE_FULL)
            pages = chats._conn.execute("PRAGMA page_count").fetchone()[0]
            chats._conn.execute(f"PRAGMA max_page_count = {pages}")
            for size in (1000, 100, 10, 1):  # fill every last gap
                with pytest.raises(StorageError):
                    for _ in range(10_000):
                        chats.add_message(other.id, "user", "x" * size)
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "StorageError" and "disk is full" in failed.message
    assert [m.role for m in chats.messages(chat.id)] == ["user"]  # the question is safe, nothing half-saved
    chats._conn.execute("PRAGMA max_page_count = 1073741823")
    assert isinstance(list(assistant.regenerate(chat.id))[-1], Done)


def test_locked_database_is_a_failed_event(host: ModelHost) -> None:
    import sqlite3

    chats = ChatStore(timeout_s=0.2)
    a = Assistant(Config(model=_settings()), chats, host)
    chat = chats.create()
    other = sqlite3.connect(chats.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        events = list(a.turn(chat.id, "Hello?"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [type(e).__name__ for e in events] == ["Failed"]
    assert events[0].kind == "StorageError" and "locked" in events[0].message and events[0].hint
    assert chats.messages(chat.id) == []
    assert isinstance(list(a.turn(chat.id, "Hello?"))[-1], Done)  # fine once the lock is gone
    chats.close()


@pytest.mark.parametrize("first, private", [
    ("My SSN is 219-09-9999, which form do I need for my new job?", True),
    ("I was diagnosed with bipolar disorder in June; how do I tell my manager?", True),
    ("Which planets have rings?", False),
])
def test_titles_never_show_a_private_first_message(assistant: Assistant, chats: ChatStore, first, private) -> None:
    """With cloud escalation off no router decision exists; the title still must not show an ID or
    a diagnosis in the sidebar, search results or `hearth chats list`."""
    chat = chats.create()
    list(assistant.turn(chat.id, first))
    title = chats.get(chat.id).title
    assert (title == "Private conversation") == private
    assert "219-09" not in title and "bipolar" not in title
