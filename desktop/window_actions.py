"""The main window's other windows: settings, documents, models, and applying new settings.

A mixin of :class:`desktop.main_window.MainWindow` (kept apart so each module stays small).
Documents and Models windows are made once and re-shown; each remembers where it was
(:mod:`desktop.window_state`).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtWidgets import QWidget

from desktop import window_state
from engine.config import Config

log = logging.getLogger(__name__)


class WindowActions:
    services: Any
    config: Config
    composer: Any
    links: Any
    _windows: dict[str, QWidget]
    def _window(self, key: str, make: Callable[[], QWidget]) -> QWidget:
        w = self._windows.get(key)
        if w is None:
            w = make()
            self._windows[key] = w
            window_state.track(w, key, self)  # where it was last time, or over this window; on screen
        elif hasattr(w, "refresh"):
            w.refresh()
        w.show()
        w.raise_()
        w.activateWindow()
        return w

    def open_settings(self) -> QWidget:
        from desktop.settings_dialog import SettingsDialog
        dlg = SettingsDialog(self.config, self.services, self)
        dlg.saved.connect(self.apply_config)
        window_state.track(dlg, "settings", self)
        dlg.open()
        self._windows["settings"] = dlg
        return dlg

    def open_documents(self) -> QWidget:
        from desktop.documents_window import DocumentsWindow

        def make() -> QWidget:
            w = DocumentsWindow(self.services, self)
            # Re-read through the picker's own reader rather than taking this window's list: two
            # readers finishing out of order could put back a list read before a `hearth docs add`.
            w.collections_changed.connect(lambda _names: self.refresh_collections())
            return w

        return self._window("documents", make)

    def refresh_collections(self) -> None:
        """Fill the collection picker (read on a worker, never behind an indexing job)."""
        self.links.refresh()

    def _collection_picked(self, _i: int) -> None:
        # Load the embedder now, while the person types, rather than during the first answer.
        if self.composer.selected_collection() and self.services.state == "ready":
            self.services.warm_documents()

    def open_models(self) -> QWidget:
        from desktop.models_window import ModelsWindow

        def make() -> QWidget:
            w = ModelsWindow(self.services, self)
            w.default_changed.connect(self._default_model_changed)
            return w

        return self._window("models", make)

    def _default_model_changed(self, model_id: str) -> None:
        cfg = self.config.model_copy(deep=True)
        cfg.model.default = model_id
        self.apply_config(cfg)

    def apply_config(self, cfg: Config) -> None:
        """Settings changed: re-theme, update indicators, reload the model if its settings changed."""
        from desktop import theme
        from PySide6.QtWidgets import QApplication
        old = self.services.config
        self.config = cfg
        self.services.config = cfg
        theme.apply(QApplication.instance(), cfg.appearance.theme)
        self.composer.set_privacy_mode(cfg.cloud.mode, cfg.cloud.provider)
        self._update_privacy_note()
        self._check_cloud_key()
        if cfg.server != old.server:
            self.services.apply_api_server()
        if self.services.state == "idle":
            return  # engine not started (yet): it will start with the new settings
        if cfg.documents != old.documents:
            self.services.reset_documents()
        if cfg.model != old.model or self.services.state == "error":
            self.services.load_model()
        elif cfg != old:
            self.services.rebuild_assistant()  # new router/cloud/document settings, same model
