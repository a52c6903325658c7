"""The main window: conversations on the left, the chat in the centre, status at the bottom.

The window never calls the engine itself: it asks :class:`EngineServices` to run work on a
worker thread and reacts to the results. Streaming tokens are collected and painted at most
every ``TOKEN_BATCH_MS`` milliseconds, so a fast model costs the UI thread ~25 repaints/s.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QLabel, QMainWindow, QProgressBar, QSplitter, QVBoxLayout, QWidget)

from desktop import menus, window_state
from desktop.banner import BannerArea
from desktop.chat_actions import ChatListActions
from desktop.chat_view import ChatView, MessageData, MessageWidget
from desktop.composer import Composer
from desktop.item_models import ChatRow
from desktop.privacy_note import chat_privacy, composer_note
from desktop.services import ConfirmRequest, EngineServices
from desktop.sidebar import Sidebar
from desktop.window_actions import WindowActions
from engine.config import Config, LoadedConfig

log = logging.getLogger(__name__)

TOKEN_BATCH_MS = 40


class MainWindow(ChatListActions, WindowActions, QMainWindow):
    turn_finished = Signal()          # a turn ended (done, stopped or failed); tests wait on it
    chats_loaded = Signal()           # the conversation list was refreshed
    messages_loaded = Signal()        # the current conversation was (re)loaded
    confirm_shown = Signal(object)    # the cloud preview dialog opened (ask mode)
    tokens_painted = Signal(int)      # a batch of streamed text was painted (length so far)

    def __init__(self, loaded: LoadedConfig, services: EngineServices | None = None) -> None:
        super().__init__()
        self.loaded = loaded
        self.config: Config = loaded.config
        self.setWindowTitle("Hearth")
        self.resize(1100, 740)
        self.services = services or EngineServices(self.config, self)
        self.current_chat: int | None = None
        self._editing: MessageData | None = None
        self._streaming: MessageWidget | None = None
        self._pending: list[str] = []
        self._busy = False
        self._closing = False
        self._windows: dict[str, QWidget] = {}
        self.last_confirm_dialog: Any = None
        self._chosen = False          # the person picked or started a chat (no auto-open after that)
        self._last_rules: list[str] = []   # rule ids of the latest live routing

        self._flush_timer = QTimer(self, singleShot=True, interval=TOKEN_BATCH_MS)
        self._flush_timer.timeout.connect(self._flush_tokens)
        self._build()
        self.actions = menus.install(self)
        window_state.track(self, "main")
        from desktop.doc_links import DocumentLinks
        self.links = DocumentLinks(self)  # "Answer from" per chat, outside collections, citation clicks
        self.services.model_state.connect(self._on_model_state)
        self.services.store_ready.connect(self._on_store_ready)
        if loaded.problem is not None:
            self.banners.show_error(loaded.problem.message, loaded.problem.hint,
                                    [("Open settings", self.open_settings)])

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        split = QSplitter(Qt.Orientation.Horizontal)
        self.sidebar = Sidebar()
        split.addWidget(self.sidebar)
        centre = QWidget()
        lay = QVBoxLayout(centre)
        lay.setContentsMargins(0, 0, 0, 8)
        lay.setSpacing(6)
        self.banners = BannerArea()
        lay.addWidget(self.banners)
        self.chat = ChatView()
        lay.addWidget(self.chat, 1)
        self.composer = Composer()
        wrap = QWidget()
        wl = QVBoxLayout(wrap)
        wl.setContentsMargins(16, 0, 16, 0)
        wl.addWidget(self.composer)
        lay.addWidget(wrap)
        split.addWidget(centre)
        split.setStretchFactor(1, 1)
        split.setSizes([260, 840])
        self.setCentralWidget(split)

        sb = self.statusBar()
        self.loading_bar = QProgressBar()
        self.loading_bar.setRange(0, 0)
        self.loading_bar.setMaximumWidth(120)
        self.loading_bar.setMaximumHeight(12)
        self.loading_bar.setTextVisible(False)
        self.model_label = QLabel("Loading model…")
        self.backend_label = QLabel()
        self.speed_label = QLabel()
        self.context_label = QLabel()
        sb.addWidget(self.loading_bar)
        sb.addWidget(self.model_label)
        for w in (self.backend_label, self.speed_label, self.context_label):
            sb.addPermanentWidget(w)
        self.composer.set_ready(False, "The model is loading…")
        self.composer.set_privacy_mode(self.config.cloud.mode, self.config.cloud.provider)

        self.composer.new_chat_requested.connect(self.new_chat)
        self.sidebar.new_chat.connect(self.new_chat)
        self.sidebar.chat_selected.connect(self.open_chat)
        self.sidebar.rename_requested.connect(self.rename_chat)
        self.sidebar.delete_requested.connect(self.confirm_delete)
        self.sidebar.pin_requested.connect(self.pin_chat)
        self.sidebar.search_changed.connect(self.search_chats)
        self.sidebar.export_requested.connect(self.export_chat)
        self.sidebar.open_documents.connect(self.open_documents)
        self.sidebar.open_models.connect(self.open_models)
        self.sidebar.open_settings.connect(self.open_settings)
        self.composer.collection.currentIndexChanged.connect(self._collection_picked)
        self.composer.send_requested.connect(self.send)
        self.composer.draft_paused.connect(self._draft_paused)
        self.composer.stop_requested.connect(self.stop)
        self.composer.cancel_edit_requested.connect(lambda: setattr(self, "_editing", None))
        self.chat.edit_requested.connect(self.start_edit)
        self.chat.regenerate_requested.connect(self.regenerate)
        self.chat.outbound_requested.connect(self.show_outbound)

    def focus_search(self) -> None:
        self.sidebar.search.setFocus()
        self.sidebar.search.selectAll()

    def focus_input(self) -> None:
        self.composer.input.setFocus()

    def show_shortcuts(self) -> QWidget:
        dlg = menus.ShortcutsDialog(self)
        dlg.open()
        self._windows["shortcuts"] = dlg
        return dlg

    def export_current(self) -> None:
        if self.current_chat is not None:
            self.export_chat(self.current_chat)

    # -- start-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Begin loading engine parts (after the window is shown)."""
        self.services.start()

    def _on_store_ready(self, store: Any) -> None:
        from engine.errors import HearthError
        if isinstance(store, HearthError):
            self.banners.show_error(store.message, store.hint)
            return
        self.refresh_chats(then=self._open_last_chat)
        self._check_cloud_key()

    def _open_last_chat(self) -> None:
        """Start where the person left off: the chat open when the app last closed (else the newest)."""
        ids = self.sidebar.model.chat_ids()
        if self._chosen or self.current_chat is not None or not ids:
            return
        last = window_state.load_state().get("last_chat")
        if last not in ids:
            chats = [self.sidebar.model.chat(i) for i in ids]
            last = max(chats, key=lambda c: c.updated).id
        self.open_chat(last)
        self._chosen = False  # opened for the person, not by them

    def _check_cloud_key(self) -> None:
        """Cloud help is on: can a send authenticate? The composer says so when it cannot."""
        cloud = self.config.cloud
        if cloud.mode == "off":
            return

        def job(_j: Any) -> str | None:
            from desktop.keyring_help import send_problem
            return send_problem(self.services.core, cloud.provider, cloud.base_url)

        def done(problem: str | None) -> None:
            if self.config.cloud == cloud:
                self.composer.set_privacy_mode(cloud.mode, cloud.provider, problem)

        self.services.hub.submit(job, on_done=done, on_error=lambda e: log.warning("key check: %s", e))

    def _on_model_state(self, state: str, payload: Any) -> None:
        self.loading_bar.setVisible(state == "loading")
        if state == "loading":
            self.model_label.setText(f"Loading model {self.config.model.default}…")
            self.composer.set_ready(False, "The model is loading…")
        elif state == "ready":
            info = payload
            # the zone matters as much as the name: a team server sees what is sent to it
            self.model_label.setText(self.services.core.model_status())
            layers = f", {info.n_gpu_layers} GPU layers" if getattr(info, "n_gpu_layers", 0) else ""
            self.backend_label.setText(f"{getattr(info, 'backend', 'CPU')}{layers}")
            self._reset_figures()
            self.composer.set_ready(True)
            self.refresh_collections()
            for note in getattr(info, "notes", []) or []:
                self.statusBar().showMessage(note, 8000)
        else:
            self.model_label.setText("Model not loaded")
            self.composer.set_ready(False, "The model could not be loaded.")
            self.banners.show_error(getattr(payload, "message", str(payload)), getattr(payload, "hint", None),
                                    [("Retry", self.services.load_model), ("Open models", self.open_models),
                                     ("Open settings", self.open_settings)])

    # -- conversations ----------------------------------------------------------------------
    def refresh_chats(self, then: Callable[[], None] | None = None) -> None:
        def done(chats: list[Any]) -> None:
            self.sidebar.model.set_chats([ChatRow(c.id, c.title, c.updated, c.pinned) for c in chats])
            self.sidebar.select(self.current_chat)
            self.chats_loaded.emit()
            if then:
                then()

        self.services.with_store(lambda s: s.list(), done, self._error)

    def new_chat(self) -> None:
        if self._busy:
            return
        self._chosen = True
        self.current_chat = None
        self._editing = None
        self.composer.set_editing(None)
        self.chat.clear()
        self.sidebar.select(None)
        self._reset_figures()
        self._update_privacy_note()
        self.composer.input.setFocus()

    def _reset_figures(self) -> None:
        """Status-bar figures belong to one chat: a new or other chat starts without them."""
        self.speed_label.setText("")
        n_ctx = getattr(self.services.load_info, "n_ctx", None) or self.config.model.n_ctx
        self.context_label.setText(f"context 0 / {n_ctx}" if self.current_chat is None else "")

    def _update_privacy_note(self) -> None:
        mode = self.config.cloud.mode
        self.chat.set_show_why(mode != "off")
        if self.current_chat is None and not self.chat.widgets:
            self.composer.set_chat_note("")
            return
        state = chat_privacy([w.msg for w in self.chat.widgets], self._last_rules)
        self.composer.set_chat_note(composer_note(mode, state))

    def open_chat(self, chat_id: int) -> None:
        if self._busy and chat_id != self.current_chat:
            self.statusBar().showMessage("Stop the current answer before switching chats (Esc).", 4000)
            self.sidebar.select(self.current_chat)
            return
        self._chosen = True
        if chat_id != self.current_chat:
            self._last_rules = []
        self.current_chat = chat_id
        self._editing = None
        self.composer.set_editing(None)
        self._reset_figures()
        self.reload_messages()

    def reload_messages(self) -> None:
        chat_id = self.current_chat
        if chat_id is None:
            return

        def done(msgs: list[Any]) -> None:
            if chat_id != self.current_chat:
                return
            self.chat.set_messages([MessageData.from_engine(m) for m in msgs if m.role != "system"])
            self.sidebar.select(chat_id)
            last = next((w.msg for w in reversed(self.chat.widgets) if w.msg.role == "assistant"), None)
            if last is not None and last.tokens_per_s:
                self.speed_label.setText(f"{last.tokens_per_s:.1f} tok/s")
            self._update_privacy_note()
            self.messages_loaded.emit()

        self.services.with_store(lambda s: s.messages(chat_id), done, self._error)

    # -- turns ------------------------------------------------------------------------------
    def send(self, text: str) -> None:
        if self._busy:
            return
        self._chosen = True
        if self._editing is not None and self.current_chat is not None:
            msg, self._editing = self._editing, None
            self.composer.set_editing(None)
            self._edit_and_resend(msg, text)
            return
        if self.current_chat is None:
            def created(chat: Any) -> None:
                self.current_chat = chat.id
                self.refresh_chats()
                self._ask(text)

            self._set_busy(True)
            self.services.with_store(lambda s: s.create(), created,
                                     lambda e: (self._set_busy(False), self._error(e)))
            return
        self._ask(text)

    def _draft_paused(self, text: str) -> None:
        """A pause in typing: the router starts on the draft (on a worker), unless this message
        will not be routed (answered locally, or from documents, which keeps it here)."""
        if not self.composer.answer_locally.isChecked() and self.composer.selected_collection() is None:
            self.services.prepare_draft(text)

    def _turn_options(self, answer_locally: bool | None = None) -> dict[str, Any]:
        local = self.composer.answer_locally.isChecked() if answer_locally is None else answer_locally
        return {"collection": self.composer.selected_collection(), "answer_locally": local}

    def _ask(self, text: str) -> None:
        chat_id = self.current_chat
        self.chat.add_message(MessageData(None, "user", text))
        opts = self._turn_options()
        self._start_turn(lambda a, confirm: a.turn(chat_id, text, confirm=confirm, **opts))

    def regenerate(self, answer_locally: bool | None = None) -> None:
        if self._busy or self.current_chat is None:
            return
        chat_id = self.current_chat
        # drop the shown answer(s) after the last question
        last_user = max((i for i, w in enumerate(self.chat.widgets) if w.msg.role == "user"), default=-1)
        if last_user < 0:
            return
        self.chat.remove_from(last_user + 1)
        opts = self._turn_options(answer_locally)
        self._start_turn(lambda a, confirm: a.regenerate(chat_id, confirm=confirm, **opts))

    def start_edit(self, msg: MessageData) -> None:
        if self._busy or msg.id is None:
            return
        self._editing = msg
        self.composer.set_editing(msg.content)

    def _edit_and_resend(self, msg: MessageData, text: str) -> None:
        chat_id = self.current_chat
        idx = next((i for i, w in enumerate(self.chat.widgets) if w.msg.id == msg.id), None)
        if idx is not None:
            self.chat.remove_from(idx)
        self.chat.add_message(MessageData(msg.id, "user", text))
        opts = self._turn_options()
        self._start_turn(lambda a, confirm: a.edit_and_resend(chat_id, msg.id, text, confirm=confirm, **opts))

    def _start_turn(self, start: Callable[[Any, Any], Any]) -> None:
        self._set_busy(True)
        self._pending = []
        self._streaming = self.chat.add_message(MessageData(None, "assistant", "", status="streaming"))
        self.services.run_turn(start, on_event=self._on_event, on_done=self._turn_done, on_error=self._turn_error)

    def stop(self) -> None:
        if self._busy:
            self.services.stop_turn()
            self.statusBar().showMessage("Stopping…", 2000)
        elif self.composer.editing():
            self.composer._escape()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.composer.set_busy(busy)
        self.chat.set_busy(busy)

    def _on_event(self, ev: Any) -> None:
        from engine.events import Citations, Done, Failed, Routed, Token
        w = self._streaming
        if isinstance(ev, Token):
            self._pending.append(ev.text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()
            return
        if isinstance(ev, ConfirmRequest):
            self._confirm(ev)
            return
        if w is None:
            return
        if isinstance(ev, Routed):
            w.msg.route, w.msg.provider = ev.route, ev.provider
            w.msg.outbound_text, w.msg.redactions = ev.outbound_text, list(ev.redactions)
            w.msg.reasons = list(ev.reasons)
            w.refresh()
            self._last_rules = list(getattr(ev, "rules", []) or [])
            asked = self.chat.widgets[-2] if len(self.chat.widgets) > 1 else None
            if asked is not None and asked.msg.role == "user":
                asked.msg.sent = ev.route != "local"
            self._update_privacy_note()
            if ev.truncated_turns:
                self.statusBar().showMessage(
                    f"{ev.truncated_turns} older turn(s) left out so the conversation fits the model's context.", 6000)
        elif isinstance(ev, Citations):
            w.msg.citations = list(ev.items)
            w.refresh()
        elif isinstance(ev, Done):
            self._flush_tokens()
            w.msg.content = ev.text
            w.msg.id, w.msg.tokens, w.msg.tokens_per_s = ev.message_id, ev.tokens, ev.tokens_per_s
            w.msg.status = "cancelled" if ev.cancelled else "complete"
            w.refresh()
            if ev.tokens_per_s:
                self.speed_label.setText(f"{ev.tokens_per_s:.1f} tok/s")
            if ev.backend:
                self.backend_label.setText(ev.backend)
        elif isinstance(ev, Failed):
            self._flush_tokens()
            w.msg.status = "failed"
            w.refresh()
            self._show_failure(ev.message, ev.hint, ev.kind)

    def _flush_tokens(self) -> None:
        self._flush_timer.stop()
        if self._pending and self._streaming is not None:
            self._streaming.set_text(self._streaming.msg.content + "".join(self._pending))
            self._pending = []
            self.tokens_painted.emit(len(self._streaming.msg.content))
        self._pending = []

    def _turn_done(self, _result: Any) -> None:
        self._flush_tokens()
        w, self._streaming = self._streaming, None
        if w is not None and w.msg.status == "streaming":
            w.msg.status = "complete"
            w.refresh()
        self._set_busy(False)
        self._update_context()
        self.refresh_chats()
        self._sync_ids()

    def _turn_error(self, err: Any) -> None:
        self._flush_tokens()
        if self._streaming is not None:
            self._streaming.msg.status = "failed"
            self._streaming.refresh()
        self._streaming = None
        self._set_busy(False)
        self._show_failure(getattr(err, "message", str(err)), getattr(err, "hint", None), type(err).__name__)
        self.turn_finished.emit()

    def _sync_ids(self) -> None:
        """Fetch persisted messages so every bubble knows its id (needed for Edit)."""
        chat_id = self.current_chat
        if chat_id is None:
            self.turn_finished.emit()
            return

        def done(msgs: list[Any]) -> None:
            shown = [m for m in msgs if m.role != "system"]
            if chat_id == self.current_chat and len(shown) == len(self.chat.widgets):
                for w, m in zip(self.chat.widgets, shown):
                    fresh = MessageData.from_engine(m)
                    if fresh.role == "assistant" and fresh.redactions is None:
                        fresh.redactions = w.msg.redactions
                    w.msg = fresh
                    w.refresh()
                self.chat.set_busy(False)
            elif chat_id == self.current_chat:
                self.chat.set_messages([MessageData.from_engine(m) for m in shown])
            if chat_id == self.current_chat:
                self._update_privacy_note()
            self.turn_finished.emit()

        self.services.with_store(lambda s: s.messages(chat_id), done,
                                 lambda e: (self._error(e), self.turn_finished.emit()))

    def _update_context(self) -> None:
        host = self.services.host
        stats = getattr(host, "last_stats", None)
        info = self.services.load_info
        if stats is None or info is None:
            return
        used = getattr(stats, "prompt_tokens", 0) + getattr(stats, "tokens", 0)
        n_ctx = getattr(info, "n_ctx", 0) or 1
        self.context_label.setText(f"context {used} / {n_ctx} ({100 * used // n_ctx}%)")

    # -- errors -----------------------------------------------------------------------------
    def _show_failure(self, message: str, hint: str | None, kind: str) -> None:
        actions: list[tuple[str, Callable[[], None]]] = []
        if kind.startswith("Cloud") or kind in ("PrivacyBlocked", "KeyringUnavailable"):
            actions.append(("Answer locally", lambda: self.regenerate(answer_locally=True)))
            actions.append(("Open settings", self.open_settings))
        elif kind in ("ModelCrashed", "StorageError", "HearthError"):
            actions.append(("Retry", self.regenerate))
        elif kind in ("ModelLoadError", "ModelNotFound", "ContextOverflow", "ConfigError"):
            actions.append(("Open settings", self.open_settings))
        elif kind in ("IndexError_", "IngestError"):
            actions.append(("Open documents", self.open_documents))
        self.banners.show_error(message, hint, actions)

    def _error(self, err: Any) -> None:
        self.banners.show_error(getattr(err, "message", str(err)), getattr(err, "hint", None))

    # -- cloud ------------------------------------------------------------------------------
    def _confirm(self, req: ConfirmRequest) -> None:
        from desktop.cloud_dialogs import CloudPreviewDialog
        dlg = CloudPreviewDialog(req.routed, self, cannot_send=req.cannot_send)
        dlg.open_settings.connect(self.open_settings)
        dlg.finished.connect(lambda r: req.answer(r == CloudPreviewDialog.DialogCode.Accepted))
        self.last_confirm_dialog = dlg
        dlg.open()
        self.confirm_shown.emit(dlg)

    def show_outbound(self, msg: MessageData) -> None:
        from desktop.cloud_dialogs import open_outbound_view
        self._windows["outbound"] = open_outbound_view(self, self.services, msg)

    # -- shutdown ---------------------------------------------------------------------------
    def closeEvent(self, e: QCloseEvent) -> None:
        if not self._closing:
            self._closing = True
            window_state.update_state(last_chat=self.current_chat)
            for w in self._windows.values():
                w.close()
            self.services.shutdown()
        super().closeEvent(e)
