"""Settings: model, documents, privacy, API server and appearance, saved with
``engine.config.save_config``.

Values are validated by the engine's own rules (``engine.config.validate_settings``: the CLI and
the API server ask the same function) before saving; a rejected value is shown next to the Save
button and nothing is written. Keys go to the OS keyring through ``core.cloud`` on a worker
thread, never into the settings file.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QDoubleSpinBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QRadioButton, QScrollArea, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from desktop.keyring_help import keyring_advice, needs_key, send_problem
from desktop.model_server_panel import ModelServerFields
from engine.config import Config, save_config, validate_settings
from engine.core import ApiStatus
from engine.errors import HearthError, KeyringUnavailable

if TYPE_CHECKING:
    from engine.core.tokens import Token

log = logging.getLogger(__name__)

MODE_TEXT = {
    "off": "Off — every answer is written on this computer. Nothing is ever sent to a cloud service.",
    "ask": "Ask — when a question looks safe to share, Hearth shows you exactly what it would send "
           "(with personal details replaced) and waits for your OK. Sensitive questions and anything "
           "about your documents always stay here.",
    "auto": "Auto — questions that look safe to share go to the cloud service without asking; "
            "sensitive ones, and anything about your documents, stay on this computer. Every message "
            "sent is recorded in the audit log.",
}


def _scrolling(inner: QWidget) -> QScrollArea:
    """A tab's page that scrolls instead of squeezing (and clipping) its text in a small window."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # text wraps instead
    area.setWidget(inner)
    return area


