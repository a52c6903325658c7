"""The OpenAI-compatible path against a real server: ``llama_cpp.server`` running SmolLM2 on
loopback, behind a recording proxy that shows exactly what arrived."""

from __future__ import annotations

import pytest

from engine.cloud.audit import AuditLog
from engine.cloud.escalate import stream_cloud_answer
from engine.cloud.providers import OpenAIProvider, make_provider
from engine.cloud.usage import UsageStore
from engine.config import CloudPrices, CloudSettings, PrivacySettings
from engine.errors import CloudAuthError, CloudRateLimited, CloudUnavailable
from engine.privacy import PrivacyRouter
from tests.support.openai_server import LlamaServer, RecordingProxy

pytestmark = pytest.mark.slow

SENSITIVE = ("Draft a reply to Hanisha Kowalczyk (hanisha.k@fastmail.fm, +1 415 555 0132) saying the "
             "contract review moves to Friday.")
SPANS = ("Hanisha", "Kowalczyk", "hanisha.k@fastmail.fm", "555 0132", "fastmail")


@pytest.fixture(scope="module")
def llama(starter_gguf):
    with LlamaServer(starter_gguf, n_ctx=1024) as server:
        yield server


@pytest.fixture
def proxy(llama):
    with RecordingProxy(llama.url) as p:
        yield p


@pytest.fixture(scope="module")
def router() -> PrivacyRouter:
    r = PrivacyRouter(PrivacySettings())
    r.warm_up()
    return r


def _provider(proxy, retries: int = 0) -> OpenAIProvider:
    settings = CloudSettings(mode="auto", provider="openai", model="smollm2", base_url=proxy.url + "/v1",
                             max_retries=retries, timeout_s=60)
    p = OpenAIProvider(settings, "sk-test-key")
    p.max_tokens = 24
    return p


def test_redacted_message_reaches_real_server_without_spans(router, proxy, hearth_home):
    decision = router.route(SENSITIVE)
    assert decision.route == "redacted"
    audit, usage = AuditLog(), UsageStore()
    answer = "".join(stream_cloud_answer(decision, _provider(proxy), audit=audit, usage=usage))
    assert answer.strip()  # the real model answered, streamed through the proxy
    [req] = [r for r in proxy.received if r.path.endswith("/chat/completions")]
    wire = str(req.body)
    for span in SPANS:
        assert span not in wire
    assert req.body["messages"] == [{"role": "user", "content": decision.outbound}]
    assert req.body["stream"] is True and req.headers["authorization"] == "Bearer sk-test-key"
    # What the audit log says was sent is what the server received.
    assert audit.entries()[-1]["text"] == req.body["messages"][-1]["content"]
    [row] = usage.report(CloudPrices())
    assert row.provider == "openai" and row.output_tokens > 0


def test_public_question_is_sent_verbatim(router, proxy):
    decision = router.route("Compose a limerick about a sleepy cat.")
    assert decision.route == "cloud"
    answer = "".join(stream_cloud_answer(decision, _provider(proxy)))
    assert answer.strip()
    assert proxy.received[-1].body["messages"][-1]["content"] == "Compose a limerick about a sleepy cat."


@pytest.mark.parametrize("status, error", [(401, CloudAuthError), (429, CloudRateLimited), (500, CloudUnavailable)])
def test_errors_from_the_endpoint(proxy, status, error):
    proxy.fail = [status]
    with pytest.raises(error):
        list(_provider(proxy).stream([{"role": "user", "content": "hi"}]))


def test_retry_recovers_from_a_500(proxy):
    proxy.fail = [500]
    out = "".join(_provider(proxy, retries=1).stream([{"role": "user", "content": "Say hi."}]))
    assert out.strip() and len(proxy.received) == 2


def test_keyless_custom_endpoint_works_without_a_keyring(proxy, fail_keyring):
    # A self-hosted OpenAI-compatible server may need no key, and such a machine may have no
    # keyring; the official endpoints still require a stored key.
    from engine.errors import KeyringUnavailable

    settings = CloudSettings(mode="auto", provider="openai", model="m", base_url=proxy.url + "/v1")
    provider = make_provider(settings)
    provider.max_tokens = 8
    assert "".join(provider.stream([{"role": "user", "content": "Say hi."}])).strip()
    assert proxy.received[-1].headers["authorization"] == "Bearer no-key"
    with pytest.raises(KeyringUnavailable):
        make_provider(CloudSettings(mode="auto", provider="anthropic", model="m"))


def test_keyless_custom_endpoint_with_keyring(proxy, memory_keyring):
    settings = CloudSettings(mode="auto", provider="openai", model="m", base_url=proxy.url + "/v1")
    assert make_provider(settings).api_key == "no-key"
