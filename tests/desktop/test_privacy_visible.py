"""Privacy made visible in the main window (ask mode, the real router and the real starter model):
why an answer stayed here, what that means for the rest of the chat, and no cloud send offered
when it could not authenticate. Nothing here is sent anywhere: every preview is declined."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.privacy_note import CHAT_RULE, FOLLOW_UP_RULE
from tests.desktop import cloud_key_fixtures as keys
from tests.desktop.conftest import open_window, test_config, wait_until
from tests.support.netguard import NetGuard

pytestmark = pytest.mark.slow
# one home and one keyring with a cloud key for the whole module (tests/desktop/cloud_key_fixtures.py)
hearth_home, ring, memory_keyring_backend = keys.hearth_home, keys.ring, keys.memory_keyring_backend

PRIVATE = "I was diagnosed with HIV last month. What should I eat?"
FRESH = "How do rainbows form in the sky after a storm has passed over the hills and valleys?"


@pytest.fixture(scope="module")
def window(qapp, module_home: Path, ring):
    # The learned layer is not what is tested here; the rules below do not need it.
    cfg = test_config(cloud={"mode": "ask", "provider": "openai"}, privacy={"use_ner": False, "learned": False})
    w = open_window(cfg)
    yield w
    w.close()


def send(window, qtbot, text: str) -> None:
    window.composer.input.setPlainText(text)
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def test_a_private_turn_is_explained_on_the_answer_and_in_the_composer(window, qtbot):
    window.new_chat()
    assert not window.composer.chat_note.isVisibleTo(window.composer)
    with NetGuard() as guard:
        send(window, qtbot, PRIVATE)
    guard.assert_none()
    bot = window.chat.widgets[-1]
    assert bot.badge.text() == "Local"
    assert "Kept here because it shares personal information about health." in bot.badge.toolTip()
    assert bot.why.isVisibleTo(bot)
    assert bot.why.text() == "Stayed on this computer because it shares personal information about health."
    note = window.composer.chat_note
    assert note.isVisibleTo(window.composer)
    assert CHAT_RULE in note.text() and "Start a new chat" in note.text()
    assert "because it shares personal information about health" in note.text()


def test_a_follow_up_stays_local_and_the_note_names_that_rule(window, qtbot):
    send(window, qtbot, "What about that?")
    assert FOLLOW_UP_RULE in window._last_rules
    bot = window.chat.widgets[-1]
    assert bot.badge.text() == "Local" and "follows up on an earlier message" in bot.badge.toolTip()
    assert "Stayed on this computer because it follows up on an earlier message" in bot.why.text()
    note = window.composer.chat_note.text()
    assert "The last answer stayed here because it follows up on an earlier message that stayed on this computer." in note
    assert "messages that stayed on this computer" in note  # two private turns now


def test_a_fresh_question_in_the_same_chat_may_go_out_alone(window, qtbot):
    chat_id = window.current_chat
    window.composer.input.setPlainText(FRESH)
    with qtbot.waitSignal(window.confirm_shown, timeout=120_000) as sig:
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    dlg = sig.args[0]
    assert dlg.send_btn is not None and dlg.outbound.toPlainText() == FRESH  # alone: no private turn with it
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.mouseClick(dlg.local_btn, Qt.MouseButton.LeftButton)
    assert window.current_chat == chat_id
    assert "You chose to answer this one locally." in window.chat.widgets[-1].why.text()


def test_the_note_opens_a_fresh_chat_and_reopening_the_chat_restores_it(window, qtbot):
    chat_id = window.current_chat
    window.composer.chat_note.linkActivated.emit("new-chat")
    assert window.current_chat is None and window.chat.widgets == []
    assert not window.composer.chat_note.isVisibleTo(window.composer)
    with qtbot.waitSignal(window.messages_loaded, timeout=10_000):
        window.open_chat(chat_id)
    note = window.composer.chat_note
    assert note.isVisibleTo(window.composer) and CHAT_RULE in note.text()
    assert window.chat.widgets[1].why.isVisibleTo(window.chat.widgets[1])


def test_no_send_is_offered_when_it_cannot_authenticate(window, ring, qtbot):
    ring.delete_password("hearth-cloud", "openai")
    try:
        window.new_chat()
        window.composer.input.setPlainText(FRESH)
        with NetGuard() as guard:
            with qtbot.waitSignal(window.confirm_shown, timeout=120_000) as sig:
                qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
            dlg = sig.args[0]
            assert dlg.send_btn is None
            assert not [b for b in dlg.buttons.buttons() if b.text().startswith("Send")]
            assert dlg.cannot_send.isVisibleTo(dlg) and "No openai API key is stored" in dlg.cannot_send.text()
            assert dlg.local_btn.text() == "Answer on this computer"
            with qtbot.waitSignal(window.turn_finished, timeout=120_000):
                qtbot.mouseClick(dlg.local_btn, Qt.MouseButton.LeftButton)
        guard.assert_none()
        assert window.chat.widgets[-1].badge.text() == "Local"
        # the composer says so too once the key check ran again (settings re-applied)
        window.apply_config(window.config)
        wait_until(lambda: "cannot send" in window.composer.privacy.text(), 10, "the key check")
        assert "No openai API key" in window.composer.privacy.toolTip()
    finally:
        ring.set_password("hearth-cloud", "openai", "sk-never-used")


def test_an_unreachable_cloud_is_answered_here_and_the_answer_says_so(window, qtbot):
    from tests.support.openai_server import free_port

    before = window.config
    cfg = before.model_copy(deep=True)
    cfg.cloud.base_url = f"http://127.0.0.1:{free_port()}/v1"  # an endpoint of one's own, switched off
    cfg.cloud.max_retries = 0
    assert cfg.cloud.fallback_local  # the default
    window.apply_config(cfg)
    try:
        window.new_chat()
        window.composer.input.setPlainText(FRESH)
        with qtbot.waitSignal(window.confirm_shown, timeout=120_000) as sig:
            qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
        with qtbot.waitSignal(window.turn_finished, timeout=120_000):
            qtbot.mouseClick(sig.args[0].send_btn, Qt.MouseButton.LeftButton)
        bot = window.chat.widgets[-1]
        assert bot.msg.status == "complete" and bot.msg.content.strip() and bot.badge.text() == "Local"
        assert "answered on this computer instead" in bot.why.text() and bot.why.isVisibleTo(bot)
        assert not window.banners.banners()
    finally:
        window.apply_config(before)


def test_with_cloud_off_local_answers_need_no_explanation(window, qtbot):
    cfg = window.config.model_copy(deep=True)
    cfg.cloud.mode = "off"
    window.apply_config(cfg)
    try:
        window.new_chat()
        send(window, qtbot, "Name a colour.")
        bot = window.chat.widgets[-1]
        assert not bot.why.isVisibleTo(bot) and bot.badge.text() == "Local"
        assert not window.composer.chat_note.isVisibleTo(window.composer)
    finally:
        cfg = cfg.model_copy(deep=True)
        cfg.cloud.mode = "ask"
        window.apply_config(cfg)
