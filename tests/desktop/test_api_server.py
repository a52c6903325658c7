"""Settings → API server: the app serves the real local API (``core.api``, the server
``hearth serve`` runs) on the port chosen, with the keyring's token, which the person copies
(shown once when made) and can replace; requests are real HTTP from this test."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop.app import build_window
from engine.config import load_config, save_config
from tests.desktop.conftest import MemoryKeyring, test_config, wait_until


@pytest.fixture
def ring(monkeypatch):
    monkeypatch.delenv("HEARTH_API_TOKEN", raising=False)
    old = keyring.get_keyring()
    r = MemoryKeyring()
    keyring.set_keyring(r)
    yield r
    keyring.set_keyring(old)


@pytest.fixture
def idle_window(qapp, hearth_home: Path, ring):
    save_config(test_config())
    w = build_window(load_config(), start=False)
    yield w
    w.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_models(port: int, token: str | None) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            assert any(m["id"] == "hearth" for m in json.load(r)["data"])
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _show_api_tab(dlg) -> None:
    names = [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())]
    dlg.tabs.setCurrentIndex(names.index("API server"))


def _token_click(dlg, button, qtbot) -> str:
    before = dlg.token_note.text()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_until(lambda: QGuiApplication.clipboard().text() and button.isEnabled(), 20, "the token")
    assert dlg.token_note.text() != before or "copied" in before
    return QGuiApplication.clipboard().text()


def test_api_server_on_off_port_and_token_shown_once_and_rotated(idle_window, hearth_home, ring, qtbot):
    services = idle_window.services
    port = _free_port()
    dlg = idle_window.open_settings()
    _show_api_tab(dlg)
    wait_until(lambda: dlg.api_status.text() == "Off.", 10, "the server's state")
    QGuiApplication.clipboard().clear()
    dlg.api_enabled.setChecked(True)  # turning it on makes the token: shown (and copied) this once
    wait_until(lambda: dlg.token_field.isVisible(), 20, "the new token")
    first = dlg.token_field.text()
    assert first.startswith("hearth-") and QGuiApplication.clipboard().text() == first
    assert ring.get_password("hearth-api", "bearer-token") == first
    dlg.api_port.setValue(port)
    with qtbot.waitSignal(services.api_state, timeout=30_000) as sig:
        dlg.save()
    assert sig.args[0].running and sig.args[0].url == f"http://127.0.0.1:{port}/v1"
    saved = load_config().config.server
    assert saved.enabled and saved.port == port
    assert _get_models(port, None) == 401  # the token is required

    dlg = idle_window.open_settings()
    _show_api_tab(dlg)
    wait_until(lambda: f"http://127.0.0.1:{port}/v1" in dlg.api_status.text(), 10, "the server's address")
    assert not dlg.token_field.isVisible()  # not shown again
    assert _token_click(dlg, dlg.copy_token_btn, qtbot) == first  # only copied
    assert not dlg.token_field.isVisible() and dlg.token_field.text() == ""
    assert _get_models(port, first) == 200

    new = _token_click(dlg, dlg.rotate_token_btn, qtbot)
    assert new != first and dlg.token_field.isVisible() and dlg.token_field.text() == new
    assert _get_models(port, first) == 401  # the running server dropped the old token at once
    assert _get_models(port, new) == 200

    dlg.api_enabled.setChecked(False)
    with qtbot.waitSignal(services.api_state, timeout=30_000) as sig:
        dlg.save()
    assert not sig.args[0].running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_port_in_use_is_said_not_raised(idle_window, qtbot):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        dlg = idle_window.open_settings()
        dlg.api_enabled.setChecked(True)
        dlg.api_port.setValue(port)
        with qtbot.waitSignal(idle_window.services.api_state, timeout=30_000) as sig:
            dlg.save()
        assert not sig.args[0].running and sig.args[0].error
        dlg = idle_window.open_settings()
        wait_until(lambda: dlg.api_status.text().startswith("Not serving:"), 10, "the reason")
