"""``core.model_server`` and `hearth models server-test|server-key` against a real keyed
``llama_cpp.server`` on loopback (SmolLM2): the key, the listed models, the zone in words."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.config import Config
from engine.core import Core
from tests.support.openai_server import LlamaServer

pytestmark = pytest.mark.slow
KEY = "team-secret-456"


@pytest.fixture(scope="module")
def keyed_server(starter_gguf: Path):
    with LlamaServer(starter_gguf, n_ctx=512, api_key=KEY) as srv:
        yield srv


def test_test_connection_lists_models_with_the_stored_key(keyed_server: LlamaServer) -> None:
    url = keyed_server.url + "/v1"
    core = Core(Config())
    assert not core.model_server.test(url).ok  # nothing stored yet
    core.model_server.set_key(url, KEY)
    assert core.model_server.has_key(url)
    check = core.model_server.test(url)
    assert check.ok and check.models and check.model == check.models[0], check
    assert check.zone == "this machine" and check.zone_text == "this computer"
    assert "Connected" in check.summary() and check.model in check.summary()
    assert core.model_server.delete_key(url) and not core.model_server.has_key(url)


def test_a_wrong_key_is_a_helpful_result_not_an_exception(keyed_server: LlamaServer) -> None:
    url = keyed_server.url + "/v1"
    check = Core(Config()).model_server.test(url, key="nope")
    assert not check.ok and not check.models
    assert url in check.problem and "refused the key" in check.problem and "Check the model server's key" in check.problem
    assert check.summary().startswith("Not connected:")


def test_zone_and_plain_http_refusal_for_a_server_off_this_machine() -> None:
    ops = Core(Config()).model_server
    check = ops.test("http://192.0.2.1:8080/v1", trusted=True)  # TEST-NET: refused before any connection
    assert not check.ok and "plain http://" in check.problem and "allow plain http" in check.problem
    assert check.zone == "trusted" and check.zone_text == "192.0.2.1 (trusted by you)"
    untrusted = ops.test("https://192.0.2.1/v1", trusted=False, timeout_s=0.5)
    assert untrusted.zone == "cloud" and "treated like a cloud service" in untrusted.zone_text


def test_cli_server_test_prints_models_and_zone(keyed_server: LlamaServer, capsys, monkeypatch) -> None:
    url = keyed_server.url + "/v1"
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert main(["models", "server-key", url]) == 0
    assert "stored in the system keyring" in capsys.readouterr().out
    assert main(["models", "server-test", url]) == 0
    out = capsys.readouterr().out
    assert "Zone: this computer" in out and "Models: " in out and "Connected" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert main(["models", "server-test", url, "--key-stdin"]) == 1
    captured = capsys.readouterr()
    assert "Not connected" in captured.out and "refused the key" in captured.out
    assert "Traceback" not in captured.out + captured.err
    assert main(["models", "server-key", url, "--delete"]) == 0 and "Key removed" in capsys.readouterr().out


def test_status_line_names_the_zone_of_the_answering_model() -> None:
    cfg = Config()
    local = Core(cfg)
    assert local.model_status() == f"Model: {cfg.model.default}"
    cfg.model.remote_url, cfg.model.remote_trusted = "https://gpu-box.lan/v1", True
    assert Core(cfg).model_status() == f"Model: team server (trusted) · {cfg.model.default}"
    cfg.model.remote_trusted = False
    assert "not trusted (treated as cloud)" in Core(cfg).model_status()


def test_status_line_names_the_served_model_once_connected(keyed_server: LlamaServer) -> None:
    cfg = Config()
    cfg.model.remote_url = keyed_server.url + "/v1"
    core = Core(cfg)
    core.model_server.set_key(cfg.model.remote_url, KEY)
    try:
        core.load_model()
        served = core.current_host.model_name
        assert served and core.model_status() == f"Model: {served} (server on this computer)"
    finally:
        core.close()
