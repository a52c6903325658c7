"""Ask mode end to end: preview dialog → confirm → the loopback OpenAI-compatible server
(llama.cpp's own server behind a recording proxy) receives only the redacted text."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt

from engine.cloud.audit import AuditLog
from tests.desktop.conftest import MemoryKeyring, open_window, test_config, wait_until
from tests.support.openai_server import LlamaServer, RecordingProxy

pytestmark = pytest.mark.slow

EMAIL = "alice.martin@gmail.com"  # example.* domains are allowlisted by the router


@pytest.fixture(autouse=True)
def hearth_home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One home for the whole module, as in the app: the audit log outlives a single test."""
    monkeypatch.setenv("HEARTH_HOME", str(module_home))
    return module_home


@pytest.fixture(scope="module")
def proxy(starter_gguf: Path):
    with LlamaServer(starter_gguf) as upstream, RecordingProxy(upstream.url) as rec:
        yield rec


@pytest.fixture(scope="module")
def ring():
    """The OS keyring cannot run here: an in-memory backend behind keyring's interface."""
    old = keyring.get_keyring()
    r = MemoryKeyring()
    keyring.set_keyring(r)
    r.set_password("hearth-cloud", "openai", "sk-loopback")
    yield r
    keyring.set_keyring(old)


@pytest.fixture(scope="module")
def window(qapp, module_home: Path, proxy, ring):
    cfg = test_config(cloud={"mode": "ask", "provider": "openai", "base_url": proxy.url + "/v1",
                             "max_retries": 0, "timeout_s": 120},
                      privacy={"use_ner": False})
    w = open_window(cfg)
    yield w
    w.close()


def _bodies(proxy) -> list[str]:
    return [json.dumps(r.body) for r in proxy.received if r.body]


def test_ask_mode_previews_then_sends_only_redacted_text(window, proxy, qtbot):
    proxy.received.clear()
    window.new_chat()
    assert "Cloud: ask" in window.composer.privacy.text()
    window.composer.input.setPlainText(f"Please write a short greeting to {EMAIL} about lunch.")
    with qtbot.waitSignal(window.confirm_shown, timeout=120_000) as sig:
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    dlg = sig.args[0]
    preview = dlg.outbound.toPlainText()
    assert EMAIL not in preview and "[EMAIL_1]" in preview
    assert "email" in dlg.redactions.text().lower()
    assert proxy.received == []  # nothing left before the person said yes
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.mouseClick(dlg.send_btn, Qt.MouseButton.LeftButton)
    bodies = _bodies(proxy)
    assert bodies and all(EMAIL not in b for b in bodies)
    sent = [m["content"] for r in proxy.received if r.body for m in r.body.get("messages", [])]
    assert sent == ["Please write a short greeting to [EMAIL_1] about lunch."]
    bot = window.chat.widgets[-1]
    assert bot.msg.status == "complete" and bot.badge.text() == "Cloud (openai)"
    assert bot.outbound_btn.isVisibleTo(bot)
    qtbot.mouseClick(bot.outbound_btn, Qt.MouseButton.LeftButton)
    view = window._windows["outbound"]
    assert view.outbound.toPlainText() == sent[0]
    view.reject()
    assert [e["text"] for e in AuditLog().entries()][-1:] == sent


def test_earlier_cloud_answer_shows_what_was_sent_from_the_audit_log(window, qtbot):
    chat_id = window.current_chat   # the conversation of the previous test
    window.new_chat()
    with qtbot.waitSignal(window.messages_loaded, timeout=10_000):
        window.open_chat(chat_id)
    bot = window.chat.widgets[-1]
    assert bot.msg.redactions is None  # not stored with the message
    qtbot.mouseClick(bot.outbound_btn, Qt.MouseButton.LeftButton)
    view = window._windows["outbound"]
    assert "[EMAIL_1]" in view.outbound.toPlainText()
    wait_until(lambda: "email" in view.redactions.text().lower(), 10, "the audit lookup")
    view.reject()


def test_keep_it_local_sends_nothing(window, proxy, qtbot):
    proxy.received.clear()
    window.new_chat()
    window.composer.input.setPlainText("Name three planets.")
    with qtbot.waitSignal(window.confirm_shown, timeout=120_000) as sig:
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.mouseClick(sig.args[0].local_btn, Qt.MouseButton.LeftButton)
    assert proxy.received == []
    bot = window.chat.widgets[-1]
    assert bot.msg.status == "complete" and bot.badge.text() == "Local"


def test_stop_while_the_preview_is_open_sends_nothing(window, proxy, qtbot):
    proxy.received.clear()
    window.new_chat()
    window.composer.input.setPlainText("Name three rivers.")
    with qtbot.waitSignal(window.confirm_shown, timeout=120_000):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        window.stop()
    assert proxy.received == []
    assert window.chat.widgets[-1].badge.text() == "Local"


def test_cloud_error_banner_offers_answer_locally(window, proxy, qtbot):
    proxy.received.clear()
    proxy.fail.extend([500])
    window.new_chat()
    window.composer.input.setPlainText("How far away is the Moon?")
    with qtbot.waitSignal(window.confirm_shown, timeout=120_000) as sig:
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.mouseClick(sig.args[0].send_btn, Qt.MouseButton.LeftButton)
    banners = window.banners.banners()
    assert banners and "server error" in banners[-1].message.text().lower()
    n = len(proxy.received)
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        banners[-1].buttons["Answer locally"].click()
    assert len(proxy.received) == n
    bot = window.chat.widgets[-1]
    assert bot.msg.status == "complete" and bot.badge.text() == "Local"
    assert [w.msg.role for w in window.chat.widgets] == ["user", "assistant"]


def test_preview_highlights_placeholders_and_never_interprets_markup(qtbot):
    """The preview is the exact outbound text (a literal "<b>" stays text), placeholders marked."""
    from types import SimpleNamespace

    from PySide6.QtGui import QTextCursor

    from desktop.cloud_dialogs import PLACEHOLDER_BG, CloudPreviewDialog

    outbound = "Ask [PERSON_1] whether <b>bold</b> & <i>x</i> is fine.\nReply to [EMAIL_1]."
    routed = SimpleNamespace(provider="openai", reasons=["needs a larger model"], outbound_text=outbound,
                             redactions=["PERSON", "EMAIL"])
    dlg = CloudPreviewDialog(routed)
    qtbot.addWidget(dlg)
    doc = dlg.outbound.document()
    assert dlg.outbound.toPlainText() == outbound == doc.toPlainText()

    def background_at(i: int):
        c = QTextCursor(doc)
        c.setPosition(i + 1)  # charFormat() is the format of the character before the cursor
        return c.charFormat().background()

    for token in ("[PERSON_1]", "[EMAIL_1]"):
        start = outbound.index(token)
        for i in range(start, start + len(token)):
            assert background_at(i).color() == PLACEHOLDER_BG, (token, i)
    for plain in ("Ask", "<b>bold</b>", "Reply to"):
        start = outbound.index(plain)
        for i in range(start, start + len(plain)):
            assert background_at(i).style() == Qt.BrushStyle.NoBrush, (plain, i)
