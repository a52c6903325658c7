"""Settings → Model: the optional team model server (address, trust, plain-http permission, key,
model name) and its "Test connection".

The key goes to the OS keyring through ``core.model_server`` on a worker, stored for the
server's address only (on Save; an empty field keeps the stored key). The test runs on a worker
too and its result comes back through :attr:`ModelServerFields.tested`, so the dialog never
waits on the network.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton

from desktop.keyring_help import keyring_advice
from desktop.theme import muted_label as _muted
from engine.config import ModelSettings
from engine.core import ModelServerCheck, model_zone
from engine.errors import KeyringUnavailable

log = logging.getLogger(__name__)


class ModelServerFields(QObject):
    """The model server rows of a form (see module doc); ``services`` may be None (no engine)."""

    tested = Signal(object)  # a ModelServerCheck, delivered on the UI thread

    def __init__(self, form: QFormLayout, m: ModelSettings, services: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        # Off this machine a server counts as cloud (only routed text goes there) unless trusted.
        self.url = QLineEdit(m.remote_url or "")
        self.url.setPlaceholderText("empty = run the model on this computer; or https://server:8080/v1")
        form.addRow("Model server (optional)", self.url)
        self.trusted = QCheckBox("I trust this server with private messages (it is mine or my team's)")
        self.trusted.setChecked(m.remote_trusted)
        self.trusted.setToolTip("Untrusted servers are treated like a cloud service: they only receive what "
                                "the privacy router lets out, and every message to them is in the audit log.")
        form.addRow("", self.trusted)
        self.allow_http = QCheckBox("Allow plain http to this server (anyone on the network can read it)")
        self.allow_http.setChecked(m.remote_allow_http)
        form.addRow("", self.allow_http)
        key_row = QHBoxLayout()
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste to store it in the system keyring on Save; empty keeps the stored one")
        self.clear_key_btn = QPushButton("Forget key")
        self.clear_key_btn.setToolTip("Remove the key stored for this server from the system keyring")
        self.clear_key_btn.clicked.connect(self.clear_key)
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.clear_key_btn)
        form.addRow("Server key", key_row)
        self.key_status = _muted("Keys are kept only in the system keyring, never in the settings file.")
        form.addRow(self.key_status)
        self.model = QLineEdit(m.remote_model or "")
        self.model.setPlaceholderText("empty = the first model the server lists")
        form.addRow("Model name on the server", self.model)
        test_row = QHBoxLayout()
        self.test_btn = QPushButton("Test connection")
        self.test_btn.clicked.connect(self.test)
        self.test_btn.setEnabled(services is not None)
        test_row.addWidget(self.test_btn)
        test_row.addStretch(1)
        form.addRow("", test_row)
        self.test_result = _muted()
        self.test_result.setVisible(False)
        form.addRow(self.test_result)
        self.zone_note = QLabel()
        self.zone_note.setWordWrap(True)
        form.addRow(self.zone_note)
        for sig in (self.url.textChanged, self.trusted.toggled):
            sig.connect(self._changed)
        self.tested.connect(self._show_test)
        self.url.editingFinished.connect(self._check_key)  # keys are per address: say whether this one has one
        self._changed()
        self._check_key()

    # -- state -------------------------------------------------------------------------------
    def url_text(self) -> str:
        return self.url.text().strip()

    def _changed(self) -> None:
        url = self.url_text()
        zone, words = model_zone(url, self.trusted.isChecked())
        self.trusted.setEnabled(zone != "this machine")
        # Plain http matters only off this computer; loopback and https never need the permission.
        self.allow_http.setEnabled(url.lower().startswith("http://") and zone != "this machine")
        for w in (self.key, self.model, self.clear_key_btn):
            w.setEnabled(bool(url))
        self.test_btn.setEnabled(bool(url) and self.services is not None)
        self.zone_note.setText(f"Answers are generated on {words}.")

    def values(self) -> dict[str, Any]:
        """The ``model`` settings these fields set (validated by the dialog with the rest)."""
        url = self.url_text() or None
        return {"remote_url": url, "remote_trusted": self.trusted.isChecked(),
                "remote_allow_http": self.allow_http.isChecked() and self.allow_http.isEnabled(),
                "remote_model": self.model.text().strip() or None}

    def pending_key(self) -> str:
        return self.key.text().strip()

    # -- the key -----------------------------------------------------------------------------
    def _run(self, fn: Callable[[Any], Any], done: Callable[[Any], None], failed: Callable[[Any], None]) -> None:
        if self.services is None:
            return
        self.services.hub.submit(fn, on_done=done, on_error=failed)

    def _check_key(self) -> None:
        url = self.url_text()
        if not url or self.services is None:
            return
        core = self.services.core

        def job(_j: Any) -> str:
            try:
                return "A key for this server is stored in the system keyring." if core.model_server.has_key(url) \
                    else "No key is stored for this server (servers without a key need none)."
            except KeyringUnavailable as exc:
                return keyring_advice(exc)

        self._run(job, self.key_status.setText, lambda e: log.warning("model server key: %s", e))

    def store_key(self, url: str, on_stored: Callable[[], None], on_failed: Callable[[str], None]) -> None:
        """Store the typed key for ``url`` (on Save), then call ``on_stored`` or ``on_failed(words)``."""
        key = self.pending_key()
        if self.services is None:
            on_failed("Hearth cannot store the key from here.")
            return
        core = self.services.core

        def stored(_r: Any) -> None:
            self.key.clear()
            self.key_status.setText("The key for this server is stored in the system keyring.")
            on_stored()

        self._run(lambda _j: core.model_server.set_key(url, key), stored,
                  lambda e: on_failed(keyring_advice(e) if isinstance(e, KeyringUnavailable) else str(e)))

    def clear_key(self) -> None:
        url = self.url_text()
        if not url or self.services is None:
            return
        core = self.services.core
        self.key.clear()
        self._run(lambda _j: core.model_server.delete_key(url),
                  lambda gone: self.key_status.setText("The key for this server was removed from the keyring."
                                                       if gone else "No key was stored for this server."),
                  lambda e: self.key_status.setText(keyring_advice(e) if isinstance(e, KeyringUnavailable)
                                                    else str(e)))

    # -- the test ----------------------------------------------------------------------------
    def test(self) -> None:
        """Connect on a worker with the values as typed (the typed key, else the stored one)."""
        url = self.url_text()
        if not url or self.services is None:
            return
        core = self.services.core
        v = self.values()
        key = self.pending_key() or None
        self.test_btn.setEnabled(False)
        self.test_result.setText("Connecting…")
        self.test_result.setVisible(True)

        def job(_j: Any) -> ModelServerCheck:
            return core.model_server.test(url, trusted=v["remote_trusted"], allow_http=v["remote_allow_http"],
                                          key=key, model=v["remote_model"])

        def failed(err: Any) -> None:  # test() reports server problems itself; this is a bug
            self.test_btn.setEnabled(True)
            self.test_result.setText(f"Not connected: {err}")

        self._run(job, self.tested.emit, failed)

    def _show_test(self, result: ModelServerCheck) -> None:
        self.test_btn.setEnabled(bool(self.url_text()))
        self.test_result.setText(result.summary())
        self.test_result.setVisible(True)
