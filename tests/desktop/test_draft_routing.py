"""The composer gives the privacy router a head start: a pause in typing hands the draft to a
worker (``EngineServices.prepare_draft`` → ``Core.prepare_draft`` → ``PrivacyRouter.prepare``),
which embeds its windows and parses it, and sending those words decides exactly as a cold routing
would. Ask mode, the real router (NER and learned layer on) and the real starter model; every
preview is declined, so nothing is sent anywhere.

The messages here were written for this file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.desktop import cloud_key_fixtures as keys
from tests.desktop.conftest import open_window, test_config, wait_until
from tests.support.netguard import NetGuard

pytestmark = pytest.mark.slow
# one home and one keyring with a cloud key for the whole module (tests/desktop/cloud_key_fixtures.py)
hearth_home, ring, memory_keyring_backend = keys.hearth_home, keys.ring, keys.memory_keyring_backend

# Two sentences over the window budget: the draft is embedded as two windows.
DRAFT = ("Could you help me word a short thank-you card for my colleague Perpetua Windlesham, who "
         "covered my shifts at the bakery while I moved house last month? She likes gardening and "
         "strong coffee, and I would like the card to sound warm but not over the top.")


@pytest.fixture(scope="module")
def window(qapp, module_home: Path, ring):
    w = open_window(test_config(cloud={"mode": "ask", "provider": "openai"}))
    yield w
    w.close()


def _layer():
    from engine.privacy.learned import LearnedLayer

    return LearnedLayer.shared()


def _windows(text: str) -> list[str]:
    from engine.privacy.learned.windows import make_windows
    from engine.privacy.normalize import normalise

    layer = _layer()
    wins = make_windows(normalise(text).text, layer.embedder.content_tokens, layer.budget)
    return [w.text for w in wins]


def _forget_everything() -> None:
    from engine.privacy.analysis import forget_prepared

    forget_prepared()
    layer = _layer()
    with layer._recent_lock:
        layer._recent.clear()


def _prepared(text: str) -> bool:
    from engine.privacy.analysis import _prepared_for

    pre = _prepared_for(text)
    units = _windows(text)
    return pre is not None and pre.doc is not None and pre.doc.done() and \
        len(_layer()._cached(units)) == len(units)


def _decision(d) -> tuple:
    return (d.route, d.outbound, d.rules, d.reasons, d.frame, d.redactions)


def test_typing_prepares_the_draft_on_a_worker(window, qtbot, monkeypatch):
    window.new_chat()
    core = window.services.core
    threads: list[str] = []
    real = core.prepare_draft
    monkeypatch.setattr(core, "prepare_draft",
                        lambda text: (threads.append(threading.current_thread().name), real(text))[1])
    core.router.warm_up()  # the one-time model loads (the app's first routing does them)
    _forget_everything()
    assert len(_windows(DRAFT)) >= 2
    qtbot.keyClicks(window.composer.input, DRAFT)
    wait_until(lambda: _prepared(DRAFT), 120, "the draft's windows and parse")
    assert threads and threading.main_thread().name not in threads
    # a look-alike that was never typed is not prepared
    assert not _prepared(DRAFT + " Thanks!")
    window.composer.input.clear()


def test_answer_locally_prepares_nothing(window, qtbot, monkeypatch):
    window.new_chat()
    asked: list[str] = []
    monkeypatch.setattr(window.services, "prepare_draft", lambda text: asked.append(text))
    window.composer.answer_locally.setChecked(True)
    try:
        qtbot.keyClicks(window.composer.input, "What is the boiling point of water on a high mountain?")
        qtbot.wait(800)  # past the pause that would hand it over
        assert asked == []
    finally:
        window.composer.answer_locally.setChecked(False)
        window.composer.input.clear()
    qtbot.keyClicks(window.composer.input, "And at sea level?")
    wait_until(lambda: asked == ["And at sea level?"], 10, "the draft handed over")  # the control
    window.composer.input.clear()


def test_sending_a_prepared_draft_decides_as_a_cold_routing(window, qtbot, monkeypatch):
    window.new_chat()
    router = window.services.core.router
    router.warm_up()
    _forget_everything()
    cold = router.real().route(DRAFT, user_terms=window.config.privacy.sensitive_terms)
    assert cold.route == "redacted"  # a personal message with a name: the preview will show it
    _forget_everything()

    decisions: list = []
    real_route = router.route
    monkeypatch.setattr(router, "route", lambda text, **kw: (decisions.append(d := real_route(text, **kw)), d)[1])
    qtbot.keyClicks(window.composer.input, DRAFT)
    wait_until(lambda: _prepared(DRAFT), 120, "the draft's windows and parse")
    with NetGuard() as guard:
        with qtbot.waitSignal(window.confirm_shown, timeout=120_000) as sig:
            qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
        dlg = sig.args[0]
        assert dlg.outbound.toPlainText() == cold.outbound
        with qtbot.waitSignal(window.turn_finished, timeout=120_000):
            qtbot.mouseClick(dlg.local_btn, Qt.MouseButton.LeftButton)
    guard.assert_none()
    assert [_decision(d) for d in decisions] == [_decision(cold)]


def test_the_composer_hands_over_a_draft_once_typing_pauses(qapp, qtbot):
    from desktop.composer import DRAFT_PAUSE_MS, Composer

    c = Composer()
    qtbot.addWidget(c)
    c.set_ready(True)
    drafts: list[str] = []
    c.draft_paused.connect(drafts.append)
    qtbot.keyClicks(c.input, "  How far is the Moon?")
    qtbot.waitUntil(lambda: drafts == ["How far is the Moon?"], timeout=5_000)  # once, as it would be sent
    c.set_busy(True)
    qtbot.keyClicks(c.input, " And Mars?")
    qtbot.wait(DRAFT_PAUSE_MS * 3)
    assert drafts == ["How far is the Moon?"]  # not while an answer is written
    c.set_busy(False)  # then the waiting draft goes
    qtbot.waitUntil(lambda: drafts[-1:] == ["How far is the Moon? And Mars?"], timeout=5_000)
    qtbot.keyClick(c.input, Qt.Key.Key_Return)  # sent: the emptied input is no draft
    qtbot.wait(DRAFT_PAUSE_MS * 3)
    assert len(drafts) == 2
