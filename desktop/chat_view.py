"""The conversation pane: message bubbles with Markdown, code blocks, badges and actions.

A streaming answer is updated at most every ~40 ms (the main window batches tokens); each
update re-splits the text and touches only the segment widgets whose text changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, QUrl, Qt, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPlainTextEdit,
                               QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget)

from desktop.markdown import Segment, split_markdown
from desktop.privacy_note import badge_tooltip, because

# Lines longer than ~90 characters are hard to read: on a wide window the conversation column
# stops growing at this width and stays centred.
MAX_TEXT_WIDTH = 860


@dataclass
class MessageData:
    """What the view needs of one message (from ChatStore rows or a live turn)."""
    id: int | None
    role: str                      # "user" | "assistant"
    content: str
    route: str = "local"           # local | redacted | cloud
    provider: str | None = None
    outbound_text: str | None = None
    redactions: list[str] | None = field(default_factory=list)   # None = not known (older answers)
    citations: list[Any] = field(default_factory=list)   # engine.events.Citation
    tokens: int = 0
    tokens_per_s: float = 0.0
    status: str = "complete"       # complete | cancelled | failed | streaming
    reasons: list[str] = field(default_factory=list)   # why it was answered where it was, in words
    sent: bool = False             # a question the cloud saw (sent_text recorded); False = private turn

    @classmethod
    def from_engine(cls, m: Any) -> "MessageData":
        cites = getattr(m, "citations", None) or []
        return cls(id=getattr(m, "id", None), role=getattr(m, "role", "assistant"),
                   content=getattr(m, "content", "") or "", route=getattr(m, "route", "local") or "local",
                   provider=getattr(m, "provider", None), outbound_text=getattr(m, "outbound_text", None),
                   redactions=(list(m.redactions) if getattr(m, "redactions", None) is not None else None),
                   citations=list(cites),
                   tokens=int(getattr(m, "tokens", 0) or 0),
                   tokens_per_s=float(getattr(m, "tokens_per_s", 0.0) or 0.0),
                   status=getattr(m, "status", "complete") or "complete",
                   reasons=list(getattr(m, "reasons", None) or []),
                   sent=getattr(m, "sent_text", None) is not None)


def _mono_font():
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class CodeBlock(QFrame):
    """A fenced code block: language label, Copy button, horizontally scrollable text."""

    def __init__(self, seg: Segment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CodeBlock")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 6)
        head = QHBoxLayout()
        self.lang = QLabel(seg.lang or "code")
        self.lang.setObjectName("Muted")
        self.copy_btn = QToolButton(text="Copy")
        self.copy_btn.setObjectName("Link")
        self.copy_btn.setToolTip("Copy this code")
        self.copy_btn.clicked.connect(self._copy)
        head.addWidget(self.lang)
        head.addStretch(1)
        head.addWidget(self.copy_btn)
        lay.addLayout(head)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(_mono_font())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        self.text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setStyleSheet("background: transparent;")
        lay.addWidget(self.text)
        self.set_segment(seg)

    def set_segment(self, seg: Segment) -> None:
        if self.text.toPlainText() != seg.text:
            self.text.setPlainText(seg.text)
            lines = seg.text.split("\n")
            fm = self.text.fontMetrics()
            # room for a horizontal scroll bar only when a line is likely to need one
            bar = self.text.horizontalScrollBar().sizeHint().height() if max(map(len, lines)) > 90 else 0
            self.text.setFixedHeight(len(lines) * fm.lineSpacing() + 10 + bar)
        self.lang.setText(seg.lang or "code")

    def code(self) -> str:
        return self.text.toPlainText()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code())
        self.copy_btn.setText("Copied")
        QTimer.singleShot(1200, self.copy_btn, lambda: self.copy_btn.setText("Copy"))


class Prose(QLabel):
    def __init__(self, seg: Segment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.MarkdownText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setOpenExternalLinks(False)
        self.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._src = ""
        self.set_segment(seg)

    def set_segment(self, seg: Segment) -> None:
        if seg.text != self._src:
            self._src = seg.text
            self.setText(seg.text)

    def source(self) -> str:
        return self._src


def citation_label(numbers: list[int], c: Any) -> str:
    """"[1] guide.pdf, p. 5 — Setup"; passages of one section share a label: "[1, 3] … · 2 passages"."""
    name = Path(c.path).name
    where = f", p. {c.page}" if getattr(c, "page", None) else ""
    head = f" — {c.heading}" if getattr(c, "heading", "") else ""
    more = f" · {len(numbers)} passages" if len(numbers) > 1 else ""
    return f"[{', '.join(map(str, numbers))}] {name}{where}{head}{more}"


def group_citations(citations: list[Any]) -> list[tuple[list[int], list[Any]]]:
    """Citations of the same file, page and section become one source (numbers kept)."""
    groups: dict[tuple, tuple[list[int], list[Any]]] = {}
    for i, c in enumerate(citations, 1):
        key = (c.path, getattr(c, "page", None), getattr(c, "heading", ""))
        nums, items = groups.setdefault(key, ([], []))
        nums.append(i)
        items.append(c)
    return list(groups.values())


class MessageWidget(QFrame):
    """One message bubble."""

    edit_requested = Signal(object)          # MessageData
    regenerate_requested = Signal()
    outbound_requested = Signal(object)      # MessageData
    citation_clicked = Signal(object)        # list[Citation]: one source (passages of one section)

    def __init__(self, msg: MessageData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.msg = msg
        self.setObjectName(f"Bubble_{msg.role}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(4)
        head = QHBoxLayout()
        self.who = QLabel("You" if msg.role == "user" else "Hearth")
        self.who.setStyleSheet("font-weight: 600;")
        head.addWidget(self.who)
        self.badge = QLabel()
        self.outbound_btn = QToolButton(text="What was sent")
        self.outbound_btn.setObjectName("Link")
        self.outbound_btn.setToolTip("Show the exact text that left this computer for this answer")
        self.outbound_btn.clicked.connect(lambda: self.outbound_requested.emit(self.msg))
        head.addWidget(self.badge)
        head.addWidget(self.outbound_btn)
        head.addStretch(1)
        self.stats = QLabel()
        self.stats.setObjectName("Muted")
        head.addWidget(self.stats)
        outer.addLayout(head)
        # Why a local answer stayed here, in words, where the person reads (the badge's tooltip
        # says the same); shown while cloud help is on.
        self.why = QLabel()
        self.why.setObjectName("Why")
        self.why.setWordWrap(True)
        self.why.setVisible(False)
        outer.addWidget(self.why)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        outer.addLayout(self.body)
        self.cites = QVBoxLayout()
        self.cites.setSpacing(0)
        outer.addLayout(self.cites)
        actions = QHBoxLayout()
        actions.addStretch(1)
        self.copy_btn = QToolButton(text="Copy")
        self.copy_btn.setObjectName("Link")
        self.copy_btn.setToolTip("Copy this message")
        self.copy_btn.clicked.connect(self._copy)
        self.edit_btn = QToolButton(text="Edit")
        self.edit_btn.setObjectName("Link")
        self.edit_btn.setToolTip("Change this question and ask again (what came after it is replaced; Esc cancels)")
        self.edit_btn.clicked.connect(lambda: self.edit_requested.emit(self.msg))
        self.regen_btn = QToolButton(text="Regenerate")
        self.regen_btn.setObjectName("Link")
        self.regen_btn.setToolTip("Write this answer again")
        self.regen_btn.clicked.connect(self.regenerate_requested.emit)
        for b in (self.edit_btn, self.regen_btn, self.copy_btn):
            actions.addWidget(b)
        outer.addLayout(actions)
        self._segments: list[QWidget] = []
        self._regen_allowed = False
        self._show_why = False
        self.refresh()

    # -- updates --------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self.msg.content = text
        self._render_body()

    def refresh(self) -> None:
        self._render_body()
        self._render_meta()

    def _render_body(self) -> None:
        segs = split_markdown(self.msg.content) or [Segment("prose", "")]
        for i, seg in enumerate(segs):
            w = self._segments[i] if i < len(self._segments) else None
            kind = CodeBlock if seg.kind == "code" else Prose
            if w is not None and isinstance(w, kind):
                w.set_segment(seg)
                continue
            new = kind(seg)
            if w is not None:
                self.body.replaceWidget(w, new)
                w.deleteLater()
                self._segments[i] = new
            else:
                self.body.addWidget(new)
                self._segments.append(new)
        for w in self._segments[len(segs):]:
            self.body.removeWidget(w)
            w.deleteLater()
        del self._segments[len(segs):]

    def _render_meta(self) -> None:
        m = self.msg
        is_bot = m.role == "assistant"
        why = getattr(m, "reasons", None) or []
        if is_bot and m.route in ("cloud", "redacted"):
            self.badge.setText(f"Cloud ({m.provider or 'cloud'})")
            self.badge.setObjectName("Badge_cloud")
            self.badge.setToolTip(badge_tooltip(False, why))
        elif is_bot and m.provider:  # kept off the cloud, but written by the team server the user trusts
            self.badge.setText("Team server")
            self.badge.setObjectName("Badge_local")
            self.badge.setToolTip(badge_tooltip(True, why, where=m.provider))
        else:
            self.badge.setText("Local")
            self.badge.setObjectName("Badge_local")
            self.badge.setToolTip(badge_tooltip(True, why))
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        self.badge.setVisible(is_bot)
        self._render_why()
        self.outbound_btn.setVisible(is_bot and m.route in ("cloud", "redacted") and bool(m.outbound_text))
        parts = []
        if is_bot and m.tokens:
            parts.append(f"{m.tokens} tokens")
            if m.tokens_per_s:
                parts.append(f"{m.tokens_per_s:.0f} tok/s")
        if m.status == "cancelled":
            parts.append("stopped")
        elif m.status == "failed":
            parts.append("failed")
        elif m.status == "streaming":
            parts.append("writing…")
        elif m.status == "interrupted":  # Hearth stopped (crash, kill) while this answer streamed
            parts.append("interrupted")
        self.stats.setText(" · ".join(parts))
        self.edit_btn.setVisible(m.role == "user" and m.id is not None)
        self.regen_btn.setVisible(self._regen_allowed and m.role == "assistant")  # last answer only
        while self.cites.count():
            item = self.cites.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        if m.citations:
            title = QLabel("Sources")
            title.setObjectName("Muted")
            self.cites.addWidget(title)
            for numbers, items in group_citations(m.citations):
                c = items[0]
                b = QToolButton(text=citation_label(numbers, c))
                b.setObjectName("Link")
                b.setToolTip(f"{c.path}\n\n{(c.snippet or '')[:300]}\n\nClick to see the passage.")
                b.clicked.connect(lambda _=False, items=items: self.citation_clicked.emit(items))
                self.cites.addWidget(b)

    def _render_why(self) -> None:
        m = self.msg
        local = m.role == "assistant" and m.route not in ("cloud", "redacted")
        words = because(m.reasons) if local else ""
        self.why.setText(f"Stayed on this computer {words}" if words.startswith("because") else
                         f"Stayed on this computer. {words}" if words else "")
        self.why.setVisible(self._show_why and bool(words))

    def set_show_why(self, show: bool) -> None:
        self._show_why = show
        self._render_why()

    def set_regenerate_visible(self, visible: bool) -> None:
        self._regen_allowed = visible
        self.regen_btn.setVisible(visible and self.msg.role == "assistant")

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.msg.content)
        self.copy_btn.setText("Copied")
        QTimer.singleShot(1200, self.copy_btn, lambda: self.copy_btn.setText("Copy"))


class ChatView(QScrollArea):
    """Scrollable list of message bubbles; sticks to the bottom while the user is there."""

    edit_requested = Signal(object)
    regenerate_requested = Signal()
    outbound_requested = Signal(object)
    citation_requested = Signal(object)   # list[Citation]: show the passage(s)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatScroll")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._area = QWidget()
        self._area.setObjectName("ChatArea")
        centre = QHBoxLayout(self._area)
        centre.setContentsMargins(24, 16, 24, 16)
        self.column = QWidget()
        self.column.setObjectName("ChatColumn")
        self.column.setMaximumWidth(MAX_TEXT_WIDTH)
        centre.addStretch(1)
        centre.addWidget(self.column, 1000)   # takes all the room up to its maximum width
        centre.addStretch(1)
        self._lay = QVBoxLayout(self.column)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(10)
        self.empty = QLabel("Ask anything.\nAnswers are written on this computer; nothing leaves it "
                            "unless you turn on cloud help in Settings.")
        self.empty.setObjectName("Muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._lay.addWidget(self.empty)   # fills the pane (centred text) while there are no messages
        self._lay.addStretch(1)           # keeps messages at the top
        self.setWidget(self._area)
        self.widgets: list[MessageWidget] = []
        self._busy = False
        self._show_why = False
        self._stick = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range)

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick = value >= bar.maximum() - 24

    def _on_range(self, _min: int, maximum: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(maximum)

    def clear(self) -> None:
        for w in self.widgets:
            self._lay.removeWidget(w)
            w.deleteLater()
        self.widgets = []
        self.empty.setVisible(True)
        self._stick = True

    def set_messages(self, messages: list[MessageData]) -> None:
        self.clear()
        for m in messages:
            self.add_message(m)

    def add_message(self, msg: MessageData) -> MessageWidget:
        w = MessageWidget(msg)
        w.set_show_why(self._show_why)
        w.edit_requested.connect(self.edit_requested)
        w.regenerate_requested.connect(self.regenerate_requested)
        w.outbound_requested.connect(self.outbound_requested)
        w.citation_clicked.connect(self.citation_requested)
        self._lay.insertWidget(self._lay.count() - 1, w)
        self.widgets.append(w)
        self.empty.setVisible(False)
        self._stick = True
        self._update_regenerate()
        return w

    def remove_from(self, index: int) -> None:
        """Drop the widgets from ``index`` on (edit-and-resend replaces the tail)."""
        for w in self.widgets[index:]:
            self._lay.removeWidget(w)
            w.deleteLater()
        del self.widgets[index:]
        self.empty.setVisible(not self.widgets)
        self._update_regenerate()

    def last(self) -> MessageWidget | None:
        return self.widgets[-1] if self.widgets else None

    def _update_regenerate(self) -> None:
        for i, w in enumerate(self.widgets):
            w.set_regenerate_visible(not self._busy and i == len(self.widgets) - 1)

    def set_show_why(self, show: bool) -> None:
        """Say under each local answer why it stayed here (while cloud help is on)."""
        self._show_why = show
        for w in self.widgets:
            w.set_show_why(show)

    def set_busy(self, busy: bool) -> None:
        """Actions that start a turn are hidden while one runs."""
        self._busy = busy
        for i, w in enumerate(self.widgets):
            w.set_regenerate_visible(not busy and i == len(self.widgets) - 1)
            w.edit_btn.setVisible(not busy and w.msg.role == "user" and w.msg.id is not None)
