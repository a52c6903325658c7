"""The audit log viewer: every message that left this computer, and whether the log is intact."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)
from PySide6.QtCore import Qt, Signal

from engine.core import AuditDetails, AuditEntry


class AuditLogDialog(QDialog):
    loaded = Signal()

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit log — what was sent")
        self.resize(760, 480)
        self.services = services
        self.entries: list[AuditEntry] = []
        lay = QVBoxLayout(self)
        self.summary = QLabel("Reading the audit log…")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["Time (UTC)", "Provider", "Model", "Replaced details", "Why it was allowed",
                                              "Outcome"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))
        split.addWidget(self.table)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setPlaceholderText("Select an entry to see the exact text that was sent.")
        split.addWidget(self.text)
        lay.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        core = self.services.core
        self.services.hub.submit(lambda _j: core.audit.details(), on_done=self._loaded,
                                 on_error=lambda e: self.summary.setText(getattr(e, "user_text", lambda: str(e))()))

    def _loaded(self, details: AuditDetails) -> None:
        self.entries = list(reversed(details.entries))   # newest first
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            if e.corrupt is not None:
                cells = ["?", "", "", "", "unreadable line", ""]
            else:
                cells = [e.time, e.provider, e.model, ", ".join(e.redactions) or "none", "; ".join(e.reasons),
                         "no outcome recorded" if e.delivered is None else
                         ("delivered" if e.delivered else "not delivered: " + e.outcome_detail)]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(str(text)))
        # What reached a provider, what did not, and whether the log is intact (engine's wording).
        self.summary.setText(details.summary if details.ok else
                             f"{details.total} entries. Warning: the log was altered — {details.problem}.")
        if self.entries:
            self.table.selectRow(0)
            self._show(0)
        self.loaded.emit()

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.entries):
            e = self.entries[row]
            prefix = "".join(f"[{m.get('role')}] {m.get('content')}\n\n" for m in e.history)
            body = e.corrupt if e.corrupt is not None else (f"[user] {e.text}" if e.history else e.text)
            self.text.setPlainText(prefix + body)
