"""Non-modal error banners: the engine's message, its hint, and buttons that act on it."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

Action = tuple[str, Callable[[], None]]


class Banner(QFrame):
    def __init__(self, message: str, hint: str | None, actions: list[Action],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 6, 6)
        text = QVBoxLayout()
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("font-weight: 600;")
        text.addWidget(self.message)
        self.hint = QLabel(hint or "")
        self.hint.setWordWrap(True)
        self.hint.setVisible(bool(hint))
        text.addWidget(self.hint)
        lay.addLayout(text, 1)
        self.buttons: dict[str, QPushButton] = {}
        for label, fn in actions:
            b = QPushButton(label)
            b.clicked.connect(lambda _=False, fn=fn: (self.dismiss(), fn()))
            lay.addWidget(b)
            self.buttons[label] = b
        close = QToolButton(text="✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        lay.addWidget(close)

    def dismiss(self) -> None:
        self.hide()
        self.deleteLater()


class BannerArea(QWidget):
    """A stack of banners above the chat; a repeated message replaces the older copy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(12, 6, 12, 0)
        self._lay.setSpacing(4)
        self.setVisible(False)

    def show_error(self, message: str, hint: str | None = None, actions: list[Action] | None = None) -> Banner:
        for b in self.banners():
            if b.message.text() == message:
                b.dismiss()
        banner = Banner(message, hint, actions or [])
        banner.destroyed.connect(self._update_visible)
        self._lay.addWidget(banner)
        self.setVisible(True)
        return banner

    def banners(self) -> list[Banner]:
        return [w for w in self.findChildren(Banner) if w.isVisibleTo(self) or not w.isHidden()]

    def clear(self) -> None:
        for b in self.findChildren(Banner):
            b.dismiss()

    def _update_visible(self, *_: object) -> None:
        alive = [b for b in self.findChildren(Banner) if not b.isHidden()]
        self.setVisible(bool(alive))
