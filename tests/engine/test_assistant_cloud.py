"""Assistant turns that go to the cloud: the real router, the real OpenAI SDK provider, and a real
OpenAI-compatible server (llama_cpp.server with SmolLM2) on loopback behind a recording proxy.
The assertions are on what the server *received*."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.assistant import Assistant
from engine.chats import ChatStore
from engine.cloud.audit import AuditLog
from engine.cloud.providers import make_provider
from engine.cloud.usage import UsageStore
from engine.config import CloudSettings, Config, ModelSettings, PrivacySettings
from engine.events import Done, Failed, Routed, Token
from engine.inference.host import ModelHost
from engine.models.registry import InstalledModel
from engine.privacy import PrivacyRouter
from tests.support.openai_server import LlamaServer, RecordingProxy

pytestmark = pytest.mark.slow

EMAIL = "jane.doe@gmail.com"


@pytest.fixture(scope="module")
def proxy(starter_gguf: Path):
    with LlamaServer(starter_gguf) as upstream, RecordingProxy(upstream.url) as rec:
        yield rec


@pytest.fixture(scope="module")
def host(starter_gguf: Path):
    settings = ModelSettings(n_ctx=1024, n_threads=1, n_gpu_layers=0, temperature=0.0, max_tokens=12)
    h = ModelHost(InstalledModel("smollm2", starter_gguf, "starter"), settings)
    yield h  # loaded only by the tests that fall back to a local answer
    h.unload()


def _assistant(proxy: RecordingProxy, host: ModelHost, chats: ChatStore, **cloud) -> Assistant:
    cfg = Config(model=host.settings, cloud=CloudSettings(mode="auto", base_url=proxy.url + "/v1",
                                                         max_retries=0, timeout_s=120, **cloud))
    proxy.received.clear()
    proxy.fail.clear()
    def provider():
        # keys={}: no key stored; an OpenAI-compatible base_url needs none (see make_provider)
        p = make_provider(cfg.cloud, keys={})
        p.max_tokens = 48  # short answers keep the test quick
        return p

    return Assistant(cfg, chats, host, router=PrivacyRouter(PrivacySettings(use_ner=False)), cloud=provider)


def _sent(proxy: RecordingProxy) -> list[list[dict]]:
    return [r.body["messages"] for r in proxy.received if r.body and "messages" in r.body]


def test_redacted_question_goes_out_without_the_email(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    question = f"Please write a short greeting to {EMAIL} about lunch."
    events = list(a.turn(chat.id, question))
    routed = events[0]
    assert isinstance(routed, Routed) and routed.route == "redacted" and routed.redactions == ["EMAIL"]
    assert routed.outbound_text == "Please write a short greeting to [EMAIL_1] about lunch."
    done = events[-1]
    assert isinstance(done, Done), done
    assert done.backend == "cloud:openai" and done.text == "".join(e.text for e in events if isinstance(e, Token))
    assert "[EMAIL_1]" not in done.text  # placeholders the model echoes are restored locally

    (sent,) = _sent(proxy)
    assert sent == [{"role": "user", "content": routed.outbound_text}]
    assert all(EMAIL not in json.dumps(r.body) for r in proxy.received)

    answer = chats.messages(chat.id)[-1]
    assert (answer.route, answer.provider, answer.outbound_text, answer.content) == (
        "redacted", "openai", routed.outbound_text, done.text)
    (entry,) = AuditLog().entries()
    assert entry["text"] == routed.outbound_text and entry["redactions"] == ["EMAIL"] and entry["route"] == "redacted"
    assert entry["outcome"]["delivered"] is True
    assert AuditLog().verify().ok and AuditLog().verify().delivered == 1
    rows = UsageStore().report(Config().cloud.prices)
    assert [(r.kind, r.provider, r.requests) for r in rows] == [("cloud", "openai", 1)] and rows[0].cost > 0
    assert not chats.get(chat.id).tainted


def test_history_is_sent_only_when_allowed(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    list(a.turn(chat.id, "How do rainbows form?"))
    list(a.turn(chat.id, "And why is the sky blue?"))
    first, second = _sent(proxy)
    assert first == [{"role": "user", "content": "How do rainbows form?"}]
    earlier_answer = chats.messages(chat.id)[1].content
    assert second == [{"role": "user", "content": "How do rainbows form?"},
                      {"role": "assistant", "content": earlier_answer},
                      {"role": "user", "content": "And why is the sky blue?"}]

    a = _assistant(proxy, host, chats, send_history=False)
    list(a.turn(chat.id, "What makes snow white?"))
    assert _sent(proxy) == [[{"role": "user", "content": "What makes snow white?"}]]


def test_ask_mode_sends_exactly_what_was_previewed(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    previews: list[Routed] = []
    events = list(a.turn(chat.id, "Name three planets.", cloud_mode="ask",
                         confirm=lambda r: previews.append(r) or True))
    (preview,) = previews
    assert isinstance(events[-1], Done) and events[0].route == "cloud"
    assert _sent(proxy) == [[{"role": "user", "content": preview.outbound_text}]]
    assert [e["text"] for e in AuditLog().entries()] == [preview.outbound_text]


def test_cloud_error_fails_cleanly_then_answers_locally(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    proxy.fail.extend([500])
    events = list(a.turn(chat.id, "How far away is the Moon?"))
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "CloudError", failed
    assert "server error" in failed.message and "locally" in (failed.hint or "")
    assert [m.role for m in chats.messages(chat.id)] == ["user"]  # the question is kept
    (entry,) = AuditLog().entries()  # the attempt was recorded before it was made
    assert entry["outcome"]["delivered"] is True and "HTTP 500" in entry["outcome"]["detail"]  # it arrived

    n_requests = len(proxy.received)
    events = list(a.regenerate(chat.id, answer_locally=True))
    assert events[0].route == "local" and isinstance(events[-1], Done) and events[-1].backend == "CPU"
    assert len(proxy.received) == n_requests  # nothing more went out
    msgs = chats.messages(chat.id)
    assert [m.role for m in msgs] == ["user", "assistant"] and msgs[1].route == "local"


def test_unreachable_provider_is_logged_as_not_delivered(host, chats) -> None:
    """The app's audit view must not say a message was sent when nothing arrived."""
    import socket

    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = Config(model=host.settings, cloud=CloudSettings(mode="auto", base_url=f"http://127.0.0.1:{port}/v1",
                                                         max_retries=0, timeout_s=10, fallback_local=False))
    a = Assistant(cfg, chats, host, router=PrivacyRouter(PrivacySettings(use_ner=False)),
                  cloud=lambda: make_provider(cfg.cloud, keys={}))
    chat = chats.create()
    events = list(a.turn(chat.id, "How far away is the Moon?"))
    assert isinstance(events[-1], Failed) and events[-1].kind == "CloudError", events[-1]
    (entry,) = AuditLog().entries()
    assert entry["outcome"] == {"delivered": False, "time": entry["outcome"]["time"],
                                "detail": "could not connect to the provider: nothing was delivered"}
    result = AuditLog().verify()
    assert result.ok and (result.delivered, result.failed) == (0, 1)
    assert "0 message(s) reached" in result.summary() and "1 could not be delivered" in result.summary()


