"""Settings → Model's team server fields against a real keyed ``llama_cpp.server`` on loopback:
plain-http permission, the key (keyring only), the model name and "Test connection"."""

from __future__ import annotations

import tomllib
from pathlib import Path

import keyring
import pytest

from desktop.app import build_window
from engine.config import load_config, save_config
from tests.desktop.conftest import test_config, wait_until
from tests.support.openai_server import LlamaServer

pytestmark = pytest.mark.slow
KEY = "desk-secret-789"
SERVICE = "hearth-model-server"


@pytest.fixture(scope="module")
def keyed_server(starter_gguf: Path):
    with LlamaServer(starter_gguf, n_ctx=512, api_key=KEY) as srv:
        yield srv


@pytest.fixture
def dlg(qapp, hearth_home: Path):
    save_config(test_config())
    w = build_window(load_config(), start=False)  # settings need no model
    yield w.open_settings()
    w.close()


def _save(dlg, qtbot) -> None:
    with qtbot.waitSignal(dlg.saved, timeout=10_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()


def test_plain_http_off_this_machine_needs_the_checkbox(dlg, hearth_home, qtbot) -> None:
    s = dlg.server
    assert not s.allow_http.isEnabled()  # no server: nothing to allow
    s.url.setText("http://127.0.0.1:8080/v1")
    assert not s.allow_http.isEnabled()  # loopback: plain http is fine
    s.url.setText("https://gpu-box.lan/v1")
    assert not s.allow_http.isEnabled()  # https: verified TLS
    s.url.setText("http://gpu-box.lan:8080/v1")
    assert s.allow_http.isEnabled()
    dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    assert dlg.problem.isVisible() and "plain http://" in dlg.problem.text() and "allow plain http" in dlg.problem.text()
    assert not (hearth_home / "config.toml").read_text().count("gpu-box")
    s.allow_http.setChecked(True)
    _save(dlg, qtbot)
    raw = tomllib.loads((hearth_home / "config.toml").read_text())["model"]
    assert raw["remote_url"] == "http://gpu-box.lan:8080/v1" and raw["remote_allow_http"] is True


def test_key_goes_to_the_keyring_on_save_and_never_to_the_file(dlg, hearth_home, qtbot) -> None:
    url = "https://gpu-box.lan/v1"
    dlg.server.url.setText(url)
    assert dlg.server.key.echoMode() == dlg.server.key.EchoMode.Password
    dlg.server.key.setText(KEY)
    dlg.server.model.setText("big-model")
    _save(dlg, qtbot)
    assert keyring.get_password(SERVICE, url) == KEY
    text = (hearth_home / "config.toml").read_text()
    assert KEY not in text and tomllib.loads(text)["model"]["remote_model"] == "big-model"


def test_empty_key_keeps_the_stored_one_and_forget_removes_it(qapp, hearth_home, qtbot) -> None:
    url = "https://gpu-box.lan/v1"
    keyring.set_password(SERVICE, url, KEY)
    save_config(test_config(model={"remote_url": url}))
    w = build_window(load_config(), start=False)
    try:
        d = w.open_settings()
        wait_until(lambda: "is stored" in d.server.key_status.text(), 10, "the stored-key note")
        _save(d, qtbot)  # key field left empty
        assert keyring.get_password(SERVICE, url) == KEY
        d = w.open_settings()
        d.server.clear_key_btn.click()
        wait_until(lambda: "removed" in d.server.key_status.text(), 10, "the key removal")
        assert keyring.get_password(SERVICE, url) is None
    finally:
        w.close()


def test_test_connection_runs_on_a_worker_and_shows_models(dlg, keyed_server: LlamaServer, qtbot) -> None:
    s = dlg.server
    s.url.setText(keyed_server.url + "/v1")
    s.key.setText("wrong")
    with qtbot.waitSignal(s.tested, timeout=30_000) as got:
        s.test_btn.click()
        # the click returned at once: the UI thread is free while the worker connects
        assert s.test_result.text() == "Connecting…" and not s.test_btn.isEnabled()
    assert not got.args[0].ok
    assert "refused the key" in s.test_result.text() and "Check the model server's key" in s.test_result.text()
    s.key.setText(KEY)
    with qtbot.waitSignal(s.tested, timeout=30_000) as got:
        s.test_btn.click()
    check = got.args[0]
    assert check.ok and check.models
    assert "Connected" in s.test_result.text() and check.model in s.test_result.text()
    assert "this computer" in s.test_result.text() and s.test_btn.isEnabled()


def test_status_bar_shows_the_answering_server_and_its_zone(qapp, hearth_home, keyed_server: LlamaServer) -> None:
    from tests.desktop.conftest import open_window

    url = keyed_server.url + "/v1"
    keyring.set_password(SERVICE, url, KEY)
    w = open_window(test_config(model={"remote_url": url}))  # loads through the server, with the stored key
    try:
        served = w.services.core.current_host.model_name
        assert w.model_label.text() == f"Model: {served} (server on this computer)"
    finally:
        w.close()
