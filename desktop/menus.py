"""The menu bar, the keyboard shortcuts and the Help → Keyboard shortcuts sheet.

One table (:data:`SHORTCUTS`) drives the menus, the tooltips and the sheet, so what the sheet
says is what the keys do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget)


@dataclass(frozen=True)
class Shortcut:
    action: str            # method name on the main window
    text: str              # menu text
    keys: tuple[str, ...]  # portable key sequences; the first is shown in menus and tooltips
    menu: str              # "Chat", "Go", "Help", or "" (keys only, no menu entry)
    what: str              # the sheet's description


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("new_chat", "&New chat", ("Ctrl+N",), "Chat", "Start a new chat"),
    Shortcut("focus_search", "&Search chats", ("Ctrl+K",), "Chat", "Search your chats"),
    Shortcut("focus_input", "&Write a message", ("Ctrl+L",), "Chat", "Put the cursor in the message box"),
    Shortcut("export_current", "&Export chat…", ("Ctrl+Shift+S",), "Chat", "Save this chat as Markdown or JSON"),
    Shortcut("close", "&Quit", ("Ctrl+Q",), "Chat", "Quit Hearth"),
    Shortcut("open_documents", "&Documents", ("Ctrl+Shift+D",), "Go", "Open your document collections"),
    Shortcut("open_models", "&Models", ("Ctrl+Shift+M",), "Go", "Open the model manager"),
    Shortcut("open_settings", "S&ettings", ("Ctrl+,",), "Go", "Open the settings"),
    Shortcut("show_shortcuts", "&Keyboard shortcuts", ("Ctrl+/", "F1"), "Help", "Show this list"),
    Shortcut("stop", "Stop", ("Esc",), "", "Stop the answer being written; cancel editing"),
)
# Keys handled by the message box itself (shown on the sheet, registered nowhere else).
EDITOR_KEYS: tuple[tuple[str, str], ...] = (
    ("Return", "Send the message"),
    ("Ctrl+Return", "Send the message"),
    ("Shift+Return", "Start a new line in the message"),
)


def native(keys: str) -> str:
    """A key sequence as this platform writes it (⌘ on macOS)."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def hint(action: str) -> str:
    """" (Ctrl+N)" for tooltips; "" when the action has no shortcut."""
    for s in SHORTCUTS:
        if s.action == action:
            return f" ({native(s.keys[0])})"
    return ""


def install(window: Any) -> dict[str, QAction]:
    """Build the menu bar and shortcuts on ``window``; returns the actions by name."""
    actions: dict[str, QAction] = {}
    menus: dict[str, Any] = {}
    bar = window.menuBar()
    for s in SHORTCUTS:
        fn: Callable[[], Any] = getattr(window, s.action)
        if not s.menu:
            for keys in s.keys:
                sc = QShortcut(QKeySequence(keys), window)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(fn)
            continue
        menu = menus.get(s.menu) or menus.setdefault(s.menu, bar.addMenu(f"&{s.menu}"))
        act = QAction(s.text, window)
        act.setShortcuts([QKeySequence(k) for k in s.keys])
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setStatusTip(s.what)
        act.triggered.connect(lambda _checked=False, fn=fn: fn())
        if s.action == "close":
            act.setMenuRole(QAction.MenuRole.QuitRole)
        menu.addAction(act)
        window.addAction(act)  # the keys work even with the menu bar hidden (macOS global menu)
        actions[s.action] = act
    return actions


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: every key the app answers to, in two columns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(self)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        rows = [(", ".join(native(k) for k in s.keys), s.what) for s in SHORTCUTS]
        rows += [(native(k), what) for k, what in EDITOR_KEYS]
        self.rows = rows
        for i, (keys, what) in enumerate(rows):
            key_label = QLabel(keys)
            key_label.setObjectName("KeyCap")
            grid.addWidget(key_label, i, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(QLabel(what), i, 1)
        lay.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