def test_documents_turn_never_reaches_the_cloud(proxy, host, chats) -> None:
    """With a collection attached the router keeps the turn local (retrieved chunks never leave)."""
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    events = list(a.turn(chat.id, "What do my notes say?", collection="notes"))
    # no document service in this session: a clear failure, and nothing was sent
    assert isinstance(events[-1], Failed) and events[-1].kind == "IndexError_"
    assert proxy.received == [] and not AuditLog().path.exists()


def test_cancel_during_a_cloud_answer_keeps_the_partial(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    seen: list[str] = []
    events = []
    for ev in a.turn(chat.id, "Write a long story about a brave knight and a dragon."):
        events.append(ev)
        if isinstance(ev, Token):
            seen.append(ev.text)
            if len(seen) == 2:
                a.cancel()
    done = events[-1]
    assert isinstance(done, Done) and done.cancelled, done
    assert done.text == "".join(seen) and len(seen) < 50
    saved = chats.messages(chat.id)[-1]
    assert (saved.status, saved.route, saved.content) == ("cancelled", "cloud", done.text)


def test_cancel_during_the_preview_sends_nothing(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()

    def confirm_then_stop(routed: Routed) -> bool:
        a.cancel()  # the person pressed Stop while the preview was open, then confirmed
        return True

    events = list(a.turn(chat.id, "Name three planets.", cloud_mode="ask", confirm=confirm_then_stop))
    assert isinstance(events[-1], Done) and events[-1].cancelled and events[-1].message_id is None
    assert proxy.received == [] and not AuditLog().path.exists()
    assert [m.role for m in chats.messages(chat.id)] == ["user"]


def test_unanswered_question_is_merged_not_sent_as_two_user_turns(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    proxy.fail.extend([503])
    assert isinstance(list(a.turn(chat.id, "How far away is the Moon?"))[-1], Failed)
    events = list(a.turn(chat.id, "And the Sun?"))
    assert isinstance(events[-1], Done), events[-1]
    last = _sent(proxy)[-1]
    assert last == [{"role": "user", "content": "How far away is the Moon?\n\nAnd the Sun?"}]
    assert AuditLog().entries()[-1]["text"] == last[0]["content"]  # the audit holds exactly what went out


# -- Anthropic messages API (echoing loopback server: placeholders come back and must be restored) --

@pytest.fixture
def anthropic_server():
    from tests.support.anthropic_server import AnthropicServer

    with AnthropicServer() as server:
        yield server


def _anthropic_assistant(server, host, chats) -> Assistant:
    cfg = Config(model=host.settings, cloud=CloudSettings(mode="auto", provider="anthropic", model="claude-test",
                                                         base_url=server.url, max_retries=0, timeout_s=30))
    return Assistant(cfg, chats, host, router=PrivacyRouter(PrivacySettings(use_ner=False)),
                     cloud=lambda: make_provider(cfg.cloud, keys={"anthropic": "sk-ant-test"}))


def test_anthropic_echo_is_restored_across_split_chunks(anthropic_server, host, chats) -> None:
    a = _anthropic_assistant(anthropic_server, host, chats)
    chat = chats.create()
    events = list(a.turn(chat.id, f"Forward this to {EMAIL} please."))
    assert events[0].route == "redacted" and isinstance(events[-1], Done), events[-1]
    # the server echoed "[EMAIL_1]" in 3-character pieces; the answer shows the real address
    assert events[-1].text == f"You said: Forward this to {EMAIL} please."
    assert events[-1].backend == "cloud:anthropic"
    (req,) = anthropic_server.received
    assert EMAIL not in json.dumps(req.body)
    assert req.body["messages"] == [{"role": "user", "content": "Forward this to [EMAIL_1] please."}]
    assert chats.messages(chat.id)[-1].content == events[-1].text


def test_anthropic_dropped_connection_keeps_the_partial_as_failed(anthropic_server, host, chats) -> None:
    anthropic_server.drop_after = 3
    a = _anthropic_assistant(anthropic_server, host, chats)
    chat = chats.create()
    events = list(a.turn(chat.id, "Tell me about the tides, in some detail."))
    assert isinstance(events[-1], Failed) and events[-1].kind == "CloudError", events[-1]
    assert "locally" in (events[-1].hint or "")
    partial = "".join(e.text for e in events if isinstance(e, Token))
    msgs = chats.messages(chat.id)
    assert msgs[0].content == "Tell me about the tides, in some detail."
    assert partial == "You said:"  # three 3-character pieces arrived before the drop
    assert (msgs[-1].role, msgs[-1].status, msgs[-1].content) == ("assistant", "failed", partial)


# -- a model server off this machine is cloud unless the person marked it trusted -------------------

def test_an_untrusted_model_server_gets_only_routed_text(proxy, chats, starter_gguf, monkeypatch) -> None:
    """v1 sent every message, private ones included, to model.remote_url as typed."""
    from engine.cloud import zones
    from engine.inference.remote import RemoteHost

    # The loopback server stands in for one on another machine (tests bind 127.0.0.1 only).
    monkeypatch.setattr(zones, "is_loopback_url", lambda url: False)
    settings = ModelSettings(remote_url=proxy.url + "/v1", n_ctx=1024, max_tokens=12, temperature=0.0)
    remote = RemoteHost(InstalledModel("smollm2", starter_gguf, "starter"), settings)
    cfg = Config(model=settings)  # cloud escalation off: the server is routed anyway
    a = Assistant(cfg, chats, remote, router=PrivacyRouter(PrivacySettings()))
    proxy.received.clear()
    chat = chats.create()

    blocked = list(a.turn(chat.id, "I was diagnosed with epilepsy in May; can I still drive to work?"))
    assert isinstance(blocked[-1], Failed) and blocked[-1].kind == "PrivacyBlocked", blocked[-1]
    assert "trusted" in (blocked[-1].hint or "")
    assert not _sent(proxy)  # not a word of it reached the server

    events = list(a.turn(chat.id, "Write a two-line note to my neighbour Tobias Wendler about the fence."))
    assert events[0].route == "redacted" and events[0].zone == "cloud", events[0]
    assert isinstance(events[-1], Done), events[-1]
    (sent,) = _sent(proxy)
    assert "Wendler" not in json.dumps(sent) and "Tobias" not in json.dumps(sent)
    (entry,) = AuditLog().entries()
    assert entry["zone"] == "cloud" and entry["provider"].startswith("server ")

    trusted = Assistant(Config(model=settings.model_copy(update={"remote_trusted": True})), chats, remote,
                        router=PrivacyRouter(PrivacySettings()))
    events = list(trusted.turn(chats.create().id, "I was diagnosed with epilepsy in May; can I still drive to work?"))
    assert events[0].route == "local" and events[0].zone == "trusted" and isinstance(events[-1], Done)
    assert "epilepsy" in json.dumps(_sent(proxy)[-1])  # the person said this server may see it
    # the answer says where it was written: never "on this computer" for the team server's answer
    assert events[0].provider and "trusted by you" in events[0].provider
    assert chats.get_message(events[-1].message_id).provider == events[0].provider  # and so does the saved one


def test_unreachable_cloud_is_answered_here_and_says_so(host, chats, starter_gguf) -> None:
    from tests.support.openai_server import free_port

    cfg = Config(model=host.settings, cloud=CloudSettings(mode="auto", base_url=f"http://127.0.0.1:{free_port()}/v1",
                                                         max_retries=0, timeout_s=5))
    a = Assistant(cfg, chats, host, router=PrivacyRouter(PrivacySettings(use_ner=False)),
                  cloud=lambda: make_provider(cfg.cloud, keys={}))
    chat = chats.create()
    events = list(a.turn(chat.id, "How far away is the Moon?"))
    assert events[0].route == "cloud"
    local = [e for e in events if isinstance(e, Routed)][-1]
    assert local.route == "local" and "answered on this computer instead" in local.reasons[0]
    assert isinstance(events[-1], Done) and events[-1].backend == "CPU", events[-1]
    answer = chats.messages(chat.id)[-1]
    assert answer.route == "local" and "Could not reach" in answer.reasons[0]

    off = Assistant(cfg.model_copy(update={"cloud": cfg.cloud.model_copy(update={"fallback_local": False})}), chats,
                    host, router=PrivacyRouter(PrivacySettings(use_ner=False)), cloud=lambda: make_provider(cfg.cloud, keys={}))
    events = list(off.turn(chats.create().id, "How far away is the Sun?"))
    assert isinstance(events[-1], Failed) and events[-1].kind == "CloudError"


def test_redacted_first_message_titles_the_chat_in_its_redacted_form(proxy, host, chats) -> None:
    a = _assistant(proxy, host, chats)
    chat = chats.create()
    list(a.turn(chat.id, f"Please write a short greeting to {EMAIL} about lunch."))
    assert chats.get(chat.id).title == "Please write a short greeting to [EMAIL_1] about lunch."
