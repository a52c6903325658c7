"""The Anthropic path end to end against a loopback messages-API server that records requests."""

from __future__ import annotations

import threading

import pytest

from engine.cloud.audit import AuditLog
from engine.cloud.escalate import outbound_messages, stream_cloud_answer
from engine.cloud.providers import AnthropicProvider, make_provider
from engine.cloud.usage import UsageStore
from engine.config import CloudPrices, CloudSettings, PrivacySettings
from engine.errors import CloudAuthError, CloudRateLimited, CloudUnavailable, PrivacyBlocked
from engine.privacy import PrivacyRouter
from tests.support.anthropic_server import AnthropicServer

SENSITIVE = ("Could you draft a note to my plumber Tomasz Okonjo at t.okonjo@fastmail.fm, copying +44 7700 900123, "
             "about the leaking valve?")
SPANS = ("Tomasz", "Okonjo", "t.okonjo@fastmail.fm", "7700 900123", "fastmail")


@pytest.fixture(scope="module")
def router() -> PrivacyRouter:
    r = PrivacyRouter(PrivacySettings())
    r.warm_up()
    return r


@pytest.fixture
def server():
    with AnthropicServer() as s:
        yield s


def _provider(server, retries: int = 0) -> AnthropicProvider:
    settings = CloudSettings(mode="auto", provider="anthropic", model="claude-test", base_url=server.url,
                             max_retries=retries, timeout_s=10)
    p = AnthropicProvider(settings, "sk-ant-test")
    p.max_tokens = 64
    return p


def test_sensitive_spans_never_arrive_and_answer_is_restored(router, server, hearth_home):
    decision = router.route(SENSITIVE)
    assert decision.route == "redacted"
    audit, usage = AuditLog(), UsageStore()
    answer = "".join(stream_cloud_answer(decision, _provider(server), audit=audit, usage=usage, system="Be brief."))
    [req] = server.received
    wire = str(req.body)
    for span in SPANS:
        assert span not in wire
    assert req.body["system"] == "Be brief." and req.body["stream"] is True
    assert req.body["messages"] == [{"role": "user", "content": decision.outbound}]
    assert "sk-ant-test" in (req.headers.get("x-api-key", "") + req.headers.get("authorization", ""))
    # The echo server answers with the placeholders, split into 3-character pieces; they come back restored.
    assert answer == "You said: " + SENSITIVE
    [entry] = audit.entries()
    assert entry["text"] == decision.outbound and entry["provider"] == "anthropic" and audit.verify().ok
    [row] = usage.report(CloudPrices())
    assert row.kind == "cloud" and row.output_tokens > 0


def test_local_decision_is_never_sent(router, server):
    decision = router.route("My SSN is 219-09-9999, fill in the W-4 for me.")
    with pytest.raises(PrivacyBlocked):
        list(stream_cloud_answer(decision, _provider(server)))
    assert server.received == []


@pytest.mark.parametrize("status, error", [(401, CloudAuthError), (429, CloudRateLimited), (500, CloudUnavailable)])
def test_server_errors_map_to_cloud_errors(router, server, status, error):
    server.fail = [status] * 5
    with pytest.raises(error) as err:
        list(_provider(server).stream([{"role": "user", "content": "hi"}]))
    assert "locally" in err.value.hint


def test_retry_with_backoff_recovers_from_one_server_error(server):
    server.fail = [500]
    out = "".join(_provider(server, retries=2).stream([{"role": "user", "content": "hello"}]))
    assert out == "You said: hello" and len(server.received) == 2


def test_unreachable_server_is_cloud_unavailable():
    settings = CloudSettings(mode="auto", provider="anthropic", model="m", base_url="http://127.0.0.1:9",
                             max_retries=0, timeout_s=2)
    with pytest.raises(CloudUnavailable):
        list(AnthropicProvider(settings, "k").stream([{"role": "user", "content": "hi"}]))


def test_cancel_stops_the_stream(server):
    server.reply = lambda body: "word " * 400
    p = _provider(server)
    got = []
    for piece in p.stream([{"role": "user", "content": "long please"}]):
        got.append(piece)
        if len(got) == 5:
            threading.Thread(target=p.cancel).start()
            p.cancel()
    assert 5 <= len(got) < 100


def test_make_provider_needs_key_and_mode(memory_keyring):
    settings = CloudSettings(mode="auto", provider="anthropic", model="m")
    with pytest.raises(CloudAuthError):
        make_provider(settings)
    memory_keyring.set_password("hearth-cloud", "anthropic", "sk-ant-x")
    assert make_provider(settings).api_key == "sk-ant-x"


def test_outbound_messages_include_only_clean_history(router):
    history = [{"role": "user", "content": "What is a haiku?"}, {"role": "assistant", "content": "A short poem."}]
    decision = router.route("Write one about rain.", history=history)
    assert outbound_messages(decision) == [*history, {"role": "user", "content": "Write one about rain."}]
    assert outbound_messages(decision, send_history=False) == [{"role": "user", "content": "Write one about rain."}]


def test_server_vanishing_mid_stream_is_cloud_unavailable(server):
    server.reply = lambda body: "a fairly long answer " * 20
    server.drop_after = 4
    got = []
    with pytest.raises(CloudUnavailable) as err:
        for piece in _provider(server).stream([{"role": "user", "content": "hi"}]):
            got.append(piece)
    assert len(got) == 4 and "locally" in err.value.hint


def test_failed_audit_write_means_nothing_is_sent(router, server, monkeypatch, hearth_home):
    import errno

    from engine.errors import StorageError

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("engine.cloud.audit.os.fsync", no_space)
    decision = router.route("Compose a limerick about a sleepy cat.")
    with pytest.raises(StorageError):
        list(stream_cloud_answer(decision, _provider(server), audit=AuditLog()))
    assert server.received == []
