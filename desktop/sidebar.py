"""The left column: new chat, search, conversations grouped by date, and window buttons."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QTimer, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QLineEdit, QListView, QMenu,
                               QPushButton, QVBoxLayout, QWidget)

from desktop.item_models import ID_ROLE, ConversationListModel, no_sideways_scroll
from desktop.menus import hint


class Sidebar(QFrame):
    new_chat = Signal()
    chat_selected = Signal(int)
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    pin_requested = Signal(int, bool)
    search_changed = Signal(str)
    export_requested = Signal(int)
    open_documents = Signal()
    open_models = Signal()
    open_settings = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setMinimumWidth(220)
        self.setMaximumWidth(360)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 10, 8, 8)
        self.new_btn = QPushButton("+  New chat")
        self.new_btn.setToolTip("New chat" + hint("new_chat"))
        self.new_btn.clicked.connect(self.new_chat)
        lay.addWidget(self.new_btn)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search chats" + hint("focus_search"))
        self.search.setToolTip("Search titles and messages" + hint("focus_search"))
        self.search.setClearButtonEnabled(True)
        lay.addWidget(self.search)
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(lambda: self.search_changed.emit(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.model = ConversationListModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Long titles end in "…" (the full title is the tooltip): never a sideways scroll bar.
        no_sideways_scroll(self.list)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.clicked.connect(self._clicked)
        self.list.activated.connect(self._clicked)
        lay.addWidget(self.list, 1)
        bottom = QHBoxLayout()
        for text, sig, tip in (("Documents", self.open_documents, "Collections of your files" + hint("open_documents")),
                               ("Models", self.open_models, "Download, import and pick models" + hint("open_models")),
                               ("Settings", self.open_settings, "Settings" + hint("open_settings"))):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(sig)
            bottom.addWidget(b)
        lay.addLayout(bottom)

    def _clicked(self, index: QModelIndex) -> None:
        chat_id = index.data(ID_ROLE)
        if chat_id is not None:
            self.chat_selected.emit(int(chat_id))

    def select(self, chat_id: int | None) -> None:
        row = self.model.row_of(chat_id) if chat_id is not None else -1
        if row < 0:
            self.list.clearSelection()
            return
        self.list.setCurrentIndex(self.model.index(row))

    def _menu(self, pos) -> None:
        index = self.list.indexAt(pos)
        chat_id = index.data(ID_ROLE)
        if chat_id is None:
            return
        chat = self.model.chat(int(chat_id))
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.start_rename(int(chat_id)))
        pinned = bool(chat and chat.pinned)
        menu.addAction("Unpin" if pinned else "Pin", lambda: self.pin_requested.emit(int(chat_id), not pinned))
        menu.addAction("Export…", lambda: self.export_requested.emit(int(chat_id)))
        menu.addSeparator()
        menu.addAction("Delete…", lambda: self.delete_requested.emit(int(chat_id)))
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def start_rename(self, chat_id: int) -> None:
        """Inline rename: a line edit over the row; Enter saves, Esc cancels."""
        row = self.model.row_of(chat_id)
        chat = self.model.chat(chat_id)
        if row < 0 or chat is None:
            return
        rect = self.list.visualRect(self.model.index(row))
        editor = QLineEdit(chat.title, self.list.viewport())
        editor.setGeometry(rect)
        editor.selectAll()
        editor.show()
        editor.setFocus()

        done = [False]

        def commit() -> None:  # editingFinished fires on Enter and again on focus loss
            if done[0]:
                return
            done[0] = True
            title = editor.text().strip()
            editor.deleteLater()
            if title and title != chat.title:
                self.rename_requested.emit(chat_id, title)

        editor.editingFinished.connect(commit)
        self._rename_editor = editor
