"""Privacy invariants that hold whatever a detector misses, through the path the app and the CLI
use: the Assistant with the real router (spaCy NER and the learned layer on), the real local model
for local answers, and the official Anthropic SDK talking to a loopback server that records what
it received and echoes the last user message (so placeholders come back and must be restored).

Each test's assertions are about what the server *received*; each one fails on the router v1
behaviour it replaces (noted per test).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.assistant import Assistant
from engine.chats import ChatStore
from engine.cloud.audit import AuditLog
from engine.cloud.providers import make_provider
from engine.config import CloudSettings, Config, ModelSettings, PrivacySettings
from engine.events import Done, Failed, Routed
from engine.inference.host import ModelHost
from engine.models.registry import InstalledModel
from engine.privacy import PrivacyRouter
from tests.support.anthropic_server import AnthropicServer

pytestmark = pytest.mark.slow

PRIVATE = "My sister Ilse was diagnosed with lupus last month and she is frightened."


@pytest.fixture(scope="module")
def host(starter_gguf: Path):
    settings = ModelSettings(n_ctx=1024, n_threads=1, n_gpu_layers=0, temperature=0.0, max_tokens=8)
    h = ModelHost(InstalledModel("smollm2", starter_gguf, "starter"), settings)
    yield h
    h.unload()


@pytest.fixture(scope="module")
def router() -> PrivacyRouter:
    r = PrivacyRouter(PrivacySettings())  # NER and the learned layer on, as shipped
    r.warm_up()
    return r


@pytest.fixture
def server():
    with AnthropicServer() as s:
        yield s


def _assistant(server: AnthropicServer, host: ModelHost, chats: ChatStore, router: PrivacyRouter,
               mode: str = "auto") -> Assistant:
    cfg = Config(model=host.settings, cloud=CloudSettings(mode=mode, provider="anthropic", model="claude-test",
                                                         base_url=server.url, max_retries=0, timeout_s=30))
    return Assistant(cfg, chats, host, router=router,
                     cloud=lambda: make_provider(cfg.cloud, keys={"anthropic": "sk-ant-test"}))


def _bodies(server: AnthropicServer) -> list[list[dict]]:
    return [r.body["messages"] for r in server.received]


def _text(messages: list[dict]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def test_cloud_sees_only_its_own_thread(server, host, chats, router) -> None:
    """v1 kept every later turn of a chat with one private turn local, or sent the raw history."""
    a = _assistant(server, host, chats, router)
    chat = chats.create()
    first = list(a.turn(chat.id, PRIVATE))
    assert first[0].route == "local" and isinstance(first[-1], Done)
    assert server.received == []

    fresh = list(a.turn(chat.id, "Which river flows through Vienna?"))
    assert fresh[0].route == "cloud" and isinstance(fresh[-1], Done), fresh[-1]
    assert _bodies(server) == [[{"role": "user", "content": "Which river flows through Vienna?"}]]

    more = list(a.turn(chat.id, "And which sea does that river reach?"))
    assert more[0].route == "cloud", more[0]
    last = _bodies(server)[-1]
    assert last[0] == {"role": "user", "content": "Which river flows through Vienna?"}
    assert last[1]["role"] == "assistant" and last[-1]["content"] == "And which sea does that river reach?"

    follow = list(a.turn(chat.id, "What should she ask her rheumatologist?"))
    assert follow[0].route == "local" and "context.follows_private_turn" in follow[0].rules
    assert len(server.received) == 2  # nothing more went out
    for body in _bodies(server):
        assert "lupus" not in _text(body) and "Ilse" not in _text(body) and "rheumatologist" not in _text(body)


@pytest.mark.parametrize("how", ["answer_locally", "declined_preview", "cloud_off"])
def test_a_turn_answered_here_never_leaves_later_as_history(server, host, chats, router, how) -> None:
    a = _assistant(server, host, chats, router, mode="ask" if how == "declined_preview" else "auto")
    chat = chats.create()
    question = "Draft a polite reply to my neighbour Tobias Wendler about the shared fence."
    if how == "answer_locally":
        events = list(a.turn(chat.id, question, answer_locally=True))
    elif how == "declined_preview":
        events = list(a.turn(chat.id, question, confirm=lambda routed: False))
    else:
        events = list(a.turn(chat.id, question, cloud_mode="off"))
    assert events[0].route == "local" and server.received == []
    list(a.turn(chat.id, "What is the capital of Peru?", cloud_mode="auto", confirm=lambda r: True))
    (body,) = _bodies(server)
    assert body == [{"role": "user", "content": "What is the capital of Peru?"}]


def test_redacted_turns_go_out_again_only_as_sent_and_keep_their_placeholders(server, host, chats, router) -> None:
    a = _assistant(server, host, chats, router)
    chat = chats.create()
    one = list(a.turn(chat.id, "Write a short thank-you note to my neighbour Ilse Brandauer for the plum jam."))
    assert one[0].route == "redacted" and isinstance(one[-1], Done), one[-1]
    assert "Ilse Brandauer" in one[-1].text  # the echo's placeholder was restored for the reader
    two = list(a.turn(chat.id, "Also mention that Ilse Brandauer's garden looked lovely."))
    assert two[0].route == "redacted"
    last = _bodies(server)[-1]
    assert "Brandauer" not in _text(last) and "Ilse" not in _text(last)
    placeholder = one[0].outbound_text.split("neighbour ")[1].split(" ")[0]
    assert placeholder.startswith("[") and all(placeholder in m["content"] for m in (last[0], last[-1]))
    assert last[1]["content"].startswith("You said:")  # the cloud's reply, as it wrote it


def test_unicode_disguises_are_folded_before_detection(server, host, chats, router) -> None:
    """v1 ran its detectors on the raw text: a zero-width space split the address."""
    a = _assistant(server, host, chats, router)
    chat = chats.create()
    events = list(a.turn(chat.id, "Write a two-line note to lena.vo\u200bss\uff20fastmail.fm about the fence."))
    assert events[0].route == "redacted", events[0]
    body = _text(_bodies(server)[0])
    assert "fastmail" not in body and "lena" not in body and "\\u200b" not in body


def test_placeholders_are_not_restored_inside_link_targets(server, host, chats, router) -> None:
    """v1 restored every placeholder it saw, so a link could carry an address to its target."""
    server.reply = lambda body: ("Sure. [Open the form](https://forms.example.net/?who=[EMAIL_1]) or write to "
                                 "[EMAIL_1].")
    a = _assistant(server, host, chats, router)
    chat = chats.create()
    events = list(a.turn(chat.id, "Give me a link to report a broken streetlight for mara.lind@fastmail.fm"))
    done = events[-1]
    assert isinstance(done, Done), done
    assert "(https://forms.example.net/?who=[EMAIL_1])" in done.text       # the link target keeps its placeholder
    assert done.text.endswith("write to mara.lind@fastmail.fm.")           # prose is restored


def test_the_audit_log_holds_each_request_with_its_zone_and_rules(server, host, chats, router) -> None:
    a = _assistant(server, host, chats, router)
    chat = chats.create()
    list(a.turn(chat.id, "Which river flows through Vienna?"))
    (entry,) = AuditLog().entries()
    assert entry["zone"] == "cloud" and entry["rules"] and entry["text"] == "Which river flows through Vienna?"


def test_router_failure_keeps_the_turn_here(server, host, chats, monkeypatch) -> None:
    broken = PrivacyRouter(PrivacySettings())
    monkeypatch.setattr(broken, "_route", lambda *a, **k: 1 / 0)
    a = _assistant(server, host, chats, broken)
    chat = chats.create()
    events = list(a.turn(chat.id, "What is the capital of Peru?"))
    assert isinstance(events[0], Routed) and events[0].route == "local" and server.received == []
    assert isinstance(events[-1], (Done, Failed))
