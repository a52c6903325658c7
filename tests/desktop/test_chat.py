"""The main window against the real engine: the starter model answers, the chats database persists.

One window (one model child process) serves the whole module; tests run in file order and each
starts from a fresh conversation unless it says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.chat_view import CodeBlock, MessageData, MessageWidget, Prose
from engine.chats import ChatStore
from engine.events import Token
from tests.desktop.conftest import open_window, test_config, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def window(qapp, module_home: Path):
    w = open_window(test_config())
    yield w
    w.close()
    assert w.services.host is None, "closing the window must unload the model"


@pytest.fixture
def store(window) -> ChatStore:
    """A second connection to the same database: what the app persisted, read independently."""
    s = ChatStore(window.services.chats.path)
    yield s
    s.close()


def send(window, qtbot, text: str) -> None:
    window.composer.input.setPlainText(text)
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def test_window_showed_loading_state_then_ready(window):
    assert window.seen_states[0] == "loading" or window.seen_states == ["ready"]
    assert window.services.state == "ready"
    assert not window.loading_bar.isVisible()
    assert window.composer.send_btn.isEnabled()
    assert window.backend_label.text().startswith("CPU")
    assert "smollm2" in window.model_label.text()


def test_send_streams_tokens_and_persists(window, qtbot, store):
    window.new_chat()
    painted: list[int] = []
    window.tokens_painted.connect(painted.append)
    send(window, qtbot, "Name three colours.")
    window.tokens_painted.disconnect(painted.append)
    user, bot = window.chat.widgets
    assert user.msg.role == "user" and user.msg.content == "Name three colours."
    assert bot.msg.status == "complete" and bot.msg.content.strip()
    assert painted, "streamed text was never painted before the answer finished"
    assert painted == sorted(painted) and painted[-1] <= len(bot.msg.content)
    assert bot.badge.text() == "Local" and not bot.outbound_btn.isVisible()
    # the persisted conversation matches what is shown, with ids known to the view
    chat_id = window.current_chat
    saved = store.messages(chat_id)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[1].content == bot.msg.content and bot.msg.id == saved[1].id and user.msg.id == saved[0].id
    assert window.sidebar.model.row_of(chat_id) >= 0
    assert "tok/s" in window.speed_label.text() and "context" in window.context_label.text()


def test_shift_enter_adds_a_line_and_does_not_send(window, qtbot):
    window.new_chat()
    window.composer.input.setPlainText("first line")
    window.composer.input.moveCursor(window.composer.input.textCursor().MoveOperation.End)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.composer.input.toPlainText() == "first line\n"
    assert window.chat.widgets == [] and not window._busy
    window.composer.input.clear()


def test_ctrl_enter_sends(window, qtbot):
    window.new_chat()
    window.composer.input.setPlainText("Hello again.")
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [w.msg.role for w in window.chat.widgets] == ["user", "assistant"]
    assert window.chat.widgets[0].msg.content == "Hello again."


def test_empty_message_is_not_sent(window, qtbot):
    window.new_chat()
    window.composer.input.setPlainText("   \n ")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert window.chat.widgets == [] and not window._busy


def test_escape_stops_and_keeps_partial_answer(window, qtbot, store):
    window.new_chat()
    painted: list[int] = []
    window.tokens_painted.connect(painted.append)
    window.services.assistant.config.model.max_tokens = 1000  # long enough that only Stop ends it
    window.composer.input.setPlainText("Write a long story about a lighthouse keeper and the sea.")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    wait_until(lambda: painted, 120, "first streamed text")
    assert window.composer.send_btn.text() == "Stop"
    streaming = window.chat.widgets[-1]
    assert not streaming.regen_btn.isVisibleTo(streaming)  # no second turn while one runs
    assert not window.chat.widgets[-2].edit_btn.isVisibleTo(window.chat.widgets[-2])
    with qtbot.waitSignal(window.turn_finished, timeout=60_000):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Escape)
    window.tokens_painted.disconnect(painted.append)
    window.services.assistant.config.model.max_tokens = 24
    bot = window.chat.widgets[-1]
    assert bot.msg.status == "cancelled" and "stopped" in bot.stats.text()
    saved = store.messages(window.current_chat)[-1]
    assert saved.role == "assistant" and saved.status == "cancelled"
    assert saved.content == bot.msg.content and saved.content.strip()
    assert window.composer.send_btn.text() == "Send" and not window._busy


def test_regenerate_replaces_last_answer(window, qtbot, store):
    window.new_chat()
    send(window, qtbot, "Say hello.")
    first = window.chat.widgets[-1].msg.id
    regen = window.chat.widgets[-1].regen_btn
    assert regen.isVisibleTo(window.chat.widgets[-1])
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.mouseClick(regen, Qt.MouseButton.LeftButton)
    saved = store.messages(window.current_chat)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[1].id != first and saved[1].id == window.chat.widgets[-1].msg.id
    assert len(window.chat.widgets) == 2


def test_edit_and_resend_replaces_the_tail(window, qtbot, store):
    window.new_chat()
    send(window, qtbot, "What is two plus two?")
    send(window, qtbot, "And three plus three?")
    assert len(window.chat.widgets) == 4
    first_user = window.chat.widgets[0]
    qtbot.mouseClick(first_user.edit_btn, Qt.MouseButton.LeftButton)
    assert window.composer.editing() and window.composer.input.toPlainText() == "What is two plus two?"
    window.composer.input.setPlainText("What is the capital of France?")
    with qtbot.waitSignal(window.turn_finished, timeout=120_000):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    saved = store.messages(window.current_chat)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[0].id == first_user.msg.id and saved[0].content == "What is the capital of France?"
    assert [w.msg.content for w in window.chat.widgets] == [m.content for m in saved]
    assert not window.composer.editing()


def test_switch_chats_shows_each_conversation(window, qtbot, store):
    window.new_chat()
    send(window, qtbot, "Tell me about apples.")
    a = window.current_chat
    window.new_chat()
    assert window.chat.widgets == []
    send(window, qtbot, "Tell me about boats.")
    b = window.current_chat
    assert a != b
    wait_until(lambda: {a, b} <= set(window.sidebar.model.chat_ids()), 10, "both chats listed")
    row = window.sidebar.model.row_of(a)
    rect = window.sidebar.list.visualRect(window.sidebar.model.index(row))
    with qtbot.waitSignal(window.messages_loaded, timeout=10_000):
        qtbot.mouseClick(window.sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_chat == a
    assert window.chat.widgets[0].msg.content == "Tell me about apples."
    assert [w.msg.content for w in window.chat.widgets] == [m.content for m in store.messages(a)]


def test_rename_pin_and_delete_from_the_sidebar(window, qtbot, store):
    window.new_chat()
    send(window, qtbot, "Hi there.")
    chat_id = window.current_chat
    window.sidebar.start_rename(chat_id)
    editor = window.sidebar._rename_editor
    editor.setText("Greetings")
    with qtbot.waitSignal(window.chats_loaded, timeout=10_000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert store.get(chat_id).title == "Greetings"
    assert window.sidebar.model.chat(chat_id).title == "Greetings"

    with qtbot.waitSignal(window.chats_loaded, timeout=10_000):
        window.pin_chat(chat_id, True)
    assert store.get(chat_id).pinned
    assert window.sidebar.model.index(0).data() == "Pinned"

    window.confirm_delete(chat_id)
    box = window._delete_box
    with qtbot.waitSignal(window.chats_loaded, timeout=10_000):
        box.action_button.click()
    assert chat_id not in window.sidebar.model.chat_ids()
    assert window.current_chat is None and window.chat.widgets == []
    assert chat_id not in [c.id for c in store.list()]


def test_search_filters_the_list_by_content(window, qtbot, store):
    target = next(h.chat_id for h in store.search("apples"))  # from the chat-switching test
    assert len(store.list()) > 1
    with qtbot.waitSignal(window.sidebar.search_changed, timeout=5_000):
        qtbot.keyClicks(window.sidebar.search, "apples")
    wait_until(lambda: window.sidebar.model.chat_ids() == [target], 10, "search to filter")
    window.sidebar.search.clear()
    wait_until(lambda: len(window.sidebar.model.chat_ids()) == len(store.list()), 10, "search to clear")


def test_tokens_are_batched_into_few_paints(window, qtbot):
    """A burst of 500 tokens costs one paint per batch interval, not one per token."""
    window.new_chat()
    w = window.chat.add_message(MessageData(None, "assistant", "", status="streaming"))
    window._streaming = w
    painted: list[int] = []
    window.tokens_painted.connect(painted.append)
    for i in range(500):
        window._on_event(Token(f"w{i} "))
    assert painted == []  # nothing painted synchronously
    wait_until(lambda: painted, 5, "the batch timer")
    window.tokens_painted.disconnect(painted.append)
    assert len(painted) == 1 and w.msg.content.startswith("w0 w1 ") and w.msg.content.endswith("w499 ")
    window._streaming = None
    window.new_chat()


def test_markdown_code_block_has_working_copy(qapp, qtbot):
    msg = MessageData(1, "assistant", "Here:\n\n```python\nprint('hi')\nx = 1\n```\n\nDone **now**.")
    w = MessageWidget(msg)
    qtbot.addWidget(w)
    blocks = w.findChildren(CodeBlock)
    assert len(blocks) == 1 and blocks[0].code() == "print('hi')\nx = 1"
    assert blocks[0].lang.text() == "python"
    assert [p.source() for p in w.findChildren(Prose)] == ["Here:", "Done **now**."]
    qtbot.mouseClick(blocks[0].copy_btn, Qt.MouseButton.LeftButton)
    assert qapp.clipboard().text() == "print('hi')\nx = 1"
    qtbot.mouseClick(w.copy_btn, Qt.MouseButton.LeftButton)
    assert qapp.clipboard().text() == msg.content


def test_shortcuts_new_chat_search_and_settings(window, qtbot, store):
    window.new_chat()
    send(window, qtbot, "One more.")
    assert window.chat.widgets and window.current_chat is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)  # window shortcuts need the active window
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.current_chat is None and window.chat.widgets == []
    qtbot.keyClick(window.composer.input, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.search.hasFocus()
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dlg = window._windows.get("settings")
    assert dlg is not None and dlg.isVisible()
    dlg.reject()


def test_export_conversation_as_markdown_and_json(window, qtbot, store, tmp_path):
    window.new_chat()
    send(window, qtbot, "Export me please.")
    chat_id = window.current_chat
    md, js = tmp_path / "chat.md", tmp_path / "chat.json"
    for path in (md, js):
        window.export_chat(chat_id, str(path))
    wait_until(lambda: md.exists() and js.exists(), 10, "the exports")
    assert "Export me please." in md.read_text()
    import json

    def strings(x):
        if isinstance(x, str):
            yield x
        elif isinstance(x, dict):
            for v in x.values():
                yield from strings(v)
        elif isinstance(x, list):
            for v in x:
                yield from strings(v)

    found = set(strings(json.loads(js.read_text())))
    assert {"Export me please.", window.chat.widgets[-1].msg.content} <= found


def test_the_apps_router_checks_pasted_document_text(window):
    # The core's router (built by engine.privacy.wiring on first use, as for the CLI): the
    # documents check is live, the judge is off until the settings turn it on.
    assert window.services.assistant.router is window.services.core.router
    router = window.services.core.router.real()
    assert router is not None and router.private_text_check is not None
    assert router.judge is None


def test_an_answer_from_the_trusted_team_server_never_says_this_computer(qapp, qtbot):
    team = MessageWidget(MessageData(1, "assistant", "Rest and see your neurologist.", route="local",
                                     provider="gpu.team.lan (trusted by you)"))
    here = MessageWidget(MessageData(2, "assistant", "Rest and see your neurologist.", route="local"))
    qtbot.addWidget(team)
    qtbot.addWidget(here)
    assert team.badge.text() == "Team server" and "gpu.team.lan" in team.badge.toolTip()
    assert "this computer" not in team.badge.toolTip()
    assert here.badge.text() == "Local" and "this computer" in here.badge.toolTip()  # control
