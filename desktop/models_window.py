"""Model manager: catalog with fit badges and speed estimates, hub search with a choice of
quantisation, downloads (pause = cancel and keep, resume), installed models with disk use,
delete, import a .gguf, set the default.

Every operation is the core's (``services.core.models``, the ones ``hearth models`` calls): the
listing (catalog, fit, speed, installed, partial downloads) is built on the ``hub`` thread; the
one-time speed calibration runs on the ``measure`` thread; a download runs on the ``download``
thread and reports throttled progress (the engine reports every 0.1 s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QGroupBox, QHBoxLayout, QLabel, QListView, QProgressBar, QPushButton,
                               QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from desktop.confirm import confirm_destructive
from desktop.hub_search import HubSearchPanel
from desktop.item_models import ROW_ROLE, RowListModel, no_sideways_scroll
from engine.core import CatalogRow, InstalledRow, ModelListing, human_bytes as _human

FIT_BADGE = {"gpu": "✔ runs on the GPU", "partial": "◐ part GPU, part CPU", "cpu": "✔ runs on the CPU",
             "too_large": "✖ too large for this computer"}
TOO_SLOW_BADGE = "✖ too slow to be useful here"


def badge(r: CatalogRow) -> str:
    if r.speed is not None and r.speed.too_slow:
        return TOO_SLOW_BADGE
    return FIT_BADGE.get(r.verdict, r.verdict)


def _speed_short(r: CatalogRow) -> str:
    tps = r.speed.tokens_per_s if r.speed is not None else None
    if tps is None:
        return "speed: measuring…" if r.speed is None and r.verdict != "too_large" else ""
    return f"~{tps:.0f} tokens/s" if tps >= 10 else f"~{tps:.1f} tokens/s"


def _catalog_text(r: CatalogRow) -> str:
    state = "installed" if r.installed else (f"paused at {_human(r.partial_bytes)}" if r.partial_bytes else
                                             _human(r.entry.size_estimate))
    parts = [r.entry.name, badge(r), _speed_short(r), state]
    return "   ·   ".join(p for p in parts if p)


def _installed_text(r: InstalledRow) -> str:
    star = "★ " if r.is_default else ""
    return f"{star}{r.id}   ·   {_human(r.size_bytes)}   ·   {r.source.split(':')[0]}"


class ModelsWindow(QWidget):
    default_changed = Signal(str)
    refreshed = Signal()
    download_finished = Signal(object)   # InstalledModel | HearthError
    import_finished = Signal(object)

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services = services
        self.setWindowTitle("Models — Hearth")
        self.resize(900, 600)
        self._download: Any = None
        self._downloading_id: str | None = None
        self.catalog = RowListModel(_catalog_text, lambda r: r.id, self)
        self.installed = RowListModel(_installed_text, lambda r: r.id, self)
        lay = QVBoxLayout(self)
        self.hardware = QLabel("Checking this computer…")
        self.hardware.setObjectName("Muted")
        self.hardware.setWordWrap(True)
        lay.addWidget(self.hardware)
        split = QSplitter(Qt.Orientation.Vertical)

        self.tabs = QTabWidget()
        cat_page = QWidget()
        cl = QHBoxLayout(cat_page)
        self.catalog_view = QListView()
        self.catalog_view.setModel(self.catalog)
        no_sideways_scroll(self.catalog_view)
        self.catalog_view.selectionModel().currentChanged.connect(lambda *_: self._show_entry())
        cl.addWidget(self.catalog_view, 3)
        detail_box = QVBoxLayout()
        detail_box.addWidget(self._details_pane(), 1)
        row = QHBoxLayout()
        self.download_btn = QPushButton("Download")
        self.download_btn.setObjectName("PrimaryButton")
        self.download_btn.clicked.connect(self.download_selected)
        self.discard_btn = QPushButton("Discard partial")
        self.discard_btn.clicked.connect(self.discard_partial)
        for b in (self.download_btn, self.discard_btn):
            row.addWidget(b)
        detail_box.addLayout(row)
        cl.addLayout(detail_box, 2)
        self.tabs.addTab(cat_page, "Catalog")
        self.hub_search = HubSearchPanel(services)
        self.hub_search.download_requested.connect(self.download_hub_file)
        self.tabs.addTab(self.hub_search, "Search the hub")
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.tabs, 1)
        prow = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("Muted")
        self.pause_btn = QPushButton("Pause")
        self.pause_btn.setToolTip("Stop the download and keep what arrived; Resume continues from there")
        self.pause_btn.clicked.connect(self.pause)
        prow.addWidget(self.progress, 1)
        prow.addWidget(self.progress_label, 1)
        prow.addWidget(self.pause_btn)
        tl.addLayout(prow)
        split.addWidget(top)

        inst_box = QGroupBox("Installed on this computer")
        il = QVBoxLayout(inst_box)
        self.installed_view = QListView()
        self.installed_view.setModel(self.installed)
        no_sideways_scroll(self.installed_view)
        self.installed_view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        il.addWidget(self.installed_view, 1)
        irow = QHBoxLayout()
        self.default_btn = QPushButton("Use as default")
        self.default_btn.clicked.connect(self.set_default_selected)
        self.delete_btn = QPushButton("Delete")
        self.delete_btn.clicked.connect(self.confirm_delete)
        self.import_btn = QPushButton("Import .gguf…")
        self.import_btn.setToolTip("Add a GGUF model file from this computer")
        self.import_btn.clicked.connect(self._pick_import)
        irow.addWidget(self.default_btn)
        irow.addWidget(self.delete_btn)
        irow.addStretch(1)
        irow.addWidget(self.import_btn)
        il.addLayout(irow)
        self.disk = QLabel()
        self.disk.setObjectName("Muted")
        il.addWidget(self.disk)
        split.addWidget(inst_box)
        split.setSizes([440, 180])  # the catalog gets the room; few models are installed
        lay.addWidget(split, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self._update_buttons()
        self._calibrating = False
        self.refresh()

    def _details_pane(self) -> QScrollArea:
        """Title, description, fit and speed of the selected model; scrolls rather than clipping."""
        inner = QWidget()
        detail = QVBoxLayout(inner)
        detail.setContentsMargins(4, 0, 4, 0)
        self.entry_title = QLabel("Pick a model")
        self.entry_title.setStyleSheet("font-weight: 600;")
        self.entry_title.setWordWrap(True)
        self.entry_text = QLabel()
        self.fit_label = QLabel()
        self.speed_label = QLabel()
        for label in (self.entry_text, self.fit_label, self.speed_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.entry_title, self.entry_text, self.fit_label, self.speed_label):
            detail.addWidget(w)
        detail.addStretch(1)
        self.details = QScrollArea()
        self.details.setWidgetResizable(True)
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.details.setWidget(inner)
        return self.details

    # -- data -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the lists from ``core.models.listing()`` (the rows `hearth models list` prints)."""
        core = self.services.core

        def job(_j: Any) -> ModelListing:
            return core.models.listing()

        def done(listing: ModelListing) -> None:
            crows, irows = listing.catalog, listing.installed
            cur_c = self._selected_catalog_id()
            cur_i = self._selected_installed_id()
            self.hardware.setText(listing.hardware_text)
            self.catalog.set_rows(crows)
            self.installed.set_rows(irows)
            for view, model, key in ((self.catalog_view, self.catalog, cur_c), (self.installed_view, self.installed, cur_i)):
                i = model.find(key) if key else -1
                if i >= 0:
                    view.setCurrentIndex(model.index(i))
            self.disk.setText(f"Models use {_human(sum(r.size_bytes for r in irows if r.source != 'starter'))} "
                              "of disk (the starter model ships with Hearth).")
            self._show_entry()
            if not listing.calibrated:
                self._calibrate()
            self.refreshed.emit()

        self.services.hub.submit(job, on_done=done, on_error=self._error)

    def _calibrate(self) -> None:
        """Measure this computer once (memory bandwidth, the starter's speed); then show speeds."""
        if self._calibrating:
            return
        self._calibrating = True
        self.hardware.setText(self.hardware.text() + " · measuring this computer's speed once (a few seconds)…")

        def done(_cal: Any) -> None:
            self._calibrating = False
            self.refresh()

        def failed(err: Any) -> None:
            self._calibrating = False
            self.status.setText(f"Speed estimates are not available: {getattr(err, 'message', err)}")

        self.services.calibrate_speed(on_done=done, on_error=failed)

    def _selected_catalog(self) -> CatalogRow | None:
        idx = self.catalog_view.currentIndex()
        return idx.data(ROW_ROLE) if idx.isValid() else None

    def _selected_catalog_id(self) -> str | None:
        r = self._selected_catalog()
        return r.id if r else None

    def _selected_installed(self) -> InstalledRow | None:
        idx = self.installed_view.currentIndex()
        return idx.data(ROW_ROLE) if idx.isValid() else None

    def _selected_installed_id(self) -> str | None:
        r = self._selected_installed()
        return r.id if r else None

    def select_catalog(self, model_id: str) -> None:
        i = self.catalog.find(model_id)
        if i >= 0:
            self.catalog_view.setCurrentIndex(self.catalog.index(i))

    def select_installed(self, model_id: str) -> None:
        i = self.installed.find(model_id)
        if i >= 0:
            self.installed_view.setCurrentIndex(self.installed.index(i))

    def _show_entry(self) -> None:
        r = self._selected_catalog()
        if r is None:
            self.entry_title.setText("Pick a model")
            self.entry_text.setText("")
            self.fit_label.setText("")
            self.speed_label.setText("")
        else:
            e = r.entry
            self.entry_title.setText(f"{e.name}  ({e.quant}, {_human(e.size_estimate)})")
            bundled = " A copy ships with Hearth as the starter model." if e.id == "smollm2-135m-instruct-q4_1" else ""
            self.entry_text.setText(f"{e.description}{bundled}\n\nLicence: {e.license}. From {e.repo}.")
            self.fit_label.setText(f"On this computer: {FIT_BADGE.get(r.verdict, r.verdict)} — {r.fit_text}.")
            if r.speed is None:
                self.speed_label.setText("Speed: measuring this computer…" if r.verdict != "too_large" else "")
            else:
                self.speed_label.setText(f"Speed here: {r.speed.describe()}." if r.speed.pace != "unknown" else "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        r = self._selected_catalog()
        busy = self._download is not None
        self.download_btn.setEnabled(r is not None and not r.installed and not busy)
        self.download_btn.setText("Resume" if r is not None and r.partial_bytes else "Download")
        self.pause_btn.setVisible(busy)
        self.hub_search.set_busy_download(busy)
        self.discard_btn.setVisible(r is not None and bool(r.partial_bytes) and not busy)
        inst = self._selected_installed()
        self.default_btn.setEnabled(inst is not None and not inst.is_default)
        self.delete_btn.setEnabled(inst is not None and inst.source != "starter")

    # -- downloads --------------------------------------------------------------------------
    def download_selected(self) -> None:
        r = self._selected_catalog()
        if r is None or self._download is not None:
            return
        # A resumed download starts where the kept part ends; the bar never jumps back to 0.
        start = r.partial_bytes / r.entry.size_estimate if r.partial_bytes else 0.0
        self._start_download(r.entry, r.entry.id, r.entry.name, start)

    def download_hub_file(self, repo: str, choice: Any) -> None:
        """A file chosen in "Search the hub": downloaded and verified against the hub's sha256."""
        if self._download is not None:
            return
        core = self.services.core
        self._start_download(lambda: core.models.hub_file(repo, choice.name), None, choice.name, 0.0)

    def _start_download(self, target: Any, model_id: str | None, name: str, start: float) -> None:
        """Download ``target`` (a catalog entry, or a callable making the hub reference: asking
        the hub for it is network work, done in the job too)."""
        core = self.services.core

        def job(j: Any) -> Any:
            what = target() if callable(target) else target
            return core.models.pull(what, progress=j.report, cancel=j.cancelled).model

        self._downloading_id = model_id
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * start))
        self.progress.setVisible(True)
        self.progress_label.setText(f"Connecting to download {name}…")
        self.status.setText("")
        self._download = self.services.download.submit(job, on_done=self._downloaded, on_error=self._download_failed,
                                                       on_progress=self._progress)
        self._update_buttons()

    def pause(self) -> None:
        if self._download is not None:
            self._download.cancel()
            self.progress_label.setText("Pausing…")

    def _progress(self, p: Any) -> None:
        self.progress.setValue(int(p.fraction * 1000))
        if p.phase == "verify":
            self.progress_label.setText("Checking the file's fingerprint (sha256)…")
            return
        eta = f", {p.eta_s:.0f} s left" if p.eta_s else ""
        resumed = f" (resumed at {_human(p.resumed_from)})" if p.resumed_from else ""
        self.progress_label.setText(f"{_human(p.downloaded)} of {_human(p.total)} at {_human(p.rate_bps)}/s{eta}{resumed}")

    def _downloaded(self, model: Any) -> None:
        self._download = None
        self.progress.setVisible(False)
        self.progress_label.setText("")
        self.status.setText(f"{model.id} is installed and verified. Select it below and choose "
                            "“Use as default” to chat with it.")
        self.refresh()
        self.download_finished.emit(model)

    def _download_failed(self, err: Any) -> None:
        self._download = None
        self.progress.setVisible(False)
        self.progress_label.setText("")
        self._error(err)
        self.refresh()
        self.download_finished.emit(err)

    def discard_partial(self) -> None:
        r = self._selected_catalog()
        if r is None or not r.entry.expected_sha256:
            return
        sha = r.entry.expected_sha256
        core = self.services.core
        self.services.hub.submit(lambda _j: core.models.discard_partial(sha), on_done=lambda _r: self.refresh(), on_error=self._error)

    # -- installed --------------------------------------------------------------------------
    def set_default_selected(self) -> None:
        r = self._selected_installed()
        if r is None:
            return
        cfg = self.services.config.model_copy(deep=True)
        cfg.model.default = r.id
        from engine.config import save_config  # saved here; the main window applies it (apply_config)
        try:
            save_config(cfg)
        except Exception as exc:  # noqa: BLE001
            self._error(exc)
            return
        self.status.setText(f"{r.id} is now the default model; loading it…")
        self.default_changed.emit(r.id)
        self.services.config = cfg
        self.refresh()

    def confirm_delete(self) -> None:
        r = self._selected_installed()
        if r is None:
            return
        self._delete_box = confirm_destructive(
            self, "Delete model", f"Delete {r.id} ({_human(r.size_bytes)}) from this computer?",
            "Delete", lambda: self.delete(r.id))

    def delete(self, model_id: str) -> None:
        core = self.services.core  # refuses the model in use, as `hearth models rm` does

        self.services.hub.submit(lambda _j: core.models.remove(model_id), on_done=lambda freed: (self.status.setText(f"Deleted {model_id}; freed {_human(freed)}."),
                                                             self.refresh()),
                                 on_error=self._error)

    def _pick_import(self) -> None:
        from desktop.file_dialogs import open_dialog
        self._dialog = open_dialog(self, "Import a GGUF model", "GGUF models (*.gguf)", self.import_file)

    def import_file(self, path: str) -> None:
        self.status.setText(f"Importing {Path(path).name}… (copying and checking the file)")
        self.import_btn.setEnabled(False)

        core = self.services.core

        def job(j: Any) -> Any:
            return core.models.import_gguf(path, cancel=j.cancelled)[0]

        def done(model: Any) -> None:
            self.import_btn.setEnabled(True)
            self.status.setText(f"Imported {model.id}.")
            self.refresh()
            self.import_finished.emit(model)

        def failed(err: Any) -> None:
            self.import_btn.setEnabled(True)
            self._error(err)
            self.import_finished.emit(err)

        self.services.hub.submit(job, on_done=done, on_error=failed)

    def _error(self, err: Any) -> None:
        self.status.setText(err.user_text() if hasattr(err, "user_text") else str(err))
        self._update_buttons()
