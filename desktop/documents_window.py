"""Documents: collections, adding folders/files (dialog or drag-and-drop), progress, re-index, remove.

All index work runs on the ``docs`` runner, the one writer of the index. Progress from the
indexer is throttled in the job (at most ~10 updates/s) so the window stays light.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListView,
                               QListWidget, QProgressBar, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from desktop.confirm import confirm_destructive
from desktop.item_models import ROW_ROLE, RowListModel

PROGRESS_EVERY_S = 0.1


def _describe(c: Any) -> str:
    return f"{c.name}  ·  {c.files_indexed} files · {c.state}"


class DocumentsWindow(QWidget):
    collections_changed = Signal(list)    # names
    warmed = Signal()                     # embedder and index loaded: indexing starts at once
    indexing_finished = Signal(object)    # IndexReport | HearthError
    refreshed = Signal()

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services = services
        self.setWindowTitle("Documents — Hearth")
        self.resize(820, 520)
        self.setAcceptDrops(True)
        self._job: Any = None
        self.model = RowListModel(_describe, lambda c: c.name, self)
        lay = QVBoxLayout(self)
        intro = QLabel("Hearth can answer from your files. They are read and indexed on this computer; "
                       "nothing is uploaded. Drop folders or files here to add them.")
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        lay.addWidget(intro)
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_selected())
        ll.addWidget(self.list, 1)
        name_row = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("Collection name")
        name_row.addWidget(self.name)
        ll.addLayout(name_row)
        add_row = QHBoxLayout()
        self.add_folder_btn = QPushButton("Add folder…")
        self.add_folder_btn.clicked.connect(self._pick_folder)
        self.add_files_btn = QPushButton("Add files…")
        self.add_files_btn.clicked.connect(self._pick_files)
        add_row.addWidget(self.add_folder_btn)
        add_row.addWidget(self.add_files_btn)
        ll.addLayout(add_row)
        split.addWidget(left)

        right = QWidget()
        rl = QVBoxLayout(right)
        form = QFormLayout()
        self.d_name = QLabel("—")
        self.d_name.setStyleSheet("font-weight: 600;")
        self.d_roots = QLabel("—")
        self.d_roots.setWordWrap(True)
        self.d_counts = QLabel("—")
        self.d_state = QLabel("—")
        self.d_last = QLabel("—")
        self.d_model = QLabel("—")
        form.addRow("Collection", self.d_name)
        form.addRow("Folders and files", self.d_roots)
        form.addRow("Indexed", self.d_counts)
        form.addRow("State", self.d_state)
        form.addRow("Last indexed", self.d_last)
        form.addRow("Embedding model", self.d_model)
        rl.addLayout(form)
        rl.addWidget(QLabel("Files that could not be read:"))
        self.problems = QListWidget()
        rl.addWidget(self.problems, 1)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("Muted")
        self.progress_label.setVisible(False)
        rl.addWidget(self.progress)
        rl.addWidget(self.progress_label)
        btns = QHBoxLayout()
        self.reindex_btn = QPushButton("Re-index")
        self.reindex_btn.clicked.connect(self.reindex_selected)
        self.remove_btn = QPushButton("Remove collection")
        self.remove_btn.clicked.connect(self.confirm_remove)
        self.cancel_btn = QPushButton("Cancel indexing")
        self.cancel_btn.clicked.connect(self.cancel)
        self.cancel_btn.setVisible(False)
        btns.addWidget(self.reindex_btn)
        btns.addWidget(self.remove_btn)
        btns.addStretch(1)
        btns.addWidget(self.cancel_btn)
        rl.addLayout(btns)
        split.addWidget(right)
        split.setSizes([300, 520])
        lay.addWidget(split, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self._update_buttons()
        self.is_warm = False
        self.status.setText("Preparing document search…")
        self.services.warm_documents(self._warmed)
        self.refresh()

    def _warmed(self, ok: Any) -> None:
        self.is_warm = bool(ok)
        if self._job is None and self.status.text() == "Preparing document search…":
            self.status.setText("")
        self.warmed.emit()

    # -- data -------------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        def job(_j: Any) -> list[Any]:
            docs = self.services.documents()
            if docs is None:
                from engine.errors import IndexError_
                raise IndexError_("Document search is not available in this installation.")
            return docs.collections()

        def done(rows: list[Any]) -> None:
            current = select or self.selected_name()
            self.model.set_rows(rows)
            i = self.model.find(current) if current else (0 if rows else -1)
            if i >= 0:
                self.list.setCurrentIndex(self.model.index(i))
            self._show_selected()
            self.collections_changed.emit([r.name for r in rows])
            self.refreshed.emit()

        self.services.docs_runner.submit(job, on_done=done, on_error=self._error)

    def selected(self) -> Any:
        idx = self.list.currentIndex()
        return idx.data(ROW_ROLE) if idx.isValid() else None

    def selected_name(self) -> str | None:
        c = self.selected()
        return c.name if c is not None else None

    def _show_selected(self) -> None:
        c = self.selected()
        self.problems.clear()
        if c is None:
            for lbl in (self.d_name, self.d_roots, self.d_counts, self.d_state, self.d_last, self.d_model):
                lbl.setText("—")
        else:
            self.d_name.setText(c.name)
            self.d_roots.setText("\n".join(c.roots) or "—")
            self.d_counts.setText(f"{c.files_indexed} files, {c.chunks} passages; "
                                  f"{c.files_skipped} skipped, {c.files_failed} failed")
            self.d_state.setText(c.state)
            self.d_last.setText(time.strftime("%Y-%m-%d %H:%M", time.localtime(c.last_indexed))
                                if c.last_indexed is not None else "never")
            self.d_model.setText(c.embed_model or "—")
            for path, status, reason in c.problems:
                self.problems.addItem(f"{Path(path).name} — {status}: {reason}")
            if not self.name.text():
                self.name.setText(c.name)
        self._update_buttons()

    # -- actions ----------------------------------------------------------------------------
    def target_name(self) -> str:
        return self.name.text().strip() or self.selected_name() or "My documents"

    def _pick_folder(self) -> None:
        dlg = QFileDialog(self, "Add a folder")
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.fileSelected.connect(lambda p: self.add_paths([p]))
        dlg.open()
        self._dialog = dlg

    def _pick_files(self) -> None:
        dlg = QFileDialog(self, "Add files")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dlg.filesSelected.connect(self.add_paths)
        dlg.open()
        self._dialog = dlg

    def add_paths(self, paths: list[str], collection: str | None = None) -> None:
        if not paths or self._job is not None:
            return
        name = collection or self.target_name()
        self._run(lambda docs, progress, cancel: docs.add(name, paths, progress=progress, cancel=cancel),
                  name, f"Adding {len(paths)} item(s) to “{name}”…")

    def reindex_selected(self) -> None:
        name = self.selected_name()
        if name and self._job is None:
            self._run(lambda docs, progress, cancel: docs.reindex(name, progress=progress, cancel=cancel),
                      name, f"Re-indexing “{name}”…")

    def confirm_remove(self) -> None:
        name = self.selected_name()
        if not name:
            return
        self._remove_box = confirm_destructive(
            self, "Remove collection",
            f"Remove “{name}” from Hearth? Your files are not touched; only the index is deleted.",
            "Remove", lambda: self.remove(name))

    def remove(self, name: str) -> None:
        self.services.docs_runner.submit(lambda _j: self.services.documents().remove(name),
                                         on_done=lambda _r: (self.name.clear(), self.refresh()),
                                         on_error=self._error)

    def _run(self, fn: Any, name: str, text: str) -> None:
        def job(j: Any) -> Any:
            docs = self.services.documents()
            last = [0.0]

            def progress(p: Any) -> None:
                now = time.monotonic()
                if now - last[0] >= PROGRESS_EVERY_S or p.files_done >= p.files_total:
                    last[0] = now
                    j.report(p)

            return fn(docs, progress, j.cancelled)

        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.progress_label.setVisible(True)
        self.progress_label.setText("Looking for files…")
        self._job = self.services.docs_runner.submit(job, on_done=lambda r: self._finished(r, name),
                                                     on_error=lambda e: self._failed(e, name),
                                                     on_progress=self._progress)
        self._update_buttons()

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.progress_label.setText("Cancelling… (files indexed so far are kept)")

    def _progress(self, p: Any) -> None:
        if p.files_total:
            self.progress.setRange(0, p.files_total)
            self.progress.setValue(p.files_done)
        eta = f", about {p.eta_s:.0f} s left" if p.eta_s else ""
        self.progress_label.setText(f"{p.files_done} / {p.files_total} files, {p.chunks} passages{eta}"
                                    f" — {Path(p.current_file).name if p.current_file else ''}")

    def _finished(self, report: Any, name: str) -> None:
        self._job = None
        self.progress.setVisible(False)
        self.progress_label.setVisible(False)
        if report.cancelled:
            self.status.setText(f"Indexing of “{name}” was cancelled; {report.indexed} file(s) were indexed. "
                                "Re-index to finish.")
        else:
            extra = f"; {len(report.failed)} failed, {len(report.skipped)} skipped" if (report.failed or report.skipped) else ""
            self.status.setText(f"“{name}” is ready: {report.indexed} new or changed file(s), "
                                f"{report.unchanged} unchanged, {report.chunks_added} passages{extra}.")
        self.refresh(select=name)
        self.indexing_finished.emit(report)

    def _failed(self, err: Any, name: str) -> None:
        self._job = None
        self.progress.setVisible(False)
        self.progress_label.setVisible(False)
        self._error(err)
        self.refresh(select=name)
        self.indexing_finished.emit(err)

    def _error(self, err: Any) -> None:
        text = err.user_text() if hasattr(err, "user_text") else str(err)
        self.status.setText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self._job is not None
        has = self.selected() is not None
        self.cancel_btn.setVisible(busy)
        for b in (self.add_folder_btn, self.add_files_btn):
            b.setEnabled(not busy)
        self.reindex_btn.setEnabled(has and not busy)
        self.remove_btn.setEnabled(has and not busy)

    # -- drag and drop ----------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls() and any(u.isLocalFile() for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if paths:
            e.acceptProposedAction()
            self.add_paths(paths)
