"""Documents window and cited answers against the real index (parser worker, MiniLM, chromadb)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDropEvent

from engine.chats import ChatStore
from tests.desktop.conftest import open_window, test_config, wait_until

pytestmark = pytest.mark.slow

BIKE = ("Bicycle maintenance. The chain should be cleaned and lubricated every 300 kilometres, "
        "or after any ride in the rain. Use a dry lubricant in summer and a wet lubricant in winter.")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    (root / "bikes.md").write_text(f"# Workshop\n\n## Bikes\n\n{BIKE}\n")
    (root / "kayak.txt").write_text("Rinse the kayak with fresh water after paddling in the sea and store it upside down.\n")
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n% truncated download\n1 0 obj <<")
    return root


@pytest.fixture(scope="module")
def window(qapp, module_home: Path):
    w = open_window(test_config(documents={"chunk_tokens": 64, "chunk_overlap": 16}))
    yield w
    w.close()


def test_add_folder_indexes_and_shows_status(window, corpus, qtbot):
    docs = window.open_documents()
    wait_until(lambda: docs.model.rowCount() == 0 and docs.status is not None, 30, "the documents window")
    docs.name.setText("workshop")
    with qtbot.waitSignal(docs.indexing_finished, timeout=180_000) as sig:
        docs.add_paths([str(corpus)])
        assert docs.progress.isVisible() and docs.cancel_btn.isVisibleTo(docs)
    report = sig.args[0]
    assert not isinstance(report, Exception), report
    assert report.indexed == 2 and [Path(p).name for p, _ in report.failed] == ["broken.pdf"]
    wait_until(lambda: docs.model.find("workshop") >= 0 and docs.selected_name() == "workshop", 30, "the list")
    assert not docs.progress.isVisible() and not docs.cancel_btn.isVisibleTo(docs)
    assert "2 files" in docs.d_counts.text() and "1 failed" in docs.d_counts.text()
    assert docs.d_state.text() == "ready"
    # "YYYY-MM-DD HH:MM" local time, within a minute or so of now (indexing just finished)
    last = time.mktime(time.strptime(docs.d_last.text(), "%Y-%m-%d %H:%M"))
    assert time.time() - 180 <= last <= time.time()
    problems = [docs.problems.item(i).text() for i in range(docs.problems.count())]
    assert len(problems) == 1 and problems[0].startswith("broken.pdf")
    assert "workshop" in docs.status.text() and "ready" in docs.status.text()
    # the chat's collection picker learned about it
    wait_until(lambda: window.composer.collection.findData("workshop") >= 0, 10, "the collection picker")


def test_cited_answer_from_documents(window, qtbot):
    window.new_chat()
    i = window.composer.collection.findData("workshop")
    window.composer.collection.setCurrentIndex(i)
    window.composer.input.setPlainText("How often should the bicycle chain be lubricated?")
    with qtbot.waitSignal(window.turn_finished, timeout=180_000):
        qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    bot = window.chat.widgets[-1]
    assert bot.msg.status == "complete" and bot.badge.text() == "Local"
    assert bot.msg.citations, "the answer carries no citations"
    assert Path(bot.msg.citations[0].path).name == "bikes.md"
    labels = [b.text() for b in bot.findChildren(type(bot.copy_btn)) if b.text().startswith("[1]")]
    assert labels and "bikes.md" in labels[0]
    store = ChatStore(window.services.chats.path)
    try:
        saved = store.messages(window.current_chat)[-1]
        assert [Path(c.path).name for c in saved.citations] == [Path(c.path).name for c in bot.msg.citations]
    finally:
        store.close()
    # clicking a source opens the file (through the desktop's URL handling)
    opened: list[QUrl] = []

    class Catcher(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(url)

    catcher = Catcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        button = next(b for b in bot.findChildren(type(bot.copy_btn)) if b.text().startswith("[1]"))
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()).name for u in opened] == ["bikes.md"]
    window.composer.collection.setCurrentIndex(0)


def test_drop_files_adds_them(window, corpus, tmp_path, qtbot):
    docs = window.open_documents()
    extra = tmp_path / "bread.md"
    extra.write_text("# Bread\n\nSourdough needs a starter fed twice a day and a long cold proof overnight.\n")
    docs.name.setText("kitchen")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(extra))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(docs.indexing_finished, timeout=180_000) as sig:
        docs.dropEvent(event)
    assert sig.args[0].indexed == 1
    wait_until(lambda: docs.model.find("kitchen") >= 0, 30, "the new collection")


def test_cancel_before_start_then_reindex(window, qtbot):
    docs = window.open_documents()
    wait_until(lambda: docs.model.find("kitchen") >= 0, 30, "collections listed")
    docs.list.setCurrentIndex(docs.model.index(docs.model.find("kitchen")))
    gate = threading.Event()
    window.services.docs_runner.submit(lambda _j: gate.wait(30))  # hold the index writer busy
    with qtbot.waitSignal(docs.indexing_finished, timeout=60_000) as sig:
        docs.reindex_selected()
        assert docs.cancel_btn.isVisibleTo(docs)
        qtbot.mouseClick(docs.cancel_btn, Qt.MouseButton.LeftButton)
        gate.set()
    assert type(sig.args[0]).__name__ == "Cancelled"
    assert "Cancelled" in docs.status.text()
    with qtbot.waitSignal(docs.indexing_finished, timeout=120_000) as sig:
        docs.reindex_selected()
    assert not sig.args[0].cancelled and sig.args[0].unchanged == 1


def test_remove_collection(window, qtbot):
    docs = window.open_documents()
    wait_until(lambda: docs.model.find("kitchen") >= 0, 30, "collections listed")
    docs.list.setCurrentIndex(docs.model.index(docs.model.find("kitchen")))
    docs.confirm_remove()
    docs._remove_box.action_button.click()
    wait_until(lambda: docs.model.find("kitchen") < 0, 30, "the collection to go")
    assert docs.model.find("workshop") >= 0
    wait_until(lambda: window.composer.collection.findData("kitchen") < 0, 10, "the picker to drop it")


def test_missing_folder_gives_a_clear_error(window, tmp_path, qtbot):
    docs = window.open_documents()
    with qtbot.waitSignal(docs.indexing_finished, timeout=30_000) as sig:
        docs.add_paths([str(tmp_path / "nope")], collection="ghost")
    assert type(sig.args[0]).__name__ == "IndexError_"
    assert "does not exist" in docs.status.text()