def _wrapped(text: str, muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if muted:
        label.setObjectName("Muted")
    return label


MODE_NAME = {"off": "Off", "ask": "Ask me each time", "auto": "Automatic"}


def _spin(lo: int, hi: int, value: int, special: str | None = None) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    if special:
        s.setSpecialValueText(special)
    return s


class SettingsDialog(QDialog):
    saved = Signal(object)      # the new Config

    def __init__(self, config: Config, services: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.resize(620, 560)
        self.config = config
        self.services = services
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._model_tab(config), "Model")
        self.tabs.addTab(self._docs_tab(config), "Documents")
        self.tabs.addTab(_scrolling(self._privacy_tab(config)), "Privacy")
        self.tabs.addTab(_scrolling(self._api_tab(config)), "API server")
        self.tabs.addTab(self._appearance_tab(config), "Appearance")
        lay.addWidget(self.tabs, 1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("Warning")
        self.problem.setVisible(False)
        lay.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

    # -- tabs -------------------------------------------------------------------------------
    def _model_tab(self, c: Config) -> QWidget:
        m = c.model
        w = QWidget()
        f = QFormLayout(w)
        self.model_default = QComboBox()
        self.model_default.setEditable(True)
        self.model_default.addItem(m.default)
        f.addRow("Model", self.model_default)
        self._fill_models(m.default)
        self.n_ctx = _spin(256, 1_048_576, m.n_ctx)
        self.n_ctx.setSingleStep(1024)
        f.addRow("Context size (tokens)", self.n_ctx)
        self.n_threads = _spin(0, 256, m.n_threads, "Automatic")
        f.addRow("CPU threads", self.n_threads)
        gpu = QHBoxLayout()
        self.gpu_auto = QCheckBox("Automatic")
        self.gpu_layers = _spin(0, 999, m.n_gpu_layers if isinstance(m.n_gpu_layers, int) else 0)
        self.gpu_auto.toggled.connect(lambda on: self.gpu_layers.setEnabled(not on))
        self.gpu_auto.setChecked(m.n_gpu_layers == "auto")
        self.gpu_layers.setEnabled(m.n_gpu_layers != "auto")
        gpu.addWidget(self.gpu_auto)
        gpu.addWidget(self.gpu_layers)
        f.addRow("GPU layers", gpu)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(m.temperature)
        f.addRow("Temperature", self.temperature)
        self.max_tokens = _spin(1, 1_000_000, m.max_tokens)
        f.addRow("Longest answer (tokens)", self.max_tokens)
        self.system_prompt = QPlainTextEdit(m.system_prompt)
        self.system_prompt.setMaximumHeight(110)
        f.addRow("System prompt", self.system_prompt)
        # The optional team model server (its own module: key, model name, test connection).
        self.server = ModelServerFields(f, m, self.services, self)
        self.remote_url, self.remote_trusted, self.zone_note = self.server.url, self.server.trusted, self.server.zone_note
        return w

    def _fill_models(self, current: str) -> None:
        if self.services is None:
            return

        def done(ids: list[str]) -> None:
            self.model_default.clear()
            for i in ids:
                self.model_default.addItem(i)
            if current not in ids:
                self.model_default.addItem(current)
            self.model_default.setCurrentText(current)

        core = self.services.core

        def job(_job: Any) -> list[str]:
            return [m.id for m in core.models.installed() if m.present]

        self.services.hub.submit(job, on_done=done, on_error=lambda e: log.warning("model list: %s", e))

    def _docs_tab(self, c: Config) -> QWidget:
        d = c.documents
        w = QWidget()
        f = QFormLayout(w)
        self.embedding_model = QLineEdit(d.embedding_model)
        f.addRow("Embedding model", self.embedding_model)
        self.chunk_tokens = _spin(32, 2048, d.chunk_tokens)
        f.addRow("Chunk size (tokens)", self.chunk_tokens)
        self.chunk_overlap = _spin(0, 512, d.chunk_overlap)
        f.addRow("Chunk overlap (tokens)", self.chunk_overlap)
        self.top_k = _spin(1, 50, d.top_k)
        f.addRow("Passages per answer", self.top_k)
        self.hybrid = QCheckBox("Combine keyword and meaning search")
        self.hybrid.setChecked(d.hybrid)
        f.addRow("", self.hybrid)
        self.rerank = QCheckBox("Re-rank passages (slower, more precise)")
        self.rerank.setChecked(d.rerank)
        f.addRow("", self.rerank)
        note = QLabel("Changing the embedding model or chunking takes effect when a collection is re-indexed.")
        note.setObjectName("Muted")
        note.setWordWrap(True)
        f.addRow(note)
        return w

    def _privacy_tab(self, c: Config) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(QLabel("<b>Cloud help</b>"))
        self.mode_group = QButtonGroup(self)
        row = QHBoxLayout()
        self.mode_buttons: dict[str, QRadioButton] = {}
        for mode, label in (("off", "Off"), ("ask", "Ask me each time"), ("auto", "Automatic")):
            b = QRadioButton(label)
            b.setChecked(c.cloud.mode == mode)
            b.toggled.connect(self._mode_changed)
            self.mode_group.addButton(b)
            self.mode_buttons[mode] = b
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        self.mode_text = QLabel(MODE_TEXT[c.cloud.mode])
        self.mode_text.setWordWrap(True)
        v.addWidget(self.mode_text)
        f = QFormLayout()
        self.provider = QComboBox()
        self.provider.addItems(["openai", "anthropic"])
        self.provider.setCurrentText(c.cloud.provider)
        f.addRow("Provider", self.provider)
        self.cloud_model = QLineEdit(c.cloud.model)
        f.addRow("Cloud model", self.cloud_model)
        self.base_url = QLineEdit(c.cloud.base_url or "")
        self.base_url.setPlaceholderText("default endpoint of the provider")
        f.addRow("Endpoint (optional)", self.base_url)
        key_row = QHBoxLayout()
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("paste a key to store it in the system keyring")
        self.save_key_btn = QPushButton("Store key")
        self.save_key_btn.clicked.connect(self.store_key)
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(self.save_key_btn)
        f.addRow("API key", key_row)
        v.addLayout(f)
        # Its own full-width row: a form's field column squeezed long advice into a clipped line.
        self.key_status = QLabel("Keys are kept only in the system keyring, never in the settings file.")
        self.key_status.setObjectName("Muted")
        self.key_status.setWordWrap(True)
        v.addWidget(self.key_status)
        self.fallback_local = QCheckBox("Answer here when the cloud service cannot be reached")
        self.fallback_local.setToolTip("Instead of an error, the local model answers and the answer says so.")
        self.fallback_local.setChecked(c.cloud.fallback_local)
        v.addWidget(self.fallback_local)
        self.provider.currentTextChanged.connect(lambda p: self._check_key(p))
        self.base_url.textChanged.connect(lambda _t: self._check_key(self.provider.currentText()))
        self._check_key(c.cloud.provider)
        v.addWidget(_wrapped("<b>Sensitive terms</b> — one per line; a question containing any of them never "
                             "leaves this computer:"))
        self.terms = QPlainTextEdit("\n".join(c.privacy.sensitive_terms))
        self.terms.setMaximumHeight(90)
        v.addWidget(self.terms)
        self.judge = QCheckBox("Also ask the local model before a message leaves")
        self.judge.setToolTip("Slower; the local model can only keep messages here, never let more out.")
        self.judge.setChecked(c.privacy.judge)
        v.addWidget(self.judge)
        audit = QHBoxLayout()
        audit.addWidget(_wrapped("Every message sent to a cloud service is recorded on this computer."), 1)
        audit.addStretch(1)
        self.audit_btn = QPushButton("View audit log…")
        self.audit_btn.clicked.connect(self.open_audit)
        audit.addWidget(self.audit_btn)
        v.addLayout(audit)
        self.usage = QLabel("")
        self.usage.setObjectName("Muted")
        self.usage.setWordWrap(True)
        v.addWidget(self.usage)
        v.addStretch(1)
        self._mode_changed()
        self._load_usage(c)
        return w

    def _load_usage(self, c: Config) -> None:
        """Cloud requests and estimated spend over 30 days (engine.cloud.usage), read on a worker."""
        if self.services is None:
            return
        core = self.services.core

        def job(_j: Any) -> tuple[int, float, float]:
            import datetime as dt

            since = (dt.date.today() - dt.timedelta(days=30)).isoformat()
            rows = core.cloud.usage(since=since)  # at the prices in the settings in force
            return (sum(r.requests for r in rows if r.kind == "cloud"), sum(r.cost for r in rows),
                    sum(r.saving for r in rows))

        def done(r: tuple[int, float, float]) -> None:
            n, cost, saving = r
            self.usage.setText(f"Last 30 days: {n} cloud request(s), about ${cost:.2f}; answering locally "
                               f"saved about ${saving:.2f} (at the prices in the settings file).")

        self.services.hub.submit(job, on_done=done, on_error=lambda e: log.warning("usage: %s", e))

    def _api_tab(self, c: Config) -> QWidget:
        """The local OpenAI-compatible API (``core.api``: the server ``hearth serve`` runs)."""
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(_wrapped("Programs on this computer (editors, scripts, chat apps) can use Hearth's model "
                             "through an OpenAI-compatible API, with the same privacy rules as this window. "
                             "They must send the API token; other computers cannot connect."))
        self.api_enabled = QCheckBox("Serve the API while Hearth is open")
        self.api_enabled.setChecked(c.server.enabled)
        self.api_enabled.toggled.connect(self._api_toggled)
        v.addWidget(self.api_enabled)
        f = QFormLayout()
        self.api_port = _spin(1024, 65535, c.server.port)
        f.addRow("Port", self.api_port)
        v.addLayout(f)
        self.api_status = _wrapped("Off." if not c.server.enabled else "Checking…", muted=True)
        self.api_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.api_status)
        row = QHBoxLayout()
        self.copy_token_btn = QPushButton("Copy API token")
        self.copy_token_btn.setToolTip("Copies the token to the clipboard without showing it")
        self.copy_token_btn.clicked.connect(self.copy_token)
        self.rotate_token_btn = QPushButton("Make a new token")
        self.rotate_token_btn.setToolTip("The old token stops working at once")
        self.rotate_token_btn.clicked.connect(self.rotate_token)
        row.addWidget(self.copy_token_btn)
        row.addWidget(self.rotate_token_btn)
        row.addStretch(1)
        v.addLayout(row)
        # A new token is shown here once (and copied); afterwards only "Copy" gives it out.
        self.token_field = QLineEdit()
        self.token_field.setReadOnly(True)
        self.token_field.setVisible(False)
        v.addWidget(self.token_field)
        self.token_note = _wrapped("The token is kept in the system keyring.", muted=True)
        v.addWidget(self.token_note)
        v.addStretch(1)
        if self.services is not None:
            self.services.api_state.connect(self._show_api_status)
            core = self.services.core
            self.services.hub.submit(lambda _j: core.api.status(), on_done=self._show_api_status)
        return w

    def _show_api_status(self, status: ApiStatus) -> None:
        if status.running:
            self.api_status.setText(f"Serving at {status.url} — use it as the base URL, with the API token as the key.")
        elif status.error:
            self.api_status.setText(f"Not serving: {status.error}")
        else:
            self.api_status.setText("Off.")

    def _api_toggled(self, on: bool) -> None:
        """Turning the server on makes the token now, so the person sees it (once) before saving."""
        if on and self.services is not None:
            core = self.services.core
            self._token_job(lambda _j: core.api.token(), None)

    def _token_job(self, make: Callable[[Any], Token], copied: str | None) -> None:
        """Get (or make) the token on the worker (the keyring may be slow); copy it here.
        ``copied=None``: only a token made just now is copied and shown."""
        if self.services is None:
            return
        for b in (self.copy_token_btn, self.rotate_token_btn):
            b.setEnabled(False)

        def done(tok: Token) -> None:
            for b in (self.copy_token_btn, self.rotate_token_btn):
                b.setEnabled(True)
            if copied is None and not tok.created:
                return
            QGuiApplication.clipboard().setText(tok.value)
            self.token_field.setVisible(tok.created)
            self.token_field.setText(tok.value if tok.created else "")
            self.token_note.setText(("A new token was made and copied. It is shown here only this once; paste it "
                                     "into the other program's API key setting. " if tok.created else copied or "")
                                    + ("" if tok.source == "keyring" else " (It comes from HEARTH_API_TOKEN.)"))

        def failed(err: Any) -> None:
            for b in (self.copy_token_btn, self.rotate_token_btn):
                b.setEnabled(True)
            self.token_note.setText(err.user_text() if hasattr(err, "user_text") else str(err))

        self.services.hub.submit(make, on_done=done, on_error=failed)

    def copy_token(self) -> None:
        core = self.services.core if self.services is not None else None
        self._token_job(lambda _j: core.api.token(), "The API token is copied to the clipboard.")

    def rotate_token(self) -> None:
        core = self.services.core if self.services is not None else None
        self._token_job(lambda _j: core.api.rotate_token(), "")

    def _appearance_tab(self, c: Config) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.theme_buttons: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        for theme, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            b = QRadioButton(label)
            b.setChecked(c.appearance.theme == theme)
            group.addButton(b)
            self.theme_buttons[theme] = b
            v.addWidget(b)
        v.addStretch(1)
        return w

    # -- behaviour --------------------------------------------------------------------------
    def selected_mode(self) -> str:
        return next((m for m, b in self.mode_buttons.items() if b.isChecked()), "off")

    def _mode_changed(self) -> None:
        mode = self.selected_mode()
        self.mode_text.setText(MODE_TEXT[mode])
        for wdg in (self.provider, self.cloud_model, self.base_url, self.fallback_local):
            wdg.setEnabled(mode != "off")

    def build_config(self) -> Config:
        """The edited settings, validated by ``engine.config.validate_settings`` (raises
        ConfigError naming the bad values)."""
        data = self.config.model_dump(mode="json")
        m = data["model"]
        m.update(default=self.model_default.currentText().strip() or self.config.model.default,
                 n_ctx=self.n_ctx.value(), n_threads=self.n_threads.value(),
                 n_gpu_layers="auto" if self.gpu_auto.isChecked() else self.gpu_layers.value(),
                 temperature=round(self.temperature.value(), 2), max_tokens=self.max_tokens.value(),
                 system_prompt=self.system_prompt.toPlainText().strip() or self.config.model.system_prompt,
                 **self.server.values())
        d = data["documents"]
        d.update(embedding_model=self.embedding_model.text().strip() or self.config.documents.embedding_model,
                 chunk_tokens=self.chunk_tokens.value(), chunk_overlap=self.chunk_overlap.value(),
                 top_k=self.top_k.value(), hybrid=self.hybrid.isChecked(), rerank=self.rerank.isChecked())
        data["cloud"].update(mode=self.selected_mode(), provider=self.provider.currentText(),
                             model=self.cloud_model.text().strip() or self.config.cloud.model,
                             base_url=self.base_url.text().strip() or None,
                             fallback_local=self.fallback_local.isChecked())
        terms = [t.strip() for t in self.terms.toPlainText().splitlines() if t.strip()]
        data["privacy"].update(sensitive_terms=terms, judge=self.judge.isChecked())
        data["server"].update(enabled=self.api_enabled.isChecked(), port=self.api_port.value())
        data["appearance"]["theme"] = next(t for t, b in self.theme_buttons.items() if b.isChecked())
        return validate_settings(data)

    def save(self) -> None:
        """Validate; for ask/auto first store a pasted key and make sure a send could authenticate
        (on a worker: the keyring may be slow); then write the settings file."""
        try:
            cfg = self.build_config()
        except HearthError as exc:  # the engine's words, already starting "Not saved:"
            self._show_problem(exc.message)
            return
        if self.server.pending_key():  # the model server's key goes to the keyring first
            if not cfg.model.remote_url:
                self._show_problem("Not saved: a server key needs the model server's address.")
                return
            self._saving(True)
            self.server.store_key(cfg.model.remote_url, lambda: (self._saving(False), self._save_cloud(cfg)),
                                  lambda why: (self._saving(False), self._show_problem(f"Not saved: {why}")))
            return
        self._save_cloud(cfg)

    def _save_cloud(self, cfg: Config) -> None:
        provider, base_url, key = cfg.cloud.provider, cfg.cloud.base_url, self.api_key.text().strip()
        if cfg.cloud.mode == "off" or not (needs_key(provider, base_url) or key):
            self._write(cfg)
            return

        core = self.services.core if self.services is not None else None

        def check(_j: Any) -> str | None:
            if core is None:  # a dialog on its own (no engine): a send could not be checked, so refuse
                return "Hearth cannot check the key from here."
            if key:
                try:
                    core.cloud.set_key(provider, key)
                except KeyringUnavailable as exc:
                    return keyring_advice(exc)
            return send_problem(core, provider, base_url)

        def checked(problem: str | None) -> None:
            self._saving(False)
            if problem:
                self._show_problem(f"Not saved: “{MODE_NAME[cfg.cloud.mode]}” cloud help cannot work yet. "
                                   f"{problem} Or set Cloud help to Off.")
                return
            if key:
                self.api_key.clear()
                self.key_status.setText(f"The {provider} key is stored in the system keyring.")
            self._write(cfg)

        self._saving(True)
        if self.services is None:  # no worker threads (a dialog on its own): check here
            checked(check(None))
        else:
            self.services.hub.submit(check, on_done=checked,
                                     on_error=lambda e: (self._saving(False), self._show_problem(f"Not saved: {e}")))

    def _saving(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not busy)

    def _write(self, cfg: Config) -> None:
        # Saved here; the main window applies the change (apply_config compares old and new).
        try:
            save_config(cfg)
        except HearthError as exc:
            self._show_problem(f"Not saved: {exc.user_text()}")
            return
        self.config = cfg
        self.saved.emit(cfg)
        self.accept()

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(True)

    def _check_key(self, provider: str) -> None:
        """Say whether a key for ``provider`` is already in the keyring (read on a worker)."""
        if self.services is None:
            return
        base_url = self.base_url.text().strip() or None

        core = self.services.core

        def job(_j: Any) -> tuple[bool, str | None]:
            try:
                return core.cloud.has_key(provider), None
            except KeyringUnavailable as exc:
                return False, keyring_advice(exc)

        def done(result: tuple[bool, str | None]) -> None:
            has, problem = result
            if self.provider.currentText() != provider:
                return
            if problem:
                text = problem
                if not needs_key(provider, base_url):
                    text += " Your own endpoint above may need no key."
            elif has:
                text = f"A {provider} key is stored in the system keyring."
            elif not needs_key(provider, base_url):
                text = f"No {provider} key is stored; your own endpoint above may not need one."
            else:
                text = f"No {provider} key stored yet. Ask and Automatic need one. Keys are kept only in the system keyring."
            self.key_status.setText(text)

        self.services.hub.submit(job, on_done=done, on_error=lambda e: self.key_status.setText(str(e)))

    def store_key(self) -> None:
        key = self.api_key.text().strip()
        provider = self.provider.currentText()
        if not key:
            self.key_status.setText("Paste a key first.")
            return
        if self.services is None:
            return
        self.save_key_btn.setEnabled(False)
        self.key_status.setText("Storing…")

        core = self.services.core

        def job(_job: Any) -> None:
            core.cloud.set_key(provider, key)

        def done(_r: Any) -> None:
            self.api_key.clear()
            self.save_key_btn.setEnabled(True)
            self.key_status.setText(f"The {provider} key is stored in the system keyring.")

        def failed(err: Any) -> None:
            self.save_key_btn.setEnabled(True)
            empty = getattr(err, "message", "") == "The API key is empty."
            self.key_status.setText("Paste a key first." if empty else keyring_advice(err))

        self.services.hub.submit(job, on_done=done, on_error=failed)

    def open_audit(self) -> None:
        from desktop.audit_view import AuditLogDialog
        dlg = AuditLogDialog(self.services, self)
        dlg.open()
        self.audit_dialog = dlg
