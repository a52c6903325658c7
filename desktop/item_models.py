"""Qt item models for the lists the app shows: conversations, models and collections.

Each model holds plain Python rows (already fetched by a worker) and never calls the engine
itself, so painting never waits on a database or the disk.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_ROLE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class ChatRow:
    id: int
    title: str
    updated: float
    pinned: bool = False


def _group(updated: float, now: float) -> str:
    day = dt.date.fromtimestamp(updated)
    today = dt.date.fromtimestamp(now)
    delta = (today - day).days
    if delta <= 0:
        return "Today"
    if delta == 1:
        return "Yesterday"
    if delta < 7:
        return "Previous 7 days"
    if delta < 30:
        return "Previous 30 days"
    return "Older"


class ConversationListModel(QAbstractListModel):
    """Conversations grouped under date headers (pinned first), filterable by a search."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._chats: list[ChatRow] = []
        self._rows: list[tuple[str, ChatRow | None]] = []   # (header text, None) or ("", chat)
        self._filter = ""
        self._extra_ids: set[int] = set()

    # -- data in --------------------------------------------------------------------------
    def set_chats(self, chats: Sequence[ChatRow]) -> None:
        self._chats = sorted(chats, key=lambda c: (not c.pinned, -c.updated))
        self._rebuild()

    def set_filter(self, text: str, extra_ids: set[int] | None = None) -> None:
        """Show chats whose title contains ``text`` or whose id is in ``extra_ids`` (full-text hits)."""
        self._filter = text.strip().lower()
        self._extra_ids = set(extra_ids or ())
        self._rebuild()

    def _rebuild(self) -> None:
        self.beginResetModel()
        rows: list[tuple[str, ChatRow | None]] = []
        now = time.time()
        last_group = None
        for chat in self._chats:
            if self._filter and self._filter not in chat.title.lower() and chat.id not in self._extra_ids:
                continue
            group = "Pinned" if chat.pinned else _group(chat.updated, now)
            if group != last_group:
                rows.append((group, None))
                last_group = group
            rows.append(("", chat))
        self._rows = rows
        self.endResetModel()

    # -- lookups --------------------------------------------------------------------------
    def chat_ids(self) -> list[int]:
        return [c.id for _, c in self._rows if c is not None]

    def row_of(self, chat_id: int) -> int:
        for i, (_, c) in enumerate(self._rows):
            if c is not None and c.id == chat_id:
                return i
        return -1

    def chat(self, chat_id: int) -> ChatRow | None:
        return next((c for c in self._chats if c.id == chat_id), None)

    # -- Qt interface ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        header, chat = self._rows[index.row()]
        if role == HEADER_ROLE:
            return chat is None
        if chat is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return header
            if role == Qt.ItemDataRole.ForegroundRole:
                from PySide6.QtGui import QColor
                from desktop import theme
                return QColor(theme.colors()["muted"])
            if role == Qt.ItemDataRole.FontRole:
                from PySide6.QtGui import QFont
                f = QFont()
                f.setPointSizeF(8.5)
                f.setBold(True)
                return f
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return chat.title  # pinned chats sit under the "Pinned" header
        if role == Qt.ItemDataRole.ToolTipRole:
            return chat.title
        if role == ID_ROLE:
            return chat.id
        if role == ROW_ROLE:
            return chat
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()][1] is None:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class RowListModel(QAbstractListModel):
    """A list of dataclass-like rows with a ``display(row)`` function; used for models and collections."""

    def __init__(self, display: Any, key: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._display = display
        self._key = key
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, i: int) -> Any:
        return self._rows[i] if 0 <= i < len(self._rows) else None

    def find(self, key: Any) -> int:
        for i, r in enumerate(self._rows):
            if self._key(r) == key:
                return i
        return -1

    def update_row(self, key: Any, row: Any) -> None:
        i = self.find(key)
        if i < 0:
            return
        self._rows[i] = row
        idx = self.index(i)
        self.dataChanged.emit(idx, idx)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._display(row)  # the tooltip shows a row cut short by a narrow list in full
        if role == ID_ROLE:
            return self._key(row)
        if role == ROW_ROLE:
            return row
        return None


def no_sideways_scroll(view: Any) -> None:
    """A list whose long rows end in "…" (full text in the tooltip) instead of scrolling sideways."""
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setWordWrap(False)
