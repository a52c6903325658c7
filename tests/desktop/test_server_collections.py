"""The Documents window's shared collections, driven like a person would, against a real
``chroma run`` behind a token-checking proxy (tests/support/chroma_proxy.py): test the
connection (token missing, refused, accepted), create a shared collection from a folder, forget
it here and join it again, see where each collection lives; a server that is down or never
answers is a message, not a traceback, and the window keeps painting meanwhile; plain http to a
server off this computer needs the per-address tick.

The app's document service runs in a child process, so the keyring both processes use is the
test's shared file keyring (tests/support/file_keyring.py), standing in for the OS keyring.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Iterator

import keyring
import pytest
from PySide6.QtCore import Qt, QTimer

from desktop.app import build_window
from engine.cloud.keys import CHROMA_SERVER_SERVICE
from engine.config import load_config, save_config
from tests.desktop.conftest import test_config, wait_until
from tests.support.chroma_proxy import ChromaProxy
from tests.support.chroma_server import CHROMA, chroma_server, free_port
from tests.support.file_keyring import SharedTestKeyring

pytestmark = pytest.mark.slow
TOKEN = "desk-chroma-4e1a"
NAME = "team handbook"


@pytest.fixture(scope="module")
def ring_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("ring") / "keyring.json"
    mp = pytest.MonkeyPatch()  # before the documents process starts: it inherits the environment
    mp.setenv("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.SharedTestKeyring")
    mp.setenv("HEARTH_TEST_KEYRING", str(path))
    yield path
    mp.undo()


@pytest.fixture(autouse=True)
def shared_ring(ring_file: Path) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(SharedTestKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    with chroma_server(tmp_path_factory.mktemp("chroma-desk")) as url:
        yield url


@pytest.fixture(scope="module")
def proxy(chroma: str) -> Iterator[ChromaProxy]:
    with ChromaProxy(chroma, token=TOKEN) as p:
        yield p


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("team-corpus")
    (root / "kayak.md").write_text("# Kayak\n\nRinse the kayak with fresh water after paddling in the sea.\n")
    (root / "vpn.txt").write_text("The VPN gateway is vpn.example.lan on UDP port 51820.\n")
    return root


@pytest.fixture(scope="module")
def docs(qapp, module_home: Path, ring_file: Path):
    save_config(test_config(documents={"chunk_tokens": 64, "chunk_overlap": 16}))
    w = build_window(load_config(), start=False)  # no chat model needed
    d = w.open_documents()
    wait_until(lambda: d.is_warm, 300, "the documents process")
    yield d
    w.close()


def _ring(ring_file: Path) -> dict:
    return json.loads(ring_file.read_text()) if ring_file.exists() else {}


def _test(form, qtbot, timeout_ms: int = 60_000) -> str:
    with qtbot.waitSignal(form.tested, timeout=timeout_ms):
        qtbot.mouseClick(form.test_btn, Qt.MouseButton.LeftButton)
    return form.result.text()


def _finish(docs, qtbot, start) -> object:
    with qtbot.waitSignal(docs.indexing_finished, timeout=300_000) as sig:
        start()
    return sig.args[0]


def _assert_not_listed(docs, qtbot, name: str) -> None:
    with qtbot.waitSignal(docs.refreshed, timeout=60_000):
        docs.refresh()
    assert docs.model.find(name) < 0, name


def _row(docs, name: str) -> str:
    i = docs.model.find(name)
    return docs.model.index(i).data() if i >= 0 else ""


def test_test_connection_then_create_from_a_folder(docs, proxy, corpus, ring_file, module_home, qtbot) -> None:
    form = docs.server_form
    qtbot.mouseClick(docs.server_btn, Qt.MouseButton.LeftButton)
    assert form.isVisibleTo(docs) and form.url.hasFocus()  # no default server: the address comes first
    assert form.token.echoMode() == form.token.EchoMode.Password
    assert not form.join_btn.isEnabled() and not form.test_btn.isEnabled()
    qtbot.keyClicks(form.url, proxy.url)
    assert not form.allow_http.isEnabled()  # plain http to this computer needs no permission
    assert "this computer" in form.zone_note.text()
    with qtbot.waitSignal(form.tested, timeout=60_000):  # Enter in the address field tests it
        qtbot.keyClick(form.url, Qt.Key.Key_Return)
    assert "needs a token and none is stored" in form.result.text()
    qtbot.keyClicks(form.token, "wrong")
    assert "refused Hearth's token" in _test(form, qtbot)
    assert _ring(ring_file) == {}  # testing stores nothing
    form.token.clear()
    qtbot.keyClicks(form.token, TOKEN)
    words = _test(form, qtbot)
    assert "token was accepted" in words and "no shared collections yet" in words, words
    form.name.setEditText(NAME)
    form.pick_folder()
    def choose() -> None:  # what the folder dialog does when the person picks the folder
        form._dialog.fileSelected.emit(str(corpus))
        form._dialog.close()
        docs.activateWindow()  # the window manager's part when a dialog closes

    report = _finish(docs, qtbot, choose)
    assert not isinstance(report, Exception), report
    assert report.indexed == 2
    assert not form.isVisibleTo(docs) and form.token.text() == ""
    assert _ring(ring_file) == {f"{CHROMA_SERVER_SERVICE}\0{proxy.url}": TOKEN}  # keyring only
    assert TOKEN not in (module_home / "config.toml").read_text()
    wait_until(lambda: docs.selected_name() == NAME, 30, "the new collection selected")
    assert "127.0.0.1 (server on this computer)" in _row(docs, NAME)
    assert proxy.url in docs.d_where.text() and "shared with everyone" in docs.d_where.text()
    assert f"Bearer {TOKEN}" in proxy.seen


def test_forget_here_then_join_and_search(docs, proxy, qtbot) -> None:
    wait_until(docs.isActiveWindow, 10, "the documents window active")
    with qtbot.waitSignal(docs.refreshed, timeout=60_000):
        docs.remove(NAME)  # only forgotten on this computer: the team keeps it
    assert docs.model.find(NAME) < 0
    form = docs.server_form
    qtbot.mouseClick(docs.server_btn, Qt.MouseButton.LeftButton)
    from PySide6.QtWidgets import QApplication

    focus = QApplication.focusWidget()
    assert form.url.text() == proxy.url  # the address is remembered in the form, and the name is next
    assert focus in (form.name, form.name.lineEdit()), focus
    assert "token was accepted" in _test(form, qtbot)  # the stored token
    assert [form.name.itemText(i) for i in range(form.name.count())] == [NAME]  # what can be joined
    form.name.setCurrentIndex(0)
    report = _finish(docs, qtbot, lambda: qtbot.keyClick(form.name.lineEdit(), Qt.Key.Key_Return))  # Enter joins
    assert not isinstance(report, Exception), report
    assert docs.status.text().startswith(f"Joined “{NAME}”")
    wait_until(lambda: docs.model.find(NAME) >= 0, 30, "the joined collection listed")
    assert "127.0.0.1" in _row(docs, NAME)
    hits: list = []
    docs.services.docs_runner.submit(lambda _j: docs.services.documents().search(NAME, "UDP port of the VPN", 1),
                                     on_done=hits.append, on_error=hits.append)
    wait_until(lambda: hits, 120, "a search of the joined collection")
    assert not isinstance(hits[0], Exception) and "51820" in hits[0][0].text


def test_server_down_or_silent_is_a_message_and_the_window_keeps_painting(docs, qtbot) -> None:
    form = docs.server_form
    form.open_form()
    form.url.setText(f"http://127.0.0.1:{free_port()}")  # nobody listens
    form.token.clear()
    form.name.setEditText(NAME)  # joined above on the other server: one name, one place
    qtbot.mouseClick(form.join_btn, Qt.MouseButton.LeftButton)
    assert f"already a collection called “{NAME}” on http://127.0.0.1:" in form.result.text()
    assert "cannot be reached" in _test(form, qtbot)
    form.name.setEditText("gone")
    report = _finish(docs, qtbot, lambda: qtbot.mouseClick(form.join_btn, Qt.MouseButton.LeftButton))
    assert isinstance(report, Exception)
    assert "cannot be reached" in docs.status.text() and "Traceback" not in docs.status.text()
    _assert_not_listed(docs, qtbot, "gone")  # a failed join leaves nothing behind in the list
    with socket.socket() as silent:  # accepts connections (the kernel does), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        form.open_form()
        form.url.setText(f"http://127.0.0.1:{silent.getsockname()[1]}")
        ticks: list[float] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(20)
        t0 = time.monotonic()
        words = _test(form, qtbot, timeout_ms=90_000)
        timer.stop()
    assert "did not answer" in words, words
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert time.monotonic() - t0 >= 5 and max(gaps) < 1.0, max(gaps)  # waited, and the UI thread never did


def test_a_refused_token_on_join_and_forget_token(docs, proxy, ring_file, qtbot) -> None:
    form = docs.server_form
    form.open_form()
    form.url.setText(proxy.url)
    form.token.setText("not-the-token")
    form.name.setEditText("locked out")
    report = _finish(docs, qtbot, lambda: qtbot.mouseClick(form.join_btn, Qt.MouseButton.LeftButton))
    assert isinstance(report, Exception)
    assert "refused Hearth's token" in docs.status.text() and "Traceback" not in docs.status.text()
    _assert_not_listed(docs, qtbot, "locked out")
    assert _ring(ring_file)[f"{CHROMA_SERVER_SERVICE}\0{proxy.url}"] == "not-the-token"
    form.open_form()
    qtbot.mouseClick(form.forget_btn, Qt.MouseButton.LeftButton)
    wait_until(lambda: "removed from the keyring" in form.token_status.text(), 30, "the token forgotten")
    assert _ring(ring_file) == {}
    qtbot.keyClick(form.url, Qt.Key.Key_Escape)  # Escape closes the form
    assert not form.isVisibleTo(docs)


def _own_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


def test_plain_http_off_this_computer_needs_the_tick_for_that_address(docs, chroma, corpus, qtbot) -> None:
    addr = _own_address()
    if addr is None:
        pytest.skip("this machine has no address but loopback")
    with ChromaProxy(chroma, host=addr) as lan:  # a server "off this computer" (no token checks)
        form = docs.server_form
        form.open_form()
        form.url.setText(lan.url)
        assert form.allow_http.isEnabled() and not form.allow_http.isChecked()
        assert f"{addr} (a team server)" in form.zone_note.text()
        form.name.setEditText("lan notes")
        qtbot.mouseClick(form.join_btn, Qt.MouseButton.LeftButton)
        assert "plain http://" in form.result.text() and "Allow plain http to this server" in form.result.text()
        assert lan.seen == []  # refused before any connection
        form.allow_http.setChecked(True)
        assert "asks for no token" in _test(form, qtbot)
        form.pick_folder()  # create it there from a folder (joining needs a collection the server has)

        def choose() -> None:
            form._dialog.fileSelected.emit(str(corpus))
            form._dialog.close()

        report = _finish(docs, qtbot, choose)
        assert not isinstance(report, Exception), report
        assert docs.services.config.documents.chroma_http_allowed == [lan.url]  # that address only
        assert docs.services.core.chroma_servers.address_problem(f"http://{addr}:1")
        wait_until(lambda: docs.model.find("lan notes") >= 0, 30, "the new shared collection listed")
        assert f"{addr} (a team server)" in _row(docs, "lan notes")
