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
    assert not docs.add_folder_btn.isEnabled()  # nothing to add to yet: only "New collection…"
    qtbot.mouseClick(docs.new_btn, Qt.MouseButton.LeftButton)
    assert docs.new_row.isVisibleTo(docs)
    # generous: the first job loads the embedder, on a machine that may be busy
    with qtbot.waitSignal(docs.indexing_finished, timeout=600_000) as sig:
        docs.new_collection("workshop", [str(corpus)])
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
    assert [docs.roots.item(i).text() for i in range(docs.roots.count())] == [str(corpus)]
    assert docs.add_folder_btn.isEnabled() and "workshop" in docs.add_folder_btn.text()
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
    # clicking a source shows the passage in the app; opening the file is a second step
    button = next(b for b in bot.findChildren(type(bot.copy_btn)) if b.text().startswith("[1]"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    view = window.links.passage_view
    qtbot.waitUntil(lambda: "lubricated" in view.text.toPlainText(), timeout=30_000)
    assert view.isVisible() and view.file_label.text() == "bikes.md"
    assert "Bikes" in view.where_label.text()
    assert "lubricated every 300 kilometres" in view.highlighted_text()
    opened: list[QUrl] = []

    class Catcher(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(url)

    catcher = Catcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        qtbot.mouseClick(view.open_btn, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()).name for u in opened] == ["bikes.md"]
    assert not view.message.isVisible()
    view.close()
    window.composer.collection.setCurrentIndex(0)


def test_open_file_says_so_when_nothing_can_open_it(window, corpus, qtbot, monkeypatch):
    import desktop.passage_view as pv
    from engine.events import Citation

    monkeypatch.setattr(pv, "PAGE_VIEWERS", ())
    monkeypatch.setattr(pv, "_open_url", lambda url: False)  # what Qt answers with no launcher
    view = window.links.show_citations([Citation(str(corpus / "bikes.md"), None, "Workshop > Bikes", BIKE[:60])])
    qtbot.waitUntil(lambda: view.text.toPlainText() != "Loading the passage…", timeout=30_000)
    with qtbot.waitSignal(view.open_result) as sig:
        qtbot.mouseClick(view.open_btn, Qt.MouseButton.LeftButton)
    assert "No program to open this file" in sig.args[0]
    assert view.message.isVisible() and str(corpus / "bikes.md") in view.message.text()
    view.close()


def test_a_pdf_citation_opens_at_its_page_in_a_viewer_that_takes_one(window, tmp_path, monkeypatch):
    import desktop.passage_view as pv

    pdf = tmp_path / "manual.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    launched: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(pv.shutil, "which", lambda name: f"/usr/bin/{name}" if name == "okular" else None)
    monkeypatch.setattr(pv, "_start", lambda exe, args: launched.append((exe, args)) or True)
    assert pv.open_file(str(pdf), 12) is None
    assert launched == [("/usr/bin/okular", ["-p", "12", str(pdf)])]


def test_two_passages_of_one_section_are_one_source(window, corpus, qtbot):
    from desktop.chat_view import MessageData
    from engine.events import Citation

    path = str(corpus / "bikes.md")
    text = f"Workshop\n\nBikes\n\n{BIKE}"  # the parsed text citations point into (headings without '#')
    a, b = text.index("The chain"), text.index("Use a dry")
    cites = [Citation(path, None, "Workshop > Bikes", "The chain…", 0.9, a, a + 40),
             Citation(path, None, "Workshop > Bikes", "Use a dry…", 0.8, b, b + 30),
             Citation(str(corpus / "kayak.txt"), None, "", "Rinse the kayak…", 0.5, 0, 20)]
    w = window.chat.add_message(MessageData(None, "assistant", "Clean it [1][2]; see also [3].", citations=cites))
    labels = [x.text() for x in w.findChildren(type(w.copy_btn)) if x.text().startswith("[")]
    assert labels == ["[1, 2] bikes.md — Workshop > Bikes · 2 passages", "[3] kayak.txt"]
    button = next(x for x in w.findChildren(type(w.copy_btn)) if x.text().startswith("[1, 2]"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    view = window.links.passage_view
    qtbot.waitUntil(lambda: "Use a dry" in view.highlighted_text(), timeout=30_000)
    assert "The chain should be cleaned" in view.highlighted_text()
    assert "2 passages" in view.where_label.text()
    view.close()
    window.chat.remove_from(len(window.chat.widgets) - 1)


def test_answer_from_is_remembered_per_chat(window, qtbot):
    ids: list[int] = []
    for _ in range(2):
        with qtbot.waitSignal(window.chats_loaded, timeout=10_000):
            window.services.with_store(lambda s: s.create(), lambda c: (ids.append(c.id), window.refresh_chats()),
                                       lambda e: None)
    first, second = ids
    combo = window.composer.collection
    with qtbot.waitSignal(window.messages_loaded, timeout=10_000):
        window.open_chat(first)
    combo.setCurrentIndex(combo.findData("workshop"))
    with qtbot.waitSignal(window.messages_loaded, timeout=10_000):
        window.open_chat(second)
    assert window.composer.selected_collection() is None  # this chat never chose one
    with qtbot.waitSignal(window.messages_loaded, timeout=10_000):
        window.open_chat(first)
    assert window.composer.selected_collection() == "workshop"
    # kept on disk for the next start
    wait_until(lambda: window.links.choices_file.exists()
               and '"workshop"' in window.links.choices_file.read_text(), 10, "the saved choice")
    combo.setCurrentIndex(0)


def test_collection_added_with_the_cli_appears_without_opening_documents(window, module_home, tmp_path, qtbot):
    import os
    import subprocess
    import sys

    docs_window = window._windows.get("documents")
    if docs_window is not None:
        docs_window.close()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "tea.md").write_text("# Tea\n\nGreen tea steeps for two minutes at 80 degrees.\n")
    done = subprocess.run([sys.executable, "-m", "engine", "docs", "add", str(notes), "--name", "cli-notes", "-q"],
                          env={**os.environ, "HEARTH_HOME": str(module_home)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    # the manifest changed on disk: the picker refreshes by itself (no focus needed, no Documents window)
    wait_until(lambda: window.composer.collection.findData("cli-notes") >= 0, 60, "the CLI's collection in the picker")


def test_drop_files_adds_them(window, corpus, tmp_path, qtbot):
    docs = window.open_documents()
    extra = tmp_path / "kitchen" / "bread.md"
    extra.parent.mkdir()
    extra.write_text("# Bread\n\nSourdough needs a starter fed twice a day and a long cold proof overnight.\n")
    docs.list.clearSelection()
    docs.list.setCurrentIndex(docs.model.index(-1))
    assert docs.selected_name() is None  # nothing selected: the drop makes a new collection
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(extra.parent))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(docs.indexing_finished, timeout=180_000) as sig:
        docs.dropEvent(event)
    assert sig.args[0].indexed == 1
    wait_until(lambda: docs.model.find("kitchen") >= 0, 30, "the new collection")
    workshop = docs.model.find("workshop")
    assert workshop >= 0 and "2 files" in docs.model.index(workshop).data()  # not added to workshop


def test_new_collection_never_adds_to_an_existing_one(window, corpus, tmp_path, qtbot):
    docs = window.open_documents()
    wait_until(lambda: docs.model.find("workshop") >= 0, 30, "collections listed")
    docs.list.setCurrentIndex(docs.model.index(docs.model.find("workshop")))
    docs.new_collection("workshop", [str(tmp_path)])
    assert "already a collection called “workshop”" in docs.status.text() and docs._job is None
    docs.new_collection("  ", [str(tmp_path)])
    assert "name" in docs.status.text() and docs._job is None


def test_add_to_this_collection_then_remove_that_folder(window, corpus, tmp_path, qtbot):
    docs = window.open_documents()
    wait_until(lambda: docs.model.find("workshop") >= 0, 30, "collections listed")
    docs.list.setCurrentIndex(docs.model.index(docs.model.find("workshop")))
    garage = tmp_path / "garage"
    garage.mkdir()
    (garage / "tyres.md").write_text("# Tyres\n\nCheck the tyre pressure every month; 4 bar for road bikes.\n")
    with qtbot.waitSignal(docs.indexing_finished, timeout=180_000) as sig:
        docs.add_to_selected([str(garage)])
    assert sig.args[0].indexed == 1
    wait_until(lambda: docs.roots.count() == 2, 30, "two folders listed")
    row = next(i for i in range(docs.roots.count()) if docs.roots.item(i).text() == str(garage))
    docs.roots.setCurrentRow(row)
    assert docs.remove_root_btn.isEnabled()
    with qtbot.waitSignal(docs.indexing_finished, timeout=120_000) as sig:
        qtbot.mouseClick(docs.remove_root_btn, Qt.MouseButton.LeftButton)
        docs._remove_root_box.action_button.click()
    assert sig.args[0].removed == 1
    wait_until(lambda: docs.roots.count() == 1 and "2 files" in docs.d_counts.text(), 30, "the folder to go")
    assert garage.exists() and (garage / "tyres.md").exists()  # the files themselves are untouched


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
        docs.new_collection("ghost", [str(tmp_path / "nope")])
    assert type(sig.args[0]).__name__ == "IndexError_"
    assert "does not exist" in docs.status.text()
