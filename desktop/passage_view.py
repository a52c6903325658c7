"""The cited passage, shown in the app: file, page and heading, the passage with the cited part
highlighted, and "Open file" as a second step (at the cited page where the viewer takes one).

Clicking a source in an answer opens this window; it never launches anything by itself. One
source can stand for several passages of the same section: they are shown one after another.
The passage text is read from the index on a worker (``DocumentService.passage``); when the file
is no longer indexed, the snippet saved with the answer is shown instead.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QProcess, QUrl, Qt, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout,
                               QWidget)

HIGHLIGHT = "#ffe08a"

# PDF viewers that take a page on the command line (physical page, 1-based), tried in order.
PAGE_VIEWERS: tuple[tuple[str, Callable[[str, int], list[str]]], ...] = (
    ("evince", lambda path, page: [f"--page-index={page}", path]),
    ("okular", lambda path, page: ["-p", str(page), path]),
    ("zathura", lambda path, page: ["-P", str(page), path]),
    ("qpdfview", lambda path, page: [f"{path}#{page}"]),
    ("xreader", lambda path, page: [f"--page-index={page}", path]),
    ("atril", lambda path, page: [f"--page-index={page}", path]),
    ("mupdf", lambda path, page: [path, str(page)]),
)


def _open_url(url: QUrl) -> bool:
    return QDesktopServices.openUrl(url)


def _start(program: str, args: list[str]) -> bool:
    ok, _pid = QProcess.startDetached(program, args)
    return bool(ok)


def open_file(path: str, page: int | None) -> str | None:
    """Open ``path`` (at ``page`` for a PDF when a known viewer is installed). Returns None when
    something was launched, else a sentence for the person."""
    if not Path(path).exists():
        return f"The file is no longer at {path}."
    if page and path.lower().endswith(".pdf"):
        for name, argv in PAGE_VIEWERS:
            exe = shutil.which(name)
            if exe and _start(exe, argv(path, page)):
                return None
    url = QUrl.fromLocalFile(path)
    if page and path.lower().endswith(".pdf"):
        url.setFragment(f"page={page}")  # honoured by browsers and some viewers
    if _open_url(url):
        return None
    return ("No program to open this file was found on this computer, so Hearth cannot open it. "
            f"The file is at {path}" + (f" (page {page})." if page else "."))


def passage_html(text: str, highlight: tuple[int, int]) -> str:
    """Plain text as HTML with the cited span marked; line breaks kept."""
    lo, hi = highlight
    lo, hi = max(0, min(lo, len(text))), max(0, min(hi, len(text)))

    def esc(s: str) -> str:
        return html.escape(s).replace("\n", "<br>")

    return (f"<div>{esc(text[:lo])}<span style='background-color:{HIGHLIGHT}; color:#000'>{esc(text[lo:hi])}</span>"
            f"{esc(text[hi:])}</div>")


def where(c: Any) -> str:
    parts = [Path(c.path).name]
    if getattr(c, "page", None):
        parts.append(f"page {c.page}")
    if getattr(c, "heading", ""):
        parts.append(c.heading)
    return " · ".join(parts)


class PassageView(QWidget):
    """A window showing one source: the passage(s) behind a citation button."""

    loaded = Signal()           # passages shown (tests wait on it)
    open_result = Signal(str)   # "" when a file was opened, else the message shown

    def __init__(self, lookup: Callable[[Any, Callable[[Any], None]], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Source — Hearth")
        self.resize(720, 520)
        self._lookup = lookup
        self.citations: list[Any] = []
        lay = QVBoxLayout(self)
        self.file_label = QLabel()
        self.file_label.setStyleSheet("font-weight: 600;")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where_label = QLabel()
        self.where_label.setObjectName("Muted")
        self.where_label.setWordWrap(True)
        lay.addWidget(self.file_label)
        lay.addWidget(self.where_label)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        lay.addWidget(self.text, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)
        lay.addWidget(self.message)
        row = QHBoxLayout()
        self.path_label = QLabel()
        self.path_label.setObjectName("Muted")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.path_label, 1)
        self.open_btn = QPushButton("Open file")
        self.open_btn.clicked.connect(self.open_file)
        row.addWidget(self.open_btn)
        lay.addLayout(row)

    def show_citations(self, citations: list[Any]) -> None:
        """Show the passages behind one source (several citations of one file and section)."""
        self.citations = list(citations)
        first = self.citations[0]
        self.file_label.setText(Path(first.path).name)
        pages = sorted({c.page for c in self.citations if getattr(c, "page", None)})
        where_parts = []
        if pages:
            where_parts.append(("page " if len(pages) == 1 else "pages ") + ", ".join(map(str, pages)))
        if first.heading:
            where_parts.append(first.heading)
        if len(self.citations) > 1:
            where_parts.append(f"{len(self.citations)} passages")
        self.where_label.setText(" · ".join(where_parts))
        self.path_label.setText(first.path)
        self.open_btn.setText(f"Open file at page {pages[0]}" if pages and first.path.lower().endswith(".pdf")
                              else "Open file")
        self.message.setVisible(False)
        self.text.setHtml("<i>Loading the passage…</i>")
        self._lookup(self.citations, self._show)

    def _show(self, passages: list[Any]) -> None:
        """``passages``: per citation, an engine Passage or None (file no longer indexed)."""
        parts = []
        for c, p in zip(self.citations, passages):
            if len(self.citations) > 1:
                parts.append(f"<p style='color:gray'>{html.escape(where(c))}</p>")
            if p is None:
                parts.append(passage_html(c.snippet or "", (0, len(c.snippet or ""))))
                parts.append("<p style='color:gray'><i>This file is no longer in the index: this is the part "
                             "saved with the answer.</i></p>")
            else:
                parts.append(passage_html(p.text, p.highlight))
        self.text.setHtml("<hr>".join(parts))
        self.loaded.emit()

    def highlighted_text(self) -> str:
        """The highlighted parts, as plain text (tests and accessibility)."""
        html_src = self.text.toHtml()
        out = []
        marker = "background-color:" + HIGHLIGHT
        for piece in html_src.split("<span")[1:]:
            if marker in piece.replace(" ", ""):
                out.append(html.unescape(piece.split(">", 1)[1].split("</span>", 1)[0]))
        return " ".join(" ".join(t.replace("<br />", " ").split()) for t in out)

    def open_file(self) -> None:
        first = self.citations[0]
        problem = open_file(first.path, first.page if first.path.lower().endswith(".pdf") else None)
        self.message.setText(problem or "")
        self.message.setVisible(bool(problem))
        self.open_result.emit(problem or "")
