"""Team model server access: plain http only on loopback, the key from the keyring, the model name.

Against a real ``llama_cpp.server`` on loopback started with ``--api_key`` (SmolLM2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cloud.keys import endpoint_name, model_server_keys
from engine.config import Config, ModelSettings, validate_settings
from engine.errors import ConfigError, ModelLoadError
from engine.inference.remote import RemoteHost
from tests.engine.inference.helpers import model_for
from tests.support.openai_server import LlamaServer

KEY = "team-secret-123"


@pytest.fixture(scope="module")
def keyed_server(starter_gguf: Path):
    with LlamaServer(starter_gguf, n_ctx=512, api_key=KEY) as srv:
        yield srv


def _settings(url: str, **kw) -> ModelSettings:
    return ModelSettings(remote_url=url, n_ctx=512, max_tokens=8, temperature=0.0, **kw)


# -- plain http only to this computer -------------------------------------------------------------
def test_settings_refuse_plain_http_to_another_machine_and_say_how_to_allow_it() -> None:
    data = Config().model_dump(mode="json")
    data["model"].update(remote_url="http://gpu-box.lan:8080/v1")
    with pytest.raises(ConfigError) as err:
        validate_settings(data)
    assert "plain http://" in err.value.message and "gpu-box.lan" in err.value.message
    assert "remote_allow_http" in err.value.message and "https://" in err.value.message
    data["model"]["remote_allow_http"] = True  # the person allowed it for this endpoint
    assert validate_settings(data).model.remote_allow_http is True
    for ok in ("https://gpu-box.lan/v1", "http://127.0.0.1:8080/v1", "http://localhost:1/v1", "http://[::1]:8/v1"):
        data["model"].update(remote_url=ok, remote_allow_http=False)
        validate_settings(data)
    data["model"].update(remote_url="ftp://gpu-box.lan/v1")
    with pytest.raises(ConfigError, match="not an http:// or https:// URL"):
        validate_settings(data)


def test_a_settings_file_from_before_the_rule_keeps_its_other_settings_and_warns(tmp_path: Path) -> None:
    """The rule refuses a save; a file written before it existed is not thrown away for it."""
    from engine.config import load_config, save_config
    from engine.paths import Paths

    paths = Paths(config_dir=tmp_path, data_dir=tmp_path / "data", log_dir=tmp_path / "logs")
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text('[model]\nremote_url = "http://gpu-box.lan:8080/v1"\nmax_tokens = 77\n', encoding="utf-8")
    loaded = load_config(paths)
    assert loaded.problem is None and loaded.config.model.max_tokens == 77
    assert any("plain http://" in w for w in loaded.warnings)
    with pytest.raises(ConfigError, match="plain http://"):
        save_config(loaded.config, paths)
    assert "max_tokens = 77" in paths.config_file.read_text(encoding="utf-8")  # not rewritten


def test_remote_host_refuses_plain_http_off_this_machine_before_connecting(starter_gguf: Path) -> None:
    # 192.0.2.1 is TEST-NET: nothing answers there, so only the refusal can end this quickly.
    host = RemoteHost(model_for(starter_gguf), _settings("http://192.0.2.1:8080/v1"), timeout_s=2)
    with pytest.raises(ModelLoadError, match="plain http://"):
        host.load()
    assert not host.loaded


# -- the key --------------------------------------------------------------------------------------
def test_key_from_the_keyring_is_sent_as_the_bearer(keyed_server: LlamaServer, starter_gguf: Path) -> None:
    url = keyed_server.url + "/v1"
    model_server_keys().set(endpoint_name(url + "/"), KEY)  # stored under the endpoint, slash or not
    with RemoteHost(model_for(starter_gguf), _settings(url)) as host:
        host.load()
        assert host.served and "".join(host.stream_chat([{"role": "user", "content": "Hi"}])).strip()


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_missing_or_wrong_key_is_a_clear_error(keyed_server: LlamaServer, starter_gguf: Path, key) -> None:
    url = keyed_server.url + "/v1"
    if key:
        model_server_keys().set(endpoint_name(url), key)
    with pytest.raises(ModelLoadError) as err:
        RemoteHost(model_for(starter_gguf), _settings(url)).load()
    text = err.value.user_text()
    assert url in text and "key" in text and "HTTP 401" in text
    assert ("refused the key" if key else "none is stored") in text
    assert "Check the model server's key" in err.value.hint
    assert "Traceback" not in text and "{" not in text  # the person's words, not the server's body


def test_a_key_stored_for_another_endpoint_is_not_sent(keyed_server: LlamaServer, starter_gguf: Path) -> None:
    model_server_keys().set(endpoint_name("http://127.0.0.1:1/v1"), KEY)
    with pytest.raises(ModelLoadError, match="none is stored"):
        RemoteHost(model_for(starter_gguf), _settings(keyed_server.url + "/v1")).load()


# -- which served model ---------------------------------------------------------------------------
def test_remote_model_picks_the_served_model_or_names_the_choices(keyed_server: LlamaServer,
                                                                  starter_gguf: Path) -> None:
    url = keyed_server.url + "/v1"
    with RemoteHost(None, _settings(url), api_key=KEY) as host:
        host.load()
        first = host.served[0]
        assert host.model_name == first  # default: the first the server lists
    with RemoteHost(model_for(starter_gguf), _settings(url, remote_model=first), api_key=KEY) as host:
        info = host.load()
        assert host.model_name == first and not info.notes  # asked for by name: no "does not serve" note
    with pytest.raises(ModelLoadError) as err:
        RemoteHost(None, _settings(url, remote_model="no-such-model"), api_key=KEY).load()
    assert "no-such-model" in err.value.message and first in err.value.message


# -- TLS is verified ------------------------------------------------------------------------------
@pytest.fixture
def tls_proxy(keyed_server: LlamaServer, tmp_path: Path):
    """The keyed server behind an https:// proxy on loopback with a self-signed certificate."""
    import ssl
    import subprocess

    from tests.support.openai_server import RecordingProxy

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    proxy = RecordingProxy(keyed_server.url)
    httpd = proxy._server._httpd
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    with proxy:
        yield proxy.url.replace("http://", "https://") + "/v1", cert


def test_https_certificate_is_verified_and_a_private_ca_goes_in_via_ssl_cert_file(
        tls_proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    url, cert = tls_proxy
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(ModelLoadError) as err:
        RemoteHost(None, _settings(url), api_key=KEY, timeout_s=10).load()
    assert "certificate Hearth cannot verify" in err.value.message and "SSL_CERT_FILE" in err.value.hint
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the person's own CA: now it is trusted
    with RemoteHost(None, _settings(url), api_key=KEY, timeout_s=30) as host:
        host.load()
        assert host.served
