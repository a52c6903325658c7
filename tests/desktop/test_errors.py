"""Failures reach the person as banners with an action, and nothing typed is lost."""

from __future__ import annotations

import os
import signal

import pytest
from PySide6.QtCore import Qt

from engine.chats import ChatStore
from tests.desktop.conftest import open_window, test_config, wait_until

pytestmark = pytest.mark.slow


def test_model_crash_mid_answer_then_retry(qapp, module_home, qtbot):
    w = open_window(test_config())
    try:
        painted: list[int] = []
        w.tokens_painted.connect(painted.append)
        w.services.assistant.config.model.max_tokens = 1000
        w.composer.input.setPlainText("Write a long story about a lighthouse.")
        with qtbot.waitSignal(w.turn_finished, timeout=120_000):
            qtbot.keyClick(w.composer.input, Qt.Key.Key_Return)
            wait_until(lambda: painted, 120, "streamed text")
            os.kill(w.services.host.pid, signal.SIGKILL)  # llama.cpp dies mid-answer
        w.services.assistant.config.model.max_tokens = 24
        (banner,) = w.banners.banners()
        assert "model" in banner.message.text().lower() and "Retry" in banner.buttons
        assert w.chat.widgets[-1].msg.status == "failed"
        store = ChatStore(w.services.chats.path)
        try:
            assert store.messages(w.current_chat)[0].content == "Write a long story about a lighthouse."
        finally:
            store.close()
        with qtbot.waitSignal(w.turn_finished, timeout=120_000):
            banner.buttons["Retry"].click()  # the next request restarts the model process
        assert w.chat.widgets[-1].msg.status == "complete" and w.chat.widgets[-1].msg.content
        assert not w.banners.banners()
    finally:
        w.close()


def test_truncated_model_file_shows_an_actionable_banner(qapp, hearth_home, starter_gguf, tmp_path, qtbot):
    bad = tmp_path / "half.gguf"
    with open(starter_gguf, "rb") as src:
        bad.write_bytes(src.read(2_000_000))
    w = open_window(test_config(model={"default": str(bad)}), wait_ready=False)
    try:
        wait_until(lambda: w.services.state in ("ready", "error"), 120, "the load to fail")
        assert w.services.state == "error"
        (banner,) = w.banners.banners()
        assert "half.gguf" in banner.message.text()
        assert {"Retry", "Open models", "Open settings"} <= set(banner.buttons)
        assert not w.composer.send_btn.isEnabled() and "not loaded" in w.model_label.text()
    finally:
        w.close()


def test_closing_mid_answer_stops_the_model_process(qapp, module_home, qtbot):
    import psutil

    w = open_window(test_config())
    painted: list[int] = []
    w.tokens_painted.connect(painted.append)
    w.services.assistant.config.model.max_tokens = 1000
    w.composer.input.setPlainText("Write a long story about a lighthouse.")
    qtbot.keyClick(w.composer.input, Qt.Key.Key_Return)
    wait_until(lambda: painted, 120, "streamed text")
    pid = w.services.host.pid
    db = w.services.chats.path
    assert pid and psutil.pid_exists(pid)
    w.close()  # cancels the answer, unloads the model, closes the database
    assert w.services.host is None
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert all(not r._thread.isRunning() for r in (w.services.model, w.services.store, w.services.docs_runner))
    store = ChatStore(db)
    try:  # the partial answer was kept, marked as stopped
        last = store.messages(store.list()[0].id)[-1]
        assert last.role == "assistant" and last.status == "cancelled" and last.content
    finally:
        store.close()
