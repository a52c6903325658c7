"""The Documents window's "Shared collection on a server" form: create a collection on a team's
Chroma server, or join one a teammate made, by its server address and name.

Everything that touches the network or the keyring goes through ``core.chroma_servers`` on the
``hub`` worker: the token is stored in the OS keyring for that address only (on Join/Create; an
empty field keeps the stored one), "Forget token" removes it, and "Test connection" reports in
words (reachable, token accepted or refused, the shared collections there, where they are kept).
Plain http:// to a server off this computer is refused with the engine's own words unless the
person ticks "Allow plain http to this server", which is saved for that address only. The index
work itself is the window's (``start(name, url, paths)`` on the documents runner).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from desktop.keyring_help import keyring_advice
from desktop.theme import muted_label as _muted
from engine.core import ChromaServerCheck, chroma_zone
from engine.errors import KeyringUnavailable

log = logging.getLogger(__name__)


class ServerCollectionForm(QWidget):
    """See module doc. ``local`` gives this computer's collections as {name: server ("" = local)}."""

    tested = Signal(object)        # a ChromaServerCheck, on the UI thread
    problem = Signal(str)          # a refusal or failure shown under the form (tests wait on it)
    shown = Signal(bool)           # the form opened (True) or closed

    def __init__(self, services: Any, start: Callable[[str, str, list[str]], None],
                 local: Callable[[], dict[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._start = start
        self._local = local
        self._storing = False       # storing the token / permission before a join or create
        self._window_busy = False   # the window is indexing (one index job at a time)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        title = QLabel("Shared collection on a server")
        title.setStyleSheet("font-weight: 600;")
        lay.addWidget(title)
        lay.addWidget(_muted("Its passages are kept on your team's Chroma server, readable by everyone "
                             "with access to it; your files' full paths stay here."))
        self.url = QLineEdit((services.config.documents.chroma_url or "") if services is not None else "")
        self.url.setPlaceholderText("https://team.example.lan:8444")
        self.url.setAccessibleName("Server address")
        lay.addWidget(self._label("Server &address", self.url))
        lay.addWidget(self.url)
        self.allow_http = QCheckBox("Allow plain http to this server")
        self.allow_http.setToolTip("Anyone on the network can read (and change) what goes over plain http: "
                                   "tick it only on a network you fully control. Saved for this address only.")
        lay.addWidget(self.allow_http)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName("Token")
        self.token.setPlaceholderText("paste it to keep it in the system keyring; empty keeps the stored one")
        self.forget_btn = QPushButton("Forget token")
        self.forget_btn.setToolTip("Remove the token stored for this server from the system keyring")
        self.forget_btn.clicked.connect(self.forget_token)
        lay.addWidget(self._label("&Token", self.token))
        row = QHBoxLayout()
        row.addWidget(self.token, 1)
        row.addWidget(self.forget_btn)
        lay.addLayout(row)
        self.token_status = _muted("Tokens are kept only in the system keyring, never in the settings file.")
        lay.addWidget(self.token_status)
        self.test_btn = QPushButton("Test &connection")
        self.test_btn.clicked.connect(self.test)
        lay.addWidget(self.test_btn, 0, Qt.AlignmentFlag.AlignLeft)
        self.result = _muted()
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setVisible(False)
        lay.addWidget(self.result)
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.name.lineEdit().setPlaceholderText("the name your team uses for it")
        self.name.setAccessibleName("Collection name")
        lay.addWidget(self._label("Collection &name", self.name))
        lay.addWidget(self.name)
        self.zone_note = _muted()
        lay.addWidget(self.zone_note)
        btns = QHBoxLayout()
        self.join_btn = QPushButton("&Join")
        self.join_btn.setToolTip("Search a shared collection your team already indexed (nothing of yours is added)")
        self.join_btn.clicked.connect(self.join)
        self.create_btn = QPushButton("Create from &folder…")
        self.create_btn.setToolTip("Index a folder of yours into a shared collection on the server")
        self.create_btn.clicked.connect(self.pick_folder)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.clicked.connect(self.close_form)
        for b in (self.join_btn, self.create_btn, self.cancel_btn):
            btns.addWidget(b)
        lay.addLayout(btns)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_form,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.url.returnPressed.connect(self.test)
        self.token.returnPressed.connect(self.test)
        self.name.lineEdit().returnPressed.connect(self.join)
        self.url.textChanged.connect(self._changed)
        self.name.currentTextChanged.connect(self._changed)
        self.url.editingFinished.connect(self._check_token)
        self.tested.connect(self._show_test)
        self._changed()

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    # -- state -------------------------------------------------------------------------------
    def url_text(self) -> str:
        return self.url.text().strip().rstrip("/")

    def _needs_http_permission(self) -> bool:
        url = self.url_text()
        return url.lower().startswith("http://") and chroma_zone(url)[0] != "this machine"

    def _allow(self) -> bool | None:
        """The plain-http permission to use: ticked, else what the settings say for the address."""
        return True if self.allow_http.isChecked() and self.allow_http.isEnabled() else None

    def _changed(self) -> None:
        url = self.url_text()
        self.allow_http.setEnabled(self._needs_http_permission())
        has = bool(url) and self.services is not None and not self._busy
        for w in (self.test_btn, self.forget_btn):
            w.setEnabled(has)
        go = has and bool(self.name.currentText().strip())
        self.join_btn.setEnabled(go)
        self.create_btn.setEnabled(go)
        self.zone_note.setText(f"Kept on {chroma_zone(url)[1]}." if url else "")

    @property
    def _busy(self) -> bool:
        return self._storing or self._window_busy

    def set_busy(self, busy: bool) -> None:
        """The window is (not) running an index job."""
        self._window_busy = busy
        self._changed()

    def _set_storing(self, storing: bool) -> None:
        self._storing = storing
        self._changed()

    def open_form(self) -> None:
        self.setVisible(True)
        self.result.setVisible(False)
        self.shown.emit(True)
        (self.name if self.url_text() else self.url).setFocus()
        self._check_token()

    def close_form(self) -> None:
        self.token.clear()  # a typed token is never kept in the widget
        self.setVisible(False)
        self.shown.emit(False)

    def _say(self, text: str) -> None:
        self.result.setText(text)
        self.result.setVisible(True)
        self.problem.emit(text)

    def _submit(self, fn: Callable[[Any], Any], done: Callable[[Any], None], failed: Callable[[Any], None]) -> None:
        self.services.hub.submit(fn, on_done=done, on_error=failed)

    # -- the token ---------------------------------------------------------------------------
    def _check_token(self) -> None:
        url = self.url_text()
        if not url or self.services is None:
            return
        ops = self.services.core.chroma_servers

        def job(_j: Any) -> str:
            try:
                return ("A token for this server is stored in the system keyring." if ops.has_token(url)
                        else "No token is stored for this server (servers without token checks need none).")
            except KeyringUnavailable as exc:
                return keyring_advice(exc)

        self._submit(job, self.token_status.setText, lambda e: log.warning("chroma server token: %s", e))

    def forget_token(self) -> None:
        url = self.url_text()
        if not url or self.services is None:
            return
        ops = self.services.core.chroma_servers
        self.token.clear()
        self._submit(lambda _j: ops.delete_token(url),
                     lambda gone: self.token_status.setText("The token for this server was removed from the keyring."
                                                            if gone else "No token was stored for this server."),
                     lambda e: self.token_status.setText(keyring_advice(e) if isinstance(e, KeyringUnavailable)
                                                         else str(e)))

    # -- the test ----------------------------------------------------------------------------
    def test(self) -> None:
        """Connect on a worker with the address and token as typed (else the stored token)."""
        url = self.url_text()
        if not url or self.services is None or self._busy:
            return
        ops = self.services.core.chroma_servers
        token, allow = self.token.text().strip() or None, self._allow()
        self.test_btn.setEnabled(False)
        self.result.setText("Connecting…")
        self.result.setVisible(True)

        def failed(err: Any) -> None:  # test() reports server problems itself; this is a bug
            self._changed()
            self._say(f"Not connected: {err}")

        self._submit(lambda _j: ops.test(url, token=token, allow_http=allow), self.tested.emit, failed)

    def _show_test(self, check: ChromaServerCheck) -> None:
        self._changed()
        self.result.setText(check.summary())
        self.result.setVisible(True)
        if check.ok:
            typed = self.name.currentText()
            self.name.clear()
            self.name.addItems(check.collections)
            # one shared collection there: it is the likely one to join
            self.name.setEditText(typed or (check.collections[0] if len(check.collections) == 1 else ""))

    # -- join / create -----------------------------------------------------------------------
    def join(self) -> None:
        self._go([])

    def pick_folder(self) -> None:
        if not self._valid():
            return
        dlg = QFileDialog(self, f"Choose a folder to share in “{self.name.currentText().strip()}”")
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.fileSelected.connect(lambda p: self._go([p]))
        dlg.open()
        self._dialog = dlg

    def _valid(self) -> bool:
        url, name = self.url_text(), self.name.currentText().strip()
        if not url or not name or self.services is None or self._busy:
            return False
        problem = self.services.core.chroma_servers.address_problem(url, self._allow())
        if problem:
            self._say(problem)
            return False
        here = self._local()
        if name in here and here[name].rstrip("/") != url:
            where = "on this computer" if not here[name] else f"on {here[name]}"
            self._say(f"There is already a collection called “{name}” {where}, and a shared collection is "
                      "joined by its name. Remove that one here first (Remove collection: your files are "
                      "untouched), or give a new shared collection another name.")
            return False
        return True

    def _go(self, paths: list[str]) -> None:
        """Store the typed token and the plain-http permission (worker), then start indexing."""
        if not self._valid():
            return
        url, name = self.url_text(), self.name.currentText().strip()
        token = self.token.text().strip()
        allow = bool(self._allow())
        services = self.services
        ops = services.core.chroma_servers
        self._set_storing(True)

        def job(_j: Any) -> bool:
            if token:
                ops.set_token(url, token)
            return allow and ops.allow_plain_http(url) is not None

        def done(settings_changed: bool) -> None:
            self._set_storing(False)
            if settings_changed:  # the document service runs with the settings it started with
                services.reset_documents()
            self.close_form()
            self._start(name, url, paths)

        def failed(err: Any) -> None:
            self._set_storing(False)
            self._say(keyring_advice(err) if isinstance(err, KeyringUnavailable)
                      else (err.user_text() if hasattr(err, "user_text") else str(err)))

        self._submit(job, done, failed)
