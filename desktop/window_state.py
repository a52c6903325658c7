"""What the app remembers between runs about its windows: where each one was, and the open chat.

One small JSON file in the state dir (``ui-state.json``), written atomically when a window hides
or the app closes. Every restored or default geometry is clamped to the screen it lands on, so a
window never opens partly off-screen (a monitor unplugged, a smaller laptop screen, a first
window bigger than the screen).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

FILE_NAME = "ui-state.json"


def state_path() -> Path:
    from engine.paths import get_paths
    return get_paths().data_dir / FILE_NAME


def load_state() -> dict[str, Any]:
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # missing or damaged: start with defaults, never fail the app over it


def update_state(**changes: Any) -> None:
    from engine.fsutil import atomic_write_text
    data = load_state()
    data.update(changes)
    try:
        path = state_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data, indent=1))
    except Exception as exc:  # noqa: BLE001 - a full disk must not stop the app from closing
        log.warning("could not save the window state: %s", exc)


def available_rect(rect: QRect) -> QRect:
    """The usable area of the screen that holds most of ``rect`` (else the primary screen)."""
    screen = QGuiApplication.screenAt(rect.center()) or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 768)


def clamp(rect: QRect, area: QRect) -> QRect:
    """``rect`` moved (and shrunk if need be) to lie inside ``area``."""
    w, h = min(rect.width(), area.width()), min(rect.height(), area.height())
    x = min(max(rect.x(), area.left()), area.left() + area.width() - w)
    y = min(max(rect.y(), area.top()), area.top() + area.height() - h)
    return QRect(x, y, w, h)


def keep_on_screen(widget: QWidget) -> None:
    """Move (and shrink) ``widget`` so that its frame — title bar and borders included, once the
    window system has added them — lies on one screen."""
    inner, frame = widget.geometry(), widget.frameGeometry()
    left, top = inner.x() - frame.x(), inner.y() - frame.y()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    fixed = clamp(frame, available_rect(frame))
    if fixed != frame:
        widget.setGeometry(QRect(fixed.x() + left, fixed.y() + top,
                                 fixed.width() - extra_w, fixed.height() - extra_h))


def restore_geometry(widget: QWidget, key: str, parent: QWidget | None = None) -> bool:
    """Put ``widget`` where it was last time (True), or centred on ``parent``; always on screen."""
    saved = load_state().get("geometry", {}).get(key)
    restored = False
    if isinstance(saved, list) and len(saved) == 4 and all(isinstance(v, int) for v in saved):
        x, y, w, h = saved
        if w > 100 and h > 80:
            widget.setGeometry(QRect(x, y, w, h))
            restored = True
    if not restored and parent is not None:
        rect = widget.geometry()
        rect.moveCenter(parent.geometry().center())
        widget.setGeometry(rect)
    keep_on_screen(widget)
    return restored


def save_geometry(widget: QWidget, key: str) -> None:
    if widget.isMaximized() or widget.isFullScreen():
        return  # keep the last normal size; a maximised window is re-maximised by the person
    g = widget.geometry()
    geometry = load_state().get("geometry", {})
    geometry = geometry if isinstance(geometry, dict) else {}
    geometry[key] = [g.x(), g.y(), g.width(), g.height()]
    update_state(geometry=geometry)


class _Remember(QObject):
    def __init__(self, widget: QWidget, key: str) -> None:
        super().__init__(widget)
        self.key = key

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not (isinstance(obj, QWidget) and obj.isWindow()):
            return False
        if event.type() in (QEvent.Type.Hide, QEvent.Type.Close):
            save_geometry(obj, self.key)
        elif event.type() == QEvent.Type.Show:
            # the frame is known only now: check again that all of the window is on screen
            QTimer.singleShot(0, obj, lambda: keep_on_screen(obj))
        return False


def track(widget: QWidget, key: str, parent: QWidget | None = None) -> None:
    """Restore ``widget``'s geometry now and save it whenever it is hidden or closed."""
    restore_geometry(widget, key, parent)
    widget.installEventFilter(_Remember(widget, key))
