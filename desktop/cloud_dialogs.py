"""Dialogs that make cloud traffic visible: the ask-mode preview and the 'what was sent' view."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from engine.core import placeholder_segments

# Translucent amber: tints the palette's own base colour, so the (palette) text stays readable on
# both the light and the dark theme. Bold as well, so the highlight does not rely on colour alone.
PLACEHOLDER_BG = QColor(255, 176, 0, 110)


def placeholder_format() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setBackground(PLACEHOLDER_BG)
    fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setToolTip("A detail replaced before sending; the real value stays on this computer.")
    return fmt


def show_outbound(edit: QPlainTextEdit, text: str) -> None:
    """Put the exact outbound text in a read-only editor, placeholders highlighted.

    Text is inserted as plain text run by run (never parsed as HTML), so toPlainText() and copying
    give exactly what is sent."""
    edit.clear()
    cursor = QTextCursor(edit.document())
    plain, marked = QTextCharFormat(), placeholder_format()
    for run, is_placeholder in placeholder_segments(text):
        cursor.insertText(run, marked if is_placeholder else plain)
    edit.moveCursor(QTextCursor.MoveOperation.Start)


def redaction_summary(redactions: list[str] | None) -> str:
    if redactions is None:
        return "The list of replaced details for this earlier answer is in the audit log (Settings → Privacy)."
    if not redactions:
        return "Nothing needed hiding: no personal or sensitive details were found."
    counts = Counter(redactions)
    parts = [f"{kind.lower().replace('_', ' ')}" + (f" ×{n}" if n > 1 else "") for kind, n in sorted(counts.items())]
    return ("Replaced with placeholders before sending (the real values never leave this computer "
            "and are put back into the answer here): " + ", ".join(parts) + ".")


class _OutboundBase(QDialog):
    def __init__(self, title: str, intro: str, text: str, redactions: list[str] | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(560, 420)
        lay = QVBoxLayout(self)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        lay.addWidget(self.intro)
        lay.addWidget(QLabel("<b>Exact text that leaves this computer:</b>"))
        self.outbound = QPlainTextEdit()
        self.outbound.setReadOnly(True)
        show_outbound(self.outbound, text)
        lay.addWidget(self.outbound, 1)
        self.redactions = QLabel(redaction_summary(redactions))
        self.redactions.setWordWrap(True)
        self.redactions.setObjectName("Muted")
        lay.addWidget(self.redactions)
        self.buttons = QDialogButtonBox()
        lay.addWidget(self.buttons)


class CloudPreviewDialog(_OutboundBase):
    """Ask mode: shows the outbound text and redactions; Send accepts, 'Keep it local' rejects.

    With ``cannot_send`` (no key, no keyring) there is no Send button at all: the dialog says why
    and offers the local answer and the settings."""

    open_settings = Signal()

    def __init__(self, routed: Any, parent: QWidget | None = None, cannot_send: str | None = None) -> None:
        provider = escape(routed.provider or "the cloud")
        reasons = escape("; ".join(routed.reasons)) if routed.reasons else ""
        intro = (f"Hearth would like to send this question to <b>{provider}</b> for a better answer. "
                 "Your documents are not sent. Check the text below, then choose." +
                 (f"<br><span>Why it may go out: {reasons}</span>" if reasons else ""))
        super().__init__(f"Send to {routed.provider or 'the cloud'}?", intro, routed.outbound_text or "",
                         list(routed.redactions), parent)
        self.cannot_send = QLabel(cannot_send or "")
        self.cannot_send.setWordWrap(True)
        self.cannot_send.setObjectName("Warning")
        self.cannot_send.setVisible(bool(cannot_send))
        self.layout().insertWidget(self.layout().count() - 1, self.cannot_send)
        self.send_btn: QPushButton | None = None
        if not cannot_send:
            self.send_btn = self.buttons.addButton(f"Send to {routed.provider or 'the cloud'}",
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        else:
            self.settings_btn = self.buttons.addButton("Open settings", QDialogButtonBox.ButtonRole.ActionRole)
            self.settings_btn.clicked.connect(lambda: (self.reject(), self.open_settings.emit()))
        self.local_btn = self.buttons.addButton("Answer on this computer" if cannot_send else "Keep it local",
                                                QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.local_btn.setDefault(True)  # Enter keeps things private


class OutboundViewDialog(_OutboundBase):
    """For a cloud answer already given: what was sent, and which details were replaced."""

    def __init__(self, provider: str, text: str, redactions: list[str] | None, parent: QWidget | None = None) -> None:
        super().__init__("What was sent", f"This answer came from <b>{provider}</b>. This is everything it received.",
                         text, redactions, parent)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)


def open_outbound_view(parent: QWidget, services: Any, msg: Any) -> OutboundViewDialog:
    """'What was sent' for an answer; for an earlier one, the replaced kinds come from the audit log."""
    dlg = OutboundViewDialog(msg.provider or "cloud", msg.outbound_text or "", msg.redactions, parent)
    dlg.open()
    if msg.redactions is None and msg.outbound_text:
        text = msg.outbound_text

        core = services.core

        def job(_j: Any) -> list[str] | None:
            entry = core.audit.find_sent(text)  # the one lookup rule (a merged earlier question counts)
            return list(entry.redactions) if entry is not None else None

        def done(found: list[str] | None) -> None:
            if found is not None:
                msg.redactions = found
                dlg.redactions.setText(redaction_summary(found))

        services.hub.submit(job, on_done=done)
    return dlg
