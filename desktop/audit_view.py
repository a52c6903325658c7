"""The audit log viewer: every message that left this computer, and whether the log is intact."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)
from PySide6.QtCore import Qt, Signal


class AuditLogDialog(QDialog):
    loaded = Signal()

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit log — what was sent")
        self.resize(760, 480)
        self.services = services
        self.entries: list[dict] = []
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
        def job(_j: Any) -> tuple[list[dict], Any]:
            from engine.cloud.audit import AuditLog
            log = AuditLog()
            return log.entries(), log.verify()

        self.services.hub.submit(job, on_done=self._loaded, on_error=lambda e: self.summary.setText(
            getattr(e, "user_text", lambda: str(e))()))

    def _loaded(self, result: tuple[list[dict], Any]) -> None:
        entries, verdict = result
        self.entries = list(reversed(entries))   # newest first
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            if "corrupt" in e:
                cells = ["?", "", "", "", "unreadable line", ""]
            else:
                out = e.get("outcome")
                cells = [e.get("time", ""), e.get("provider", ""), e.get("model", ""),
                         ", ".join(e.get("redactions", [])) or "none", "; ".join(e.get("reasons", [])),
                         "no outcome recorded" if not out else
                         ("delivered" if out.get("delivered") else "not delivered: " + str(out.get("detail", "")))]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(str(text)))
        # What reached a provider, what did not, and whether the log is intact (engine's wording).
        self.summary.setText(verdict.summary() if verdict.ok else
                             f"{len(entries)} entries. Warning: the log was altered — {verdict.problem}.")
        if self.entries:
            self.table.selectRow(0)
            self._show(0)
        self.loaded.emit()

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.entries):
            e = self.entries[row]
            hist = e.get("history") or []
            prefix = "".join(f"[{m.get('role')}] {m.get('content')}\n\n" for m in hist)
            self.text.setPlainText(prefix + (f"[user] {e.get('text', '')}" if hist else e.get("text", e.get("corrupt", ""))))
