"""The Documents window offers "Rebuild with <model>…" for a collection on this computer built with
another embedder than new collections get, and runs it like a re-index (worker, progress, cancel),
against the real document service (child process, real MiniLM embeddings) on a temporary home.

Without the window's rebuild offer these tests fail: there is no button, only CLI advice."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.app import build_window
from engine.config import DocumentSettings, load_config, save_config
from engine.starter import STARTER_EMBEDDER_ID
from tests.desktop.conftest import test_config, wait_until

pytestmark = pytest.mark.slow
FLOAT32 = STARTER_EMBEDDER_ID                    # what collections were built with before stop 23
NEW = DocumentSettings().embedding_model         # the default for new collections (int8 MiniLM)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rebuild-corpus")
    (root / "garden.md").write_text("# Garden\n\nWater the tomato plants early in the morning, at the roots.\n")
    (root / "boat.txt").write_text("Check the bilge pump before every trip and carry a spare fuse.\n")
    return root


@pytest.fixture(scope="module")
def docs(qapp, module_home: Path, corpus: Path):
    from engine.docs.service import DocumentService
    from engine.paths import get_paths

    assert NEW != FLOAT32
    # a collection built with the float32 model (as every one was before the int8 default)
    old = DocumentService(get_paths(), DocumentSettings(chunk_tokens=64, chunk_overlap=16, embedding_model=FLOAT32))
    try:
        assert old.add("old", [corpus]).indexed == 2
        assert old.add("kept", [corpus / "garden.md"]).indexed == 1
        assert old.status("old").embed_model == FLOAT32
    finally:
        old.close()
    save_config(test_config(documents={"chunk_tokens": 64, "chunk_overlap": 16}))  # the default embedder
    w = build_window(load_config(), start=False)  # no chat model needed
    d = w.open_documents()
    wait_until(lambda: d.is_warm, 300, "the documents process")
    wait_until(lambda: d.model.find("old") >= 0, 60, "the collection listed")
    yield d
    w.close()


def _select(d, name: str) -> None:
    d.list.setCurrentIndex(d.model.index(d.model.find(name)))
    assert d.selected_name() == name


def test_offered_only_when_the_embedder_differs(docs, corpus, qtbot) -> None:
    _select(docs, "old")
    assert docs.selected().new_model == NEW
    assert docs.rebuild_btn.isVisibleTo(docs) and docs.rebuild_btn.isEnabled()
    assert docs.rebuild_btn.text() == f"Rebuild with {NEW}…"
    assert docs.d_model.text().startswith(FLOAT32) and "hearth docs reindex" not in docs.d_model.text()
    # a collection made now gets the new embedder: nothing to offer
    with qtbot.waitSignal(docs.indexing_finished, timeout=300_000) as sig:
        docs.new_collection("fresh", [str(corpus / "boat.txt")])
    assert not isinstance(sig.args[0], Exception), sig.args[0]
    wait_until(lambda: docs.selected_name() == "fresh", 60, "the new collection selected")
    assert docs.selected().embed_model == NEW
    assert not docs.rebuild_btn.isVisibleTo(docs) and docs.d_model.text() == NEW
    # a shared collection keeps its server's embedder: no button, and the reason is given
    shared = dataclasses.replace(docs.selected(), name="team", server="https://chroma.example.lan:8000",
                                 embed_model=FLOAT32)
    docs.model.set_rows(docs.model.rows() + [shared])
    _select(docs, "team")
    assert not docs.rebuild_btn.isVisibleTo(docs)
    assert "everyone searching it" in docs.d_model.toolTip() and "server" in docs.d_model.text()
    docs.confirm_rebuild()  # even if asked, nothing is offered
    assert getattr(docs, "_rebuild_box", None) is None
    with qtbot.waitSignal(docs.refreshed, timeout=60_000):
        docs.refresh(select="old")


def test_rebuild_runs_in_a_worker_and_records_the_new_embedder(docs, qtbot) -> None:
    _select(docs, "old")
    proc = docs.services.documents()
    calls: list[tuple[threading.Thread, object]] = []
    real = proc.reindex

    def spy(*args, **kwargs):
        calls.append((threading.current_thread(), kwargs.get("rebuild")))
        return real(*args, **kwargs)

    proc.reindex = spy
    progress: list[object] = []
    shown: list[object] = []
    docs._progress = lambda p: (shown.append(p), type(docs)._progress(docs, p))  # what the bar is given
    try:
        # keyboard: focus the button, Space opens the confirmation
        docs.rebuild_btn.setFocus()
        qtbot.keyClick(docs.rebuild_btn, Qt.Key.Key_Space)
        box = docs._rebuild_box
        words = box.text()
        assert f"with {NEW}?" in words and "embedded again" in words
        assert "deleted when the rebuild starts" in words and "If you cancel" in words
        assert box.isVisible()
        with qtbot.waitSignal(docs.indexing_finished, timeout=300_000) as sig:
            box.action_button.click()
            assert docs.progress.isVisible() and docs.cancel_btn.isVisibleTo(docs)
            assert not docs.rebuild_btn.isEnabled() and not docs.reindex_btn.isEnabled()
            progress.append(docs.status.text())
    finally:
        del proc.reindex
        del docs._progress
    report = sig.args[0]
    assert not isinstance(report, Exception), report
    assert report.rebuilt and not report.cancelled and report.indexed == 2
    assert calls and calls[0][1] is True and calls[0][0] is not threading.main_thread()
    assert progress[0].startswith("Rebuilding “old” with")
    assert shown and shown[-1].files_done == shown[-1].files_total == 2
    # the window shows the new embedder once the list is refreshed, and offers nothing more
    wait_until(lambda: docs.selected_name() == "old" and docs.selected().embed_model == NEW, 60,
               "the new embedder shown")
    assert docs.d_model.text() == NEW and not docs.rebuild_btn.isVisibleTo(docs)
    assert "rebuilt with" in docs.status.text()
    # the collection itself records it, and is searchable with it
    assert proc.status("old").embed_model == NEW
    hits = proc.search("old", "when should tomatoes be watered")
    assert hits and Path(hits[0].path).name == "garden.md"


def test_a_rebuild_cancelled_before_it_starts_changes_nothing(docs, qtbot) -> None:
    _select(docs, "kept")
    assert docs.rebuild_btn.isVisibleTo(docs)
    gate = threading.Event()
    docs.services.docs_runner.submit(lambda _j: gate.wait(30))  # the index writer is busy
    try:
        docs.confirm_rebuild()
        with qtbot.waitSignal(docs.indexing_finished, timeout=60_000) as sig:
            docs._rebuild_box.action_button.click()
            assert docs.cancel_btn.isVisibleTo(docs)
            qtbot.mouseClick(docs.cancel_btn, Qt.MouseButton.LeftButton)
            gate.set()
    finally:
        gate.set()
    assert type(sig.args[0]).__name__ == "Cancelled"
    wait_until(lambda: docs.selected_name() == "kept" and not docs.cancel_btn.isVisibleTo(docs), 60, "refreshed")
    assert docs.selected().embed_model == FLOAT32 and docs.selected().chunks > 0
    assert docs.rebuild_btn.isVisibleTo(docs) and docs.rebuild_btn.isEnabled()  # still offered
