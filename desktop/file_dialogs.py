"""File dialogs that start where people keep their files (the home folder, not wherever the app
happened to be launched from) and offer a sensible file name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QWidget

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def home_dir() -> str:
    return str(Path.home())


def suggested_name(title: str, suffix: str = ".md", fallback: str = "Hearth chat") -> str:
    """A file name from a chat title: no path separators or characters Windows refuses, not too long."""
    name = _UNSAFE.sub(" ", title or "").strip(" .")
    name = re.sub(r"\s+", " ", name)[:80].rstrip(" .") or fallback
    return name + suffix


def save_dialog(parent: QWidget, caption: str, file_name: str, filters: str, default_suffix: str,
                on_chosen: Callable[[str], None]) -> QFileDialog:
    """A non-blocking Save dialog in the home folder with ``file_name`` filled in."""
    dlg = QFileDialog(parent, caption, home_dir(), filters)
    dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dlg.setDefaultSuffix(default_suffix)
    dlg.selectFile(str(Path(home_dir()) / file_name))
    dlg.fileSelected.connect(on_chosen)
    dlg.open()
    return dlg


def open_dialog(parent: QWidget, caption: str, filters: str, on_chosen: Callable[[str], None]) -> QFileDialog:
    """A non-blocking Open dialog for one existing file, starting in the home folder."""
    dlg = QFileDialog(parent, caption, home_dir(), filters)
    dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
    dlg.fileSelected.connect(on_chosen)
    dlg.open()
    return dlg
