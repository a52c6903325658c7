"""The API goes through the same router and audit as the app: a client cannot choose a cloud
route, and what the settings allow out is routed, audited and restored. The "cloud" is a
loopback server speaking the Anthropic messages API that records what it received."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from engine.cloud.providers import make_provider
from engine.config import CloudSettings, Config, ModelSettings, PrivacySettings
from engine.core import Core
from engine.paths import Paths
from engine.serve.server import api_server
from tests.support.anthropic_server import AnthropicServer

pytestmark = pytest.mark.slow

TOKEN = "privacy-test-token-" + "y" * 20
MODEL = ModelSettings(n_ctx=1024, n_threads=1, n_gpu_layers=0, temperature=0.0, seed=3, max_tokens=8)


@pytest.fixture(scope="module")
def cloud():
    with AnthropicServer() as server:
        yield server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, starter_gguf: Path, cloud: AnthropicServer):
    root = tmp_path_factory.mktemp("api-privacy")
    paths = Paths(config_dir=root / "cfg", data_dir=root / "data", log_dir=root / "logs")
    core = Core(Config(model=MODEL, privacy=PrivacySettings(use_ner=False)), paths=paths,
                cloud=lambda: make_provider(core.config.cloud, keys={"anthropic": "sk-ant-test"}))
    core.load_model()
    server, _tokens = api_server(core, TOKEN, port=0)
    server.start()
    yield core, server
    server.stop()
    core.close()


def _mode(core: Core, cloud: AnthropicServer, mode: str) -> None:
    cfg = core.config
    cfg.cloud = CloudSettings(mode=mode, provider="anthropic", model="claude-test", base_url=cloud.url,
                              max_retries=0, timeout_s=30)
    core.update_settings(cfg, save=False)
    cloud.received.clear()


@pytest.fixture
def client(served) -> openai.OpenAI:
    return openai.OpenAI(base_url=served[1].url + "/v1", api_key=TOKEN, max_retries=0, timeout=120)


def test_cloud_off_in_settings_means_no_client_can_send(served, cloud, client) -> None:
    core, _ = served
    _mode(core, cloud, "off")
    r = client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": "Why is the sky blue?"}],
                                       extra_body={"hearth": {"cloud_mode": "auto", "route": "cloud"}})
    assert r.model_extra["hearth"]["route"] == "local"
    assert cloud.received == []
    assert not core.paths.audit_log.exists() or core.audit.details().total == 0


def test_auto_mode_sends_a_public_question_through_the_one_send_path(served, cloud, client) -> None:
    core, _ = served
    _mode(core, cloud, "auto")
    before = core.audit.details().total
    r = client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": "Why is the sky blue?"}])
    ext = r.model_extra["hearth"]
    assert ext["route"] == "cloud" and ext["provider"] == "anthropic" and ext["zone"] == "cloud"
    assert r.choices[0].message.content == "You said: Why is the sky blue?"
    (got,) = cloud.received
    assert got.body["messages"] == [{"role": "user", "content": "Why is the sky blue?"}]
    details = core.audit.details()
    assert details.total == before + 1 and details.ok
    assert details.entries[-1].text == "Why is the sky blue?" and details.entries[-1].provider == "anthropic"
    assert core.audit.find_sent("Why is the sky blue?") == details.entries[-1]


def test_a_sensitive_question_stays_here_even_in_auto_mode(served, cloud, client) -> None:
    core, _ = served
    _mode(core, cloud, "auto")
    r = client.chat.completions.create(model="hearth", messages=[
        {"role": "user", "content": "I was diagnosed with HIV last year, what should I eat?"}])
    assert r.model_extra["hearth"]["route"] == "local"
    assert any("health" in reason for reason in r.model_extra["hearth"]["reasons"])
    assert cloud.received == []


def test_earlier_messages_count_as_private_and_are_never_sent(served, cloud, client) -> None:
    core, _ = served
    _mode(core, cloud, "auto")
    r = client.chat.completions.create(model="hearth", messages=[
        {"role": "user", "content": "My neighbour Tom Baker has been drinking again."},
        {"role": "assistant", "content": "I am sorry to hear that."},
        {"role": "user", "content": "How can I help him?"}])
    assert r.model_extra["hearth"]["route"] == "local"  # a follow-up to a turn the cloud never saw
    for got in cloud.received:  # whatever went out, the earlier private turn never did
        assert "Tom Baker" not in str(got.body)


def test_ask_mode_has_nobody_to_confirm_so_nothing_is_sent(served, cloud, client) -> None:
    core, _ = served
    _mode(core, cloud, "ask")
    r = client.chat.completions.create(model="hearth", messages=[{"role": "user", "content": "Why is grass green?"}])
    ext = r.model_extra["hearth"]
    assert ext["route"] == "local" and "confirmation" in ext["reasons"][0]
    assert cloud.received == []
