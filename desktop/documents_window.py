"""Documents: collections, adding folders/files (dialog or drag-and-drop), progress, re-index, remove.

Two explicit actions: "New collection…" creates one (name first, then what to put in it), and
"Add folder…"/"Add files…" add to the selected collection, whose name they show. "Shared
collection on a server…" creates or joins one on a team's Chroma server
(``desktop.server_collection``); the list says where each collection lives. A dropped
folder goes into the selected collection, or becomes a new one named after it when none is
selected. A folder or file can be removed from a collection (the files themselves are untouched).
A collection on this computer built with another embedding model than new collections get offers
"Rebuild with <model>…" (``DocumentService.reindex(name, rebuild=True)``), run like a re-index;
a shared collection keeps what its server records (the engine refuses to rebuild it).

All index work runs on the ``docs`` runner, the one writer of the index. Progress from the
indexer is throttled in the job (at most ~10 updates/s) so the window stays light.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QFileDialog, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QListView,
                               QListWidget, QListWidgetItem, QProgressBar, QPushButton, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from desktop.confirm import confirm_destructive
from desktop.item_models import ROW_ROLE, RowListModel
from desktop.server_collection import ServerCollectionForm
from engine.core import location_text as where_text

PROGRESS_EVERY_S = 0.1
SHARED_MODEL_TIP = ("A shared collection keeps the embedding model its server records: everyone searching it "
                    "needs the same one, so it cannot be rebuilt with another. To use another model, add your "
                    "documents to a new shared collection.")


def model_name(model_id: str) -> str:
    """A model as people read it: a model folder by its name."""
    return Path(model_id).name if model_id.startswith(("/", "~")) else model_id


def rebuild_offer(c: Any) -> str:
    """The embedder to offer rebuilding ``c`` with, "" for none: only a collection on this
    computer whose embedder differs from the one new collections get."""
    new = getattr(c, "new_model", "") if c is not None else ""
    if not new or not c.embed_model or new == c.embed_model or getattr(c, "server", ""):
        return ""
    return new


def _describe(c: Any) -> str:
    return f"{c.name}  ·  {c.files_indexed} files · {c.state}  ·  {where_text(getattr(c, 'server', ''))}"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def progress_text(p: Any) -> str:
    """"12 / 40 files · 3.1 of 9.8 MB · 840 passages · about 25 s left — name.pdf". The time
    left comes from bytes done (indexer.Progress), so one big file no longer makes it jump."""
    parts = [f"{p.files_done} / {p.files_total} files"]
    if getattr(p, "bytes_total", 0):
        parts.append(f"{_size(p.bytes_done)} of {_size(p.bytes_total)}")
    parts.append(f"{p.chunks} passages")
    if p.eta_s is not None:
        parts.append(f"about {p.eta_s:.0f} s left" if p.eta_s < 120 else f"about {p.eta_s / 60:.0f} min left")
    name = Path(p.current_file).name if p.current_file else ""
    return " · ".join(parts) + (f" — {name}" if name else "")


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
        intro = QLabel("Hearth can answer from your files. They are read and indexed on this computer, and a "
                       "collection on this computer uploads nothing; a shared collection keeps its passages "
                       "on your team's server. Drop folders or files here to add them to the selected "
                       "collection.")
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        lay.addWidget(intro)
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.list = QListView()
        self.list.setMinimumHeight(90)
        self.list.setModel(self.model)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_selected())
        ll.addWidget(self.list, 1)
        self.new_btn = QPushButton("New collection…")
        self.new_btn.clicked.connect(self.start_new_collection)
        ll.addWidget(self.new_btn)
        # The new-collection row: a name, then what to put in it.
        self.new_row = QWidget()
        nl = QVBoxLayout(self.new_row)
        nl.setContentsMargins(0, 0, 0, 0)
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("Name of the new collection")
        nl.addWidget(self.new_name)
        nr = QHBoxLayout()
        self.new_folder_btn = QPushButton("Choose folder…")
        self.new_folder_btn.clicked.connect(lambda: self._pick_folder(new=True))
        self.new_files_btn = QPushButton("Choose files…")
        self.new_files_btn.clicked.connect(lambda: self._pick_files(new=True))
        self.new_cancel_btn = QPushButton("Cancel")
        self.new_cancel_btn.clicked.connect(lambda: self.new_row.setVisible(False))
        for b in (self.new_folder_btn, self.new_files_btn, self.new_cancel_btn):
            nr.addWidget(b)
        nl.addLayout(nr)
        self.new_row.setVisible(False)
        ll.addWidget(self.new_row)
        self.server_btn = QPushButton("Shared collection on a server…")
        self.server_btn.setToolTip("Create or join a collection kept on your team's Chroma server")
        self.server_btn.clicked.connect(self.start_server_collection)
        ll.addWidget(self.server_btn)
        self.server_form = ServerCollectionForm(services, self._start_server_collection,
                                                lambda: {r.name: getattr(r, "server", "") for r in self.model.rows()})
        self.server_form.setVisible(False)
        # the form is tall: it scrolls in a short window rather than squeezing its words
        self.server_scroll = QScrollArea()
        self.server_scroll.setWidgetResizable(True)
        self.server_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.server_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.server_scroll.setWidget(self.server_form)
        self.server_scroll.setVisible(False)
        self.server_form.shown.connect(self._server_form_shown)
        ll.addWidget(self.server_scroll, 3)
        split.addWidget(left)

        right = QWidget()
        rl = QVBoxLayout(right)
        form = QFormLayout()
        self.d_name = QLabel("—")
        self.d_name.setStyleSheet("font-weight: 600;")
        self.roots = QListWidget()
        self.roots.setMaximumHeight(110)
        self.roots.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.d_counts = QLabel("—")
        self.d_state = QLabel("—")
        self.d_last = QLabel("—")
        self.d_model = QLabel("—")
        self.d_model.setWordWrap(True)
        self.d_model.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.d_where = QLabel("—")
        self.d_where.setWordWrap(True)
        self.d_where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Collection", self.d_name)
        form.addRow("Kept on", self.d_where)
        form.addRow("Folders and files", self.roots)
        form.addRow("Indexed", self.d_counts)
        form.addRow("State", self.d_state)
        form.addRow("Last indexed", self.d_last)
        form.addRow("Embedding model", self.d_model)
        rl.addLayout(form)
        add_row = QHBoxLayout()
        self.add_folder_btn = QPushButton("Add folder…")
        self.add_folder_btn.clicked.connect(lambda: self._pick_folder(new=False))
        self.add_files_btn = QPushButton("Add files…")
        self.add_files_btn.clicked.connect(lambda: self._pick_files(new=False))
        self.remove_root_btn = QPushButton("Remove from collection")
        self.remove_root_btn.setToolTip("Stop answering from this folder or file (it is not deleted)")
        self.remove_root_btn.clicked.connect(self.remove_selected_root)
        add_row.addWidget(self.add_folder_btn)
        add_row.addWidget(self.add_files_btn)
        add_row.addStretch(1)
        add_row.addWidget(self.remove_root_btn)
        rl.addLayout(add_row)
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
        self.rebuild_btn = QPushButton("Rebuild…")
        self.rebuild_btn.clicked.connect(self.confirm_rebuild)
        self.rebuild_btn.setVisible(False)
        self.remove_btn = QPushButton("Remove collection")
        self.remove_btn.clicked.connect(self.confirm_remove)
        self.cancel_btn = QPushButton("Cancel indexing")
        self.cancel_btn.clicked.connect(self.cancel)
        self.cancel_btn.setVisible(False)
        btns.addWidget(self.reindex_btn)
        btns.addWidget(self.rebuild_btn)
        btns.addWidget(self.remove_btn)
        btns.addStretch(1)
        btns.addWidget(self.cancel_btn)
        rl.addLayout(btns)
        split.addWidget(right)
        split.setSizes([300, 520])
        self.split = split
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
        self.roots.clear()
        if c is None:
            for lbl in (self.d_name, self.d_counts, self.d_state, self.d_last, self.d_model, self.d_where):
                lbl.setText("—")
        else:
            self.d_name.setText(c.name)
            server = getattr(c, "server", "")
            self.d_where.setText(f"{server} — {where_text(server)}; shared with everyone who has access to it"
                                 if server else "This computer")
            for root in c.roots:
                item = QListWidgetItem(root)
                item.setData(Qt.ItemDataRole.UserRole, root)
                self.roots.addItem(item)
            self.d_counts.setText(f"{c.files_indexed} files, {c.chunks} passages; "
                                  f"{c.files_skipped} skipped, {c.files_failed} failed")
            self.d_state.setText(c.state)
            self.d_last.setText(time.strftime("%Y-%m-%d %H:%M", time.localtime(c.last_indexed))
                                if c.last_indexed is not None else "never")
            new_model = getattr(c, "new_model", "")
            differs = bool(new_model and c.embed_model and new_model != c.embed_model)
            extra = ""
            if differs and server:
                extra = (f" — recorded by its server, so everyone searching it uses the same one; new "
                         f"collections on this computer use {model_name(new_model)}")
            elif differs:
                extra = (f" — kept by this collection; new collections use {model_name(new_model)} "
                         f"(“Rebuild with {model_name(new_model)}…” below switches this one)")
            self.d_model.setText(model_name(c.embed_model or "—") + extra)
            self.d_model.setToolTip(SHARED_MODEL_TIP if server else "")
            for path, status, reason in c.problems:
                self.problems.addItem(f"{Path(path).name} — {status}: {reason}")
        self._update_buttons()

    # -- actions ----------------------------------------------------------------------------
    def start_new_collection(self) -> None:
        self.server_form.close_form()
        self.new_row.setVisible(True)
        self.new_name.clear()
        self.new_name.setFocus()

    def start_server_collection(self) -> None:
        self.new_row.setVisible(False)
        self.server_form.open_form()

    def _server_form_shown(self, shown: bool) -> None:
        self.server_scroll.setVisible(shown)
        if shown and self.height() < 700:  # room for the form and the list
            self.resize(max(self.width(), 900), 700)
        if shown and self.split.sizes()[0] < 400:
            self.split.setSizes([420, max(self.split.width() - 420, 300)])

    def _start_server_collection(self, name: str, url: str, paths: list[str]) -> None:
        """Create (``paths``) or join (no paths) the shared collection ``name`` on ``url``."""
        host = where_text(url)
        self.add_paths(paths, collection=name, server=url,
                       text=(f"Adding {len(paths)} item(s) to the shared “{name}” on {host}…" if paths
                             else f"Joining “{name}” on {host}…"))

    def _pick_folder(self, new: bool) -> None:
        if new and not self._new_name_ok():
            return
        dlg = QFileDialog(self, "Choose a folder for the new collection" if new else
                          f"Add a folder to “{self.selected_name()}”")
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.fileSelected.connect(lambda p: self._picked([p], new))
        dlg.open()
        self._dialog = dlg

    def _pick_files(self, new: bool) -> None:
        if new and not self._new_name_ok():
            return
        dlg = QFileDialog(self, "Choose files for the new collection" if new else
                          f"Add files to “{self.selected_name()}”")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dlg.filesSelected.connect(lambda ps: self._picked(list(ps), new))
        dlg.open()
        self._dialog = dlg

    def _picked(self, paths: list[str], new: bool) -> None:
        if new:
            self.new_collection(self.new_name.text(), paths)
        else:
            self.add_to_selected(paths)

    def _new_name_ok(self) -> bool:
        name = self.new_name.text().strip()
        if not name:
            self.status.setText("Give the new collection a name first.")
            return False
        if self.model.find(name) >= 0:
            self.status.setText(f"There is already a collection called “{name}”: select it and use "
                                "“Add folder…” to add to it, or choose another name.")
            return False
        return True

    def new_collection(self, name: str, paths: list[str]) -> None:
        """Create a collection from ``paths`` (never adds to an existing one)."""
        self.new_name.setText(name)
        if not self._new_name_ok():
            return
        self.new_row.setVisible(False)
        self.add_paths(paths, collection=name.strip())

    def add_to_selected(self, paths: list[str]) -> None:
        name = self.selected_name()
        if not name:
            self.status.setText("Select a collection to add to, or make a new one.")
            return
        self.add_paths(paths, collection=name)

    def add_paths(self, paths: list[str], collection: str, server: str | None = None, text: str | None = None) -> None:
        """Add ``paths`` to ``collection`` (made if new; on ``server`` if given: then no paths joins it)."""
        if (not paths and not server) or self._job is not None:
            return
        name = collection

        def add(docs: Any, progress: Any, cancel: Any) -> Any:
            if server:
                return docs.add(name, paths, progress=progress, cancel=cancel, server=server)
            return docs.add(name, paths, progress=progress, cancel=cancel)

        self._run(add, name, text or f"Adding {len(paths)} item(s) to “{name}”…",
                  joined=bool(server and not paths))

    def selected_root(self) -> str | None:
        item = self.roots.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def remove_selected_root(self) -> None:
        name, root = self.selected_name(), self.selected_root()
        if not name or not root or self._job is not None:
            return
        self._remove_root_box = confirm_destructive(
            self, "Remove from collection",
            f"Stop answering from “{Path(root).name}” in “{name}”? The files stay where they are; "
            "only their passages leave the index.", "Remove", lambda: self.remove_root(name, root))

    def remove_root(self, name: str, root: str) -> None:
        self._run(lambda docs, progress, cancel: docs.remove(name, [root]), name,
                  f"Removing “{Path(root).name}” from “{name}”…")

    def reindex_selected(self) -> None:
        name = self.selected_name()
        if name and self._job is None:
            self._run(lambda docs, progress, cancel: docs.reindex(name, progress=progress, cancel=cancel),
                      name, f"Re-indexing “{name}”…")

    def confirm_rebuild(self) -> None:
        """Ask before rebuilding the selected collection with the embedder new collections get;
        the words say what DocumentService.reindex(rebuild=True) really does."""
        c = self.selected()
        model = rebuild_offer(c)
        if not model or self._job is not None:
            return
        name, new, old = c.name, model_name(model), model_name(c.embed_model)
        self._rebuild_box = confirm_destructive(
            self, "Rebuild collection",
            f"Rebuild “{name}” with {new}? Every file in it is read and embedded again, which takes about as "
            f"long as indexing it the first time.\n\nThe current index (made with {old}) is deleted when the "
            f"rebuild starts: until it finishes, answers from “{name}” come only from the files re-embedded so "
            f"far. If you cancel, “{name}” keeps {new} with the files done so far, and Re-index finishes the "
            f"rest; it does not go back to {old}. Cancelled before it starts, or if {new} cannot be loaded "
            "here, nothing is changed.\n\n"
            "Your files themselves are not touched.",
            "Rebuild", lambda: self.rebuild(name, model))

    def rebuild(self, name: str, model: str) -> None:
        if self._job is None:
            self._run(lambda docs, progress, cancel: docs.reindex(name, progress=progress, cancel=cancel,
                                                                  rebuild=True),
                      name, f"Rebuilding “{name}” with {model_name(model)}…", rebuilding=model_name(model))

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
                                         on_done=lambda _r: self.refresh(), on_error=self._error)

    def _run(self, fn: Any, name: str, text: str, joined: bool = False, rebuilding: str = "") -> None:
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
        self._job = self.services.docs_runner.submit(job, on_done=lambda r: self._finished(r, name, joined, rebuilding),
                                                     on_error=lambda e: self._failed(e, name),
                                                     on_progress=self._progress)
        self._update_buttons()

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.progress_label.setText("Cancelling… (files indexed so far are kept)")

    def _progress(self, p: Any) -> None:
        if getattr(p, "bytes_total", 0):
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * p.bytes_done / p.bytes_total))
        elif p.files_total:
            self.progress.setRange(0, p.files_total)
            self.progress.setValue(p.files_done)
        self.progress_label.setText(progress_text(p))

    def _finished(self, report: Any, name: str, joined: bool = False, rebuilding: str = "") -> None:
        self._job = None
        self.progress.setVisible(False)
        self.progress_label.setVisible(False)
        if report is None:  # a whole collection removed
            self.status.setText(f"“{name}” was removed.")
        elif joined and not report.cancelled:
            self.status.setText(f"Joined “{name}”: choose it in the chat's collection picker to ask about "
                                "what your team indexed there.")
        elif report.cancelled and rebuilding:
            self.status.setText(f"The rebuild of “{name}” was cancelled; {report.indexed} file(s) were embedded "
                                f"with {rebuilding}. Re-index to finish.")
        elif rebuilding:
            self.status.setText(f"“{name}” was rebuilt with {rebuilding}: {report.indexed} file(s), "
                                f"{report.chunks_added} passages.")
        elif report.cancelled:
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
        name = self.selected_name()
        self.add_folder_btn.setText(f"Add folder to “{name}”…" if name else "Add folder…")
        self.add_files_btn.setText(f"Add files to “{name}”…" if name else "Add files…")
        for b in (self.add_folder_btn, self.add_files_btn):
            b.setEnabled(has and not busy)
        for b in (self.new_btn, self.new_folder_btn, self.new_files_btn, self.server_btn):
            b.setEnabled(not busy)
        self.server_form.set_busy(busy)
        self.reindex_btn.setEnabled(has and not busy)
        offer = rebuild_offer(self.selected())
        self.rebuild_btn.setVisible(bool(offer))
        self.rebuild_btn.setEnabled(bool(offer) and not busy)
        if offer:
            self.rebuild_btn.setText(f"Rebuild with {model_name(offer)}…")
            self.rebuild_btn.setToolTip(f"Embed every file again with {model_name(offer)}, the model new "
                                        "collections use")
        self.remove_btn.setEnabled(has and not busy)
        self.remove_root_btn.setEnabled(has and not busy and self.selected_root() is not None)

    def changeEvent(self, e: Any) -> None:
        # Collections added with `hearth docs add` while this window was open show up on return.
        if e.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self._job is None:
            self.refresh()
        super().changeEvent(e)

    # -- drag and drop ----------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls() and any(u.isLocalFile() for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        """Into the selected collection; with none selected, a new collection named after the
        first dropped folder or file."""
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        e.acceptProposedAction()
        name = self.selected_name()
        if name:
            self.add_paths(paths, collection=name)
            return
        base = Path(paths[0]).stem or "My documents"
        candidate, n = base, 2
        while self.model.find(candidate) >= 0:
            candidate, n = f"{base} {n}", n + 1
        self.add_paths(paths, collection=candidate)
