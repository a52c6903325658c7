"""First-run welcome: what stays on this machine, and the starter model."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

WELCOME_TEXT = """\
### Welcome to Hearth

Hearth is an assistant that runs **on this computer**.

- **Your chats, your documents and the models stay here.** They are saved in your own folders
  and are never uploaded.
- **Nothing is sent to the internet** unless you ask for it: downloading a model, or turning on
  *cloud help* in Settings → Privacy (off by default). Even then, Hearth keeps sensitive
  questions local and shows you what it sends.
- A small **starter model** (SmolLM2, 135M) is already installed, so you can start chatting
  right away — fully offline. Bigger, smarter models are in **Models**.
"""


class WelcomeDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Hearth")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        text = QLabel(WELCOME_TEXT)
        text.setTextFormat(Qt.TextFormat.MarkdownText)
        text.setWordWrap(True)
        lay.addWidget(text)
        buttons = QDialogButtonBox()
        self.start_btn = buttons.addButton("Start with the starter model", QDialogButtonBox.ButtonRole.AcceptRole)
        self.models_btn = buttons.addButton("Browse models…", QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        self.models_btn.clicked.connect(self._models)
        lay.addWidget(buttons)
        self._open_models = False

    def _models(self) -> None:
        self._open_models = True
        self.accept()

    @staticmethod
    def show_for(window) -> "WelcomeDialog":  # window: MainWindow
        """Open non-modally; remember that the person saw it once they close it."""
        dlg = WelcomeDialog(window)

        def closed(_result: int) -> None:
            from engine.config import save_config
            cfg = window.config.model_copy(deep=True)
            cfg.appearance.welcomed = True
            try:
                save_config(cfg)
                window.config.appearance.welcomed = True
            except Exception as exc:  # noqa: BLE001 - a read-only config dir must not block the app
                window._error(exc)
            if dlg._open_models:
                window.open_models()

        dlg.finished.connect(closed)
        dlg.open()
        window.welcome_dialog = dlg
        return dlg
