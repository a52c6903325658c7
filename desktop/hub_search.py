"""Search the model hub from the app and choose a quantisation (``hearth models search`` in a window).

Searching and listing a repo's files are user-started hub requests (``core.models.search_hub``
and ``rate_hub_files``: the hub is opened for them only); both run on the ``hub`` worker. Each
GGUF file of the chosen repo is listed with its quantisation, size, fit and speed estimate;
Download hands the file to the Models window, which downloads it like a catalog model.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QListView, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from desktop.item_models import ROW_ROLE, RowListModel, no_sideways_scroll
from engine.core import human_bytes

UNVERIFIED = ("Not in Hearth's catalog: the download is checked against the hub's own checksum, but nobody "
              "has reviewed this model or its licence for you.")


def _repo_text(m: Any) -> str:
    n = len(m.gguf_files)
    return f"{m.id}   ·   {n} GGUF file{'s' if n != 1 else ''}   ·   {m.downloads:,} downloads"


def _file_text(c: Any) -> str:
    size = human_bytes(c.size) if c.size else "size unknown"
    mark = "✖ " if (c.plan is not None and c.plan.verdict == "too_large") or (c.speed and c.speed.too_slow) else ""
    return f"{mark}{c.quant}   ·   {size}   ·   {c.describe()}"


class HubSearchPanel(QWidget):
    download_requested = Signal(str, object)   # repo, FileChoice
    results_shown = Signal()                  # tests wait on these
    files_shown = Signal()

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.repo: str | None = None
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("Model name, e.g. qwen2.5 7b instruct")
        self.query.returnPressed.connect(self.search)
        self.search_btn = QPushButton("Search the hub")
        self.search_btn.setToolTip("Asks huggingface.co (or your HF_ENDPOINT) for GGUF models; nothing else is sent")
        self.search_btn.clicked.connect(self.search)
        row.addWidget(self.query, 1)
        row.addWidget(self.search_btn)
        lay.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.repos = RowListModel(_repo_text, lambda m: m.id, self)
        self.repo_view = QListView()
        self.repo_view.setModel(self.repos)
        no_sideways_scroll(self.repo_view)
        self.repo_view.selectionModel().currentChanged.connect(lambda *_: self.list_files())
        split.addWidget(self.repo_view)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("Files (quantisations) — smaller is faster, larger is more accurate:"))
        self.files = RowListModel(_file_text, lambda c: c.name, self)
        self.file_view = QListView()
        self.file_view.setModel(self.files)
        self.file_view.setWordWrap(True)
        self.file_view.selectionModel().currentChanged.connect(lambda *_: self._show_file())
        rl.addWidget(self.file_view, 1)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rl.addWidget(self.detail)
        self.download_btn = QPushButton("Download this file")
        self.download_btn.setObjectName("PrimaryButton")
        self.download_btn.clicked.connect(self._download)
        rl.addWidget(self.download_btn, 0, Qt.AlignmentFlag.AlignRight)
        split.addWidget(right)
        split.setSizes([320, 480])
        lay.addWidget(split, 1)
        self.status = QLabel("Search for GGUF models on the hub. Catalog models (first tab) are reviewed; these are not.")
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.set_busy_download(False)

    # -- searching ------------------------------------------------------------------------------
    def search(self) -> None:
        q = self.query.text().strip()
        if not q:
            self.status.setText("Type part of a model's name first.")
            return
        self.status.setText(f"Searching the hub for “{q}”…")
        self.search_btn.setEnabled(False)

        core = self.services.core

        def job(_j: Any) -> list[Any]:
            return core.models.search_hub(q, limit=30)

        def done(found: list[Any]) -> None:
            self.search_btn.setEnabled(True)
            found = [m for m in found if m.gguf_files] or found
            self.repos.set_rows(found)
            self.files.set_rows([])
            self.status.setText(f"{len(found)} repositor{'ies' if len(found) != 1 else 'y'} with GGUF files. "
                                "Pick one to see its files." if found else f"Nothing found for “{q}”.")
            self._show_file()
            self.results_shown.emit()

        self.services.hub.submit(job, on_done=done, on_error=self._failed)

    def list_files(self) -> None:
        idx = self.repo_view.currentIndex()
        if not idx.isValid():
            return
        repo = idx.data(ROW_ROLE).id
        self.repo = repo
        self.files.set_rows([])
        self.status.setText(f"Reading the file list of {repo}…")
        core = self.services.core

        def job(_j: Any) -> list[Any]:
            return core.models.rate_hub_files(repo)

        def done(choices: list[Any]) -> None:
            if repo != self.repo:
                return
            self.files.set_rows(choices)
            usable = [c for c in choices if c.downloadable and c.plan is not None and c.plan.verdict != "too_large"
                      and not (c.speed and c.speed.too_slow)]
            if usable:  # preselect the largest file that fits and is fast enough: the usual best choice
                self.file_view.setCurrentIndex(self.files.index(self.files.find(usable[-1].name)))
            self.status.setText(f"{len(choices)} GGUF file(s) in {repo}." if choices else f"{repo} has no GGUF files.")
            self._show_file()
            self.files_shown.emit()

        self.services.hub.submit(job, on_done=done, on_error=self._failed)

    def select_repo(self, repo: str) -> None:
        i = self.repos.find(repo)
        if i >= 0:
            self.repo_view.setCurrentIndex(self.repos.index(i))

    def select_file(self, name: str) -> None:
        i = self.files.find(name)
        if i >= 0:
            self.file_view.setCurrentIndex(self.files.index(i))

    # -- choosing -------------------------------------------------------------------------------
    def selected_file(self) -> Any:
        idx = self.file_view.currentIndex()
        return idx.data(ROW_ROLE) if idx.isValid() else None

    def _show_file(self) -> None:
        c = self.selected_file()
        if c is None:
            self.detail.setText("")
        else:
            size = human_bytes(c.size) if c.size else "size unknown"
            self.detail.setText(f"{c.name} ({c.quant}, {size}): {c.describe()}.\n\n{UNVERIFIED}")
        self._update_button()

    def set_busy_download(self, busy: bool) -> None:
        self._downloading = busy
        self._update_button()

    def _update_button(self) -> None:
        c = self.selected_file()
        self.download_btn.setEnabled(c is not None and c.downloadable and not self._downloading)
        too_big = c is not None and c.plan is not None and c.plan.verdict == "too_large"
        self.download_btn.setToolTip("This file does not fit this computer's memory." if too_big else "")

    def _download(self) -> None:
        c = self.selected_file()
        if c is not None and self.repo and c.downloadable:
            self.download_requested.emit(self.repo, c)

    def _failed(self, err: Any) -> None:
        self.search_btn.setEnabled(True)
        self.status.setText(err.user_text() if hasattr(err, "user_text") else str(err))
