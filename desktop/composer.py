"""The message input: multi-line, Enter sends, Shift+Enter adds a line, Ctrl+Enter sends.

A pause in typing (:data:`DRAFT_PAUSE_MS` after the last change) emits ``draft_paused`` with the
text as it would be sent, so the privacy router can start on it before Send (the window hands it
to a worker: nothing here touches the engine)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFrame, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QVBoxLayout, QWidget)


class MessageInput(QPlainTextEdit):
    submitted = Signal()
    escape = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Message Hearth…  (Enter sends, Shift+Enter adds a line)")
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    def _fit_height(self) -> None:
        lines = max(1, min(8, int(self.document().size().height())))
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 16)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = e.modifiers()
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            self.submitted.emit()   # plain Enter and Ctrl+Enter both send
            return
        if e.key() == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(e)


DRAFT_PAUSE_MS = 300


class Composer(QFrame):
    """Input, send/stop button, collection picker, privacy indicator and 'answer locally'."""

    send_requested = Signal(str)
    draft_paused = Signal(str)        # the text as it would be sent, after a pause in typing
    stop_requested = Signal()
    cancel_edit_requested = Signal()
    new_chat_requested = Signal()     # the "Start a new chat" link in the privacy note

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(4)
        self.edit_note = QLabel()
        self.edit_note.setObjectName("Muted")
        self.edit_note.setVisible(False)
        lay.addWidget(self.edit_note)
        # What the chat's private turns mean for the next message (desktop.privacy_note).
        self.chat_note = QLabel()
        self.chat_note.setObjectName("ChatNote")
        self.chat_note.setWordWrap(True)
        self.chat_note.setTextFormat(Qt.TextFormat.RichText)
        self.chat_note.setVisible(False)
        self.chat_note.linkActivated.connect(lambda _href: self.new_chat_requested.emit())
        lay.addWidget(self.chat_note)
        row = QHBoxLayout()
        self.input = MessageInput()
        self.input.setFrameShape(QFrame.Shape.NoFrame)
        self.input.submitted.connect(self._submit)
        self.input.escape.connect(self._escape)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_PAUSE_MS)
        self._draft_timer.timeout.connect(self._draft_pause)
        self.input.textChanged.connect(self._draft_timer.start)  # (re)start: debounced
        row.addWidget(self.input, 1)
        self.send_btn = QPushButton("Send")
        self.send_btn.setObjectName("PrimaryButton")
        self.send_btn.setToolTip("Send (Enter or Ctrl+Enter)")
        self.send_btn.clicked.connect(self._on_button)
        row.addWidget(self.send_btn, 0, Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(row)
        tools = QHBoxLayout()
        self.collection = QComboBox()
        self.collection.setToolTip("Answer from my documents: pick a collection to search before answering")
        self.collection.addItem("No documents", None)
        self.collection.setMinimumContentsLength(16)
        tools.addWidget(QLabel("Answer from:"))
        tools.addWidget(self.collection)
        tools.addStretch(1)
        self.answer_locally = QCheckBox("Answer locally")
        self.answer_locally.setToolTip("Keep this message on this computer even if cloud help is on")
        tools.addWidget(self.answer_locally)
        self.privacy = QLabel()
        tools.addWidget(self.privacy)
        lay.addLayout(tools)
        self._busy = False
        self._ready = False
        self.set_privacy_mode("off")
        self._update_button()

    # -- state ----------------------------------------------------------------------------
    def set_ready(self, ready: bool, why: str = "") -> None:
        self._ready = ready
        self.send_btn.setToolTip("Send (Enter or Ctrl+Enter)" if ready else why)
        self._update_button()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_button()
        if not busy and self.input.toPlainText().strip():
            self._draft_timer.start()  # typed during the answer: its draft waited for it to end

    def _update_button(self) -> None:
        if self._busy:
            self.send_btn.setText("Stop")
            self.send_btn.setToolTip("Stop the answer (Esc)")
            self.send_btn.setEnabled(True)
        else:
            self.send_btn.setText("Send")
            self.send_btn.setEnabled(self._ready)

    def set_privacy_mode(self, mode: str, provider: str = "", key_problem: str | None = None) -> None:
        from desktop import theme
        c = theme.colors()
        if mode == "off":
            self.privacy.setText("● Local only")
            self.privacy.setStyleSheet(f"color: {c['local']};")
            self.privacy.setToolTip("Cloud help is off: every answer is written on this computer.")
        elif mode == "ask":
            self.privacy.setText(f"☁ Cloud: ask ({provider})")
            self.privacy.setStyleSheet(f"color: {c['cloud']};")
            self.privacy.setToolTip("Non-sensitive questions may go to the cloud; you confirm each one first.")
        else:
            self.privacy.setText(f"☁ Cloud: auto ({provider})")
            self.privacy.setStyleSheet(f"color: {c['cloud']};")
            self.privacy.setToolTip("Non-sensitive questions go to the cloud without asking; sensitive ones stay here.")
        self.answer_locally.setVisible(mode != "off")
        if mode != "off" and key_problem:
            self.privacy.setText(self.privacy.text() + " — cannot send")
            self.privacy.setToolTip(key_problem)

    def set_chat_note(self, html: str) -> None:
        """Show (or, with "", hide) the note about this chat's private turns."""
        self.chat_note.setText(html)
        self.chat_note.setVisible(bool(html))

    def set_editing(self, text: str | None) -> None:
        """Show or hide the 'editing an earlier message' note; fills the input when starting."""
        if text is None:
            self.edit_note.setVisible(False)
            return
        self.edit_note.setText("Editing an earlier message — send to replace it and everything after it; Esc cancels.")
        self.edit_note.setVisible(True)
        self.input.setPlainText(text)
        self.input.setFocus()

    def editing(self) -> bool:
        return self.edit_note.isVisible()

    def selected_collection(self) -> str | None:
        return self.collection.currentData()

    def set_collections(self, names: list[str]) -> None:
        current = self.selected_collection()
        self.collection.blockSignals(True)
        self.collection.clear()
        self.collection.addItem("No documents", None)
        for n in names:
            self.collection.addItem(n, n)
        i = self.collection.findData(current)
        self.collection.setCurrentIndex(max(0, i))
        self.collection.blockSignals(False)

    # -- actions --------------------------------------------------------------------------
    def _draft_pause(self) -> None:
        # Not while an answer is written: the head start would take a core from it.
        text = self.input.toPlainText().strip()
        if text and not self._busy:
            self.draft_paused.emit(text)

    def _on_button(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self._submit()

    def _submit(self) -> None:
        if self._busy or not self._ready:
            return
        text = self.input.toPlainText().strip()
        if not text:
            return
        self.input.clear()
        self._draft_timer.stop()
        self.send_requested.emit(text)

    def _escape(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        elif self.editing():
            self.set_editing(None)
            self.input.clear()
            self.cancel_edit_requested.emit()
