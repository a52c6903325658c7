"""A non-modal confirmation for destructive actions (delete a chat, a model, a collection)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_destructive(parent: QWidget, title: str, text: str, action: str,
                        on_confirm: Callable[[], None]) -> QMessageBox:
    """Open a question box with Cancel and a destructive ``action`` button; never blocks.

    ``on_confirm`` runs only when the action button is clicked. The returned box exposes that
    button as ``action_button`` (tests click it); keep a reference so the box is not collected.
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    button = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.buttonClicked.connect(lambda clicked: clicked == button and on_confirm())
    box.action_button = button
    box.open()
    return box
