"""Settings dialog, first-run welcome, audit log viewer: real config files, real keyring API."""

from __future__ import annotations

import tomllib
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from desktop import theme
from desktop.app import build_window
from engine.config import load_config, save_config
from tests.desktop.conftest import MemoryKeyring, test_config, wait_until


@pytest.fixture
def idle_window(qapp, hearth_home: Path):
    """A main window whose engine is not started (settings need no model)."""
    save_config(test_config())
    w = build_window(load_config(), start=False)
    yield w
    w.close()


@pytest.fixture
def memory_keyring():
    old = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(old)


def test_settings_save_writes_config_and_applies_it(idle_window, hearth_home, memory_keyring, qtbot):
    memory_keyring.set_password("hearth-cloud", "anthropic", "sk-ant-test")  # ask mode needs a key
    dlg = idle_window.open_settings()
    dlg.temperature.setValue(0.3)
    dlg.n_ctx.setValue(2048)
    dlg.gpu_auto.setChecked(False)
    dlg.gpu_layers.setValue(12)
    dlg.system_prompt.setPlainText("Be brief.")
    dlg.mode_buttons["ask"].setChecked(True)
    assert "waits for your OK" in dlg.mode_text.text()
    dlg.provider.setCurrentText("anthropic")
    dlg.terms.setPlainText("Project Falcon\n\n  ACME merger \n")
    assert not dlg.judge.isChecked()
    dlg.judge.setChecked(True)
    dlg.theme_buttons["dark"].setChecked(True)
    with qtbot.waitSignal(dlg.saved, timeout=5_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    raw = tomllib.loads((hearth_home / "config.toml").read_text())
    assert raw["model"]["temperature"] == 0.3 and raw["model"]["n_ctx"] == 2048
    assert raw["model"]["n_gpu_layers"] == 12 and raw["model"]["system_prompt"] == "Be brief."
    assert raw["cloud"]["mode"] == "ask" and raw["cloud"]["provider"] == "anthropic"
    assert raw["privacy"]["sensitive_terms"] == ["Project Falcon", "ACME merger"]
    assert raw["privacy"]["judge"] is True
    assert raw["appearance"]["theme"] == "dark"
    assert load_config().config == idle_window.config
    assert theme.colors() is theme.DARK
    assert "Cloud: ask (anthropic)" in idle_window.composer.privacy.text()
    assert idle_window.composer.answer_locally.isVisibleTo(idle_window.composer)
    theme.apply(qapp_instance(), "light")


def qapp_instance():
    from PySide6.QtWidgets import QApplication
    return QApplication.instance()


def test_invalid_settings_are_not_saved(idle_window, hearth_home):
    before = (hearth_home / "config.toml").read_text()
    dlg = idle_window.open_settings()
    dlg.chunk_tokens.setValue(64)
    dlg.chunk_overlap.setValue(100)
    dlg.save()
    assert dlg.problem.isVisible() and "overlap" in dlg.problem.text()
    assert dlg.isVisible()
    assert (hearth_home / "config.toml").read_text() == before


def test_api_key_goes_to_the_keyring_not_the_config(idle_window, hearth_home, memory_keyring, qtbot):
    dlg = idle_window.open_settings()
    dlg.provider.setCurrentText("openai")
    dlg.api_key.setText("sk-test-123456")
    dlg.store_key()
    wait_until(dlg.save_key_btn.isEnabled, 10, "the key to be stored")
    assert "is stored" in dlg.key_status.text()
    assert memory_keyring.store[("hearth-cloud", "openai")] == "sk-test-123456"
    assert dlg.api_key.text() == ""
    dlg.save()
    assert "sk-test" not in (hearth_home / "config.toml").read_text()


def test_no_keyring_gives_a_clear_message(idle_window, qtbot):
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dlg = idle_window.open_settings()
        dlg.api_key.setText("sk-test-123456")
        dlg.store_key()
        assert not dlg.save_key_btn.isEnabled()
        wait_until(dlg.save_key_btn.isEnabled, 10, "the keyring error")  # re-enabled when the job ends
        assert "never writes API keys to a file" in dlg.key_status.text()
        assert "keyring.backends" not in dlg.key_status.text() and "Keyring" not in dlg.key_status.text()
    finally:
        keyring.set_keyring(old)


def _fully_shown(label) -> bool:
    """A word-wrapped label is as tall as its text needs (nothing cut off at the bottom)."""
    return label.isVisible() and label.height() >= label.heightForWidth(label.width())


def test_without_a_keyring_privacy_says_what_to_install_and_keeps_cloud_off(idle_window, hearth_home, qtbot):
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        before = (hearth_home / "config.toml").read_text()
        dlg = idle_window.open_settings()
        dlg.tabs.setCurrentIndex(2)
        wait_until(lambda: "install" in dlg.key_status.text(), 10, "the keyring advice")
        text = dlg.key_status.text()
        assert "sudo apt install gnome-keyring" in text and "never writes API keys to a file" in text
        assert "keyring.backends" not in text and "fail" not in text  # no class names
        qtbot.waitUntil(lambda: _fully_shown(dlg.key_status), timeout=5_000)
        dlg.mode_buttons["auto"].setChecked(True)
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
        wait_until(dlg.problem.isVisible, 10, "the refusal")
        assert "Not saved" in dlg.problem.text() and "gnome-keyring" in dlg.problem.text()
        assert dlg.isVisible() and (hearth_home / "config.toml").read_text() == before
        qtbot.waitUntil(lambda: _fully_shown(dlg.problem), timeout=5_000)
        # an OpenAI-compatible server of one's own needs no key: that may be saved
        dlg.base_url.setText("http://127.0.0.1:8080/v1")
        with qtbot.waitSignal(dlg.saved, timeout=10_000):
            dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
        assert load_config().config.cloud.mode == "auto"
    finally:
        keyring.set_keyring(old)


def test_ask_mode_is_not_saved_without_a_key_and_a_pasted_key_is_stored(idle_window, hearth_home,
                                                                        memory_keyring, qtbot):
    before = (hearth_home / "config.toml").read_text()
    dlg = idle_window.open_settings()
    dlg.mode_buttons["ask"].setChecked(True)
    dlg.provider.setCurrentText("openai")
    wait_until(lambda: "No openai key" in dlg.key_status.text(), 10, "the key check")
    dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    wait_until(dlg.problem.isVisible, 10, "the refusal")
    assert "No openai API key is stored" in dlg.problem.text()
    assert (hearth_home / "config.toml").read_text() == before and memory_keyring.store == {}
    # pasting a key and pressing Save stores the key first, then the settings
    dlg.api_key.setText("sk-test-abc")
    with qtbot.waitSignal(dlg.saved, timeout=10_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    assert memory_keyring.store[("hearth-cloud", "openai")] == "sk-test-abc"
    assert load_config().config.cloud.mode == "ask" and "sk-test" not in (hearth_home / "config.toml").read_text()


@pytest.mark.parametrize("platform, words", [("linux", "gnome-keyring"), ("darwin", "Keychain Access"),
                                             ("win32", "Credential Manager")])
def test_keyring_advice_is_plain_words_per_platform(platform, words):
    from desktop.keyring_help import keyring_advice
    from engine.errors import KeyringUnavailable

    missing = KeyringUnavailable("No secure keyring is available on this computer (keyring.backends.fail.Keyring), "
                                 "so Hearth cannot store an API key.")
    text = keyring_advice(missing, platform)
    assert words in text and "keyring.backends" not in text and "Hearth never writes API keys" in text
    locked = keyring_advice(KeyringUnavailable("The keyring could not be read: DBus error."), platform)
    assert "DBus" not in locked and ("Unlock" in locked or "refused" in locked)


def test_audit_log_viewer_shows_exact_text_and_chain_state(idle_window, qtbot):
    from engine.cloud.audit import AuditLog

    log = AuditLog()
    log.append(provider="openai", model="gpt-4o-mini", text="What is [PERSON_1]'s favourite colour?",
               redactions=["PERSON"], reasons=["no sensitive content left after redaction"])
    dlg = idle_window.open_settings()
    dlg.open_audit()
    view = dlg.audit_dialog
    wait_until(lambda: view.table.rowCount() == 1, 10, "the audit entries")
    assert view.table.item(0, 1).text() == "openai" and view.table.item(0, 3).text() == "PERSON"
    assert view.text.toPlainText() == "What is [PERSON_1]'s favourite colour?"
    assert "intact" in view.summary.text()
    # tampering is reported
    path = log.path
    path.write_text(path.read_text().replace("favourite", "favorite"))
    view.reload()
    wait_until(lambda: "altered" in view.summary.text(), 10, "the tamper warning")


def test_audit_log_viewer_does_not_count_an_undelivered_message_as_sent(idle_window, qtbot):
    from engine.cloud.audit import AuditLog

    log = AuditLog()
    sent = log.append(provider="openai", model="m", text="How do rainbows form?", redactions=[], reasons=["public"])
    log.record_outcome(sent, True, "answered")
    lost = log.append(provider="openai", model="m", text="Why is the sky blue?", redactions=[], reasons=["public"])
    log.record_outcome(lost, False, "could not connect to the provider: nothing was delivered")
    dlg = idle_window.open_settings()
    dlg.open_audit()
    view = dlg.audit_dialog
    wait_until(lambda: view.table.rowCount() == 2, 10, "the audit entries")
    summary = view.summary.text()
    assert "1 message(s) reached a cloud provider" in summary and "1 could not be delivered" in summary
    outcomes = {view.table.item(r, 5).text() for r in range(2)}
    assert outcomes == {"delivered", "not delivered: could not connect to the provider: nothing was delivered"}


def test_first_run_welcome_says_what_stays_local_and_is_remembered(qapp, hearth_home, qtbot):
    w = build_window(load_config(), start=False)   # fresh home: never welcomed
    try:
        dlg = w.welcome_dialog
        assert dlg.isVisible()
        assert "stay here" in dlg.layout().itemAt(0).widget().text()
        dlg.start_btn.click()
        assert load_config().config.appearance.welcomed is True
    finally:
        w.close()
    w2 = build_window(load_config(), start=False)
    try:
        assert getattr(w2, "welcome_dialog", None) is None
    finally:
        w2.close()


def test_broken_config_shows_a_banner_with_the_line(qapp, hearth_home):
    (hearth_home / "config.toml").write_text("[model]\nn_ctx = = 5\n")
    w = build_window(load_config(), start=False)
    try:
        texts = [b.message.text() for b in w.banners.banners()]
        assert any("not valid TOML" in t and "line 2" in t for t in texts), texts
    finally:
        w.close()


def test_privacy_tab_shows_cloud_usage_and_cost(idle_window):
    from engine.cloud.usage import UsageStore

    UsageStore().record(provider="openai", model="gpt-4o-mini", kind="cloud", input_tokens=1_000_000,
                        output_tokens=0)
    dlg = idle_window.open_settings()
    wait_until(lambda: "cloud request" in dlg.usage.text(), 10, "the usage summary")
    assert "1 cloud request(s), about $0.15" in dlg.usage.text()  # default price: $0.15 per million input


def test_model_server_trust_is_set_and_explained_in_settings(idle_window, hearth_home, qtbot):
    dlg = idle_window.open_settings()
    assert not dlg.remote_trusted.isEnabled() and "this computer" in dlg.zone_note.text()
    dlg.remote_url.setText("http://gpu-box.lan:8080/v1")
    assert dlg.remote_trusted.isEnabled() and "treated like a cloud service" in dlg.zone_note.text()
    dlg.remote_trusted.setChecked(True)
    dlg.server.allow_http.setChecked(True)  # plain http off this machine needs the explicit permission
    assert "trusted by you" in dlg.zone_note.text()
    with qtbot.waitSignal(dlg.saved, timeout=5_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    raw = tomllib.loads((hearth_home / "config.toml").read_text())
    assert raw["model"]["remote_url"] == "http://gpu-box.lan:8080/v1" and raw["model"]["remote_trusted"] is True


def test_local_badge_says_why_in_words(qapp):
    from desktop.chat_view import MessageData, MessageWidget

    msg = MessageData(1, "assistant", "Answer.", reasons=["it shares personal information about health"])
    w = MessageWidget(msg)
    assert w.badge.text() == "Local"
    assert "Kept here because it shares personal information about health." in w.badge.toolTip()
    cloud = MessageWidget(MessageData(2, "assistant", "Answer.", route="cloud", provider="openai",
                                      outbound_text="Q", reasons=["nothing in it identifies anyone or is sensitive"]))
    assert "allowed out because nothing in it identifies anyone" in cloud.badge.toolTip()


def test_answer_here_when_the_cloud_is_unreachable_is_on_by_default_and_saved(idle_window, hearth_home, qtbot):
    dlg = idle_window.open_settings()
    assert not dlg.fallback_local.isHidden() and dlg.fallback_local.isChecked()
    assert not dlg.fallback_local.isEnabled()  # cloud help is off: nothing to fall back from
    dlg.mode_buttons["auto"].setChecked(True)
    dlg.base_url.setText("http://127.0.0.1:8080/v1")  # own endpoint: no key needed
    assert dlg.fallback_local.isEnabled()
    dlg.fallback_local.setChecked(False)
    with qtbot.waitSignal(dlg.saved, timeout=10_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    raw = tomllib.loads((hearth_home / "config.toml").read_text())
    assert raw["cloud"]["fallback_local"] is False and raw["cloud"]["mode"] == "auto"


def test_privacy_tab_wraps_its_text_instead_of_clipping_it(idle_window, qtbot):
    from PySide6.QtWidgets import QLabel

    dlg = idle_window.open_settings()   # at its default size
    dlg.tabs.setCurrentIndex(2)
    area = dlg.tabs.currentWidget()
    qtbot.waitUntil(lambda: area.viewport().width() > 0, timeout=5_000)
    page = area.widget()
    assert page.minimumSizeHint().width() <= area.viewport().width()  # nothing wider than the view
    qtbot.waitUntil(lambda: page.width() <= area.viewport().width(), timeout=5_000)
    for label in page.findChildren(QLabel):
        if label.isVisibleTo(page) and label.text():
            assert label.geometry().right() <= page.width(), label.text()
