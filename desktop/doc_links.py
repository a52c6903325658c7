"""What ties the chat window to the document index, kept out of main_window.py:

* **"Answer from" per chat.** The collection picked in a chat is remembered for that chat (in
  ``<data>/answer_from.json``) and picked again when the chat is opened; a new chat keeps the
  current choice.
* **Collections made elsewhere appear.** ``hearth docs add`` in a terminal changes the index
  manifest: the picker refreshes when the app comes back to the foreground and when the
  manifest's files change (a cheap ``stat`` every few seconds), without opening Documents.
* **Citations open in place.** A click on a source shows the passage (``passage_view``).

Index reads and the small file write run on their own worker, never on the UI thread and never
behind an indexing job (the docs runner is the index writer and may be busy for minutes).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Qt, Signal
from PySide6.QtWidgets import QApplication

from desktop.tasks import Runner

log = logging.getLogger(__name__)

POLL_MS = 3000


class DocumentLinks(QObject):
    answer_from_restored = Signal(object)   # the collection (or None) picked for an opened chat
    collections_refreshed = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.services = window.services
        self.reader = Runner("docs-read", self, background=True)
        self.choices: dict[str, str | None] = {}
        self._pending: tuple[int, str | None] | None = None
        self._restoring = False
        self._stamp: tuple[float, ...] | None = None
        self.passage_view: Any = None
        from engine.paths import get_paths

        paths = get_paths()
        self.choices_file = paths.data_dir / "answer_from.json"
        self.manifest = paths.index_dir / "manifest.sqlite3"
        self.reader.submit(lambda _j: self._read_choices(), on_done=self._choices_read)

        combo = window.composer.collection
        combo.currentIndexChanged.connect(self._picked)
        combo.model().rowsInserted.connect(lambda *_: QTimer.singleShot(0, self._apply_pending))
        window.messages_loaded.connect(self._chat_opened)
        window.turn_finished.connect(self._remember_current)
        window.chat.citation_requested.connect(self.show_citations)
        app = QApplication.instance()
        if app is not None:
            app.applicationStateChanged.connect(self._app_state)
        window.installEventFilter(self)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._check_manifest)
        self._poll.start()

    # -- "Answer from" per chat ------------------------------------------------------------
    def _read_choices(self) -> dict[str, str | None]:
        try:
            data = json.loads(self.choices_file.read_text(encoding="utf-8"))
            return {str(k): v for k, v in data.items() if v is None or isinstance(v, str)}
        except (OSError, ValueError, AttributeError):
            return {}

    def _choices_read(self, data: dict[str, str | None]) -> None:
        self.choices = {**data, **self.choices}

    def _save(self) -> None:
        data = json.dumps(self.choices, ensure_ascii=False, indent=0)

        def job(_j: Any) -> None:
            from engine.fsutil import atomic_write_text

            atomic_write_text(self.choices_file, data)

        self.reader.submit(job, on_error=lambda e: log.warning("answer-from not saved: %s", e))

    def remember(self, chat_id: int | None, collection: str | None) -> None:
        if chat_id is None or self.choices.get(str(chat_id), "\0") == collection:
            return
        self.choices[str(chat_id)] = collection
        self._save()

    def choice_for(self, chat_id: int) -> str | None:
        return self.choices.get(str(chat_id))

    def _picked(self, _i: int) -> None:
        if not self._restoring:
            self._pending = None  # the person chose: an older restore must not override it
            self.remember(self.window.current_chat, self.window.composer.selected_collection())

    def _remember_current(self) -> None:
        self.remember(self.window.current_chat, self.window.composer.selected_collection())

    def _chat_opened(self) -> None:
        chat_id = self.window.current_chat
        if chat_id is None:
            return
        self._pending = (chat_id, self.choice_for(chat_id))
        self._apply_pending()

    def _apply_pending(self) -> None:
        if self._pending is None or self._pending[0] != self.window.current_chat:
            return
        wanted = self._pending[1]
        combo = self.window.composer.collection
        i = combo.findData(wanted) if wanted is not None else 0
        if i < 0:
            return  # not listed yet: applied when the list is refilled
        self._restoring = True
        try:
            combo.setCurrentIndex(i)
        finally:
            self._restoring = False
        self._pending = None
        self.answer_from_restored.emit(wanted)

    # -- collections made outside the app --------------------------------------------------
    def refresh(self) -> None:
        def job(_j: Any) -> list[str]:
            docs = self.services.documents()
            return [c.name for c in docs.collections()] if docs is not None else []

        def done(names: list[str]) -> None:
            self.window.composer.set_collections(names)
            self._apply_pending()
            self.collections_refreshed.emit()

        self.reader.submit(job, on_done=done, on_error=lambda e: log.warning("collections: %s", e))

    def _app_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.refresh()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.WindowActivate:
            self.refresh()
        elif obj is self.window and event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def _manifest_stamp(self) -> tuple[float, ...]:
        out = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.manifest}{suffix}")
                out += [st.st_mtime, st.st_size]
            except OSError:
                out += [0.0, 0.0]
        return tuple(out)

    def _check_manifest(self) -> None:
        stamp = self._manifest_stamp()
        if self._stamp is not None and stamp != self._stamp:
            self.refresh()
        self._stamp = stamp

    # -- citations -------------------------------------------------------------------------
    def show_citations(self, citations: list[Any]) -> Any:
        from desktop.passage_view import PassageView

        if self.passage_view is None:
            self.passage_view = PassageView(self._lookup, self.window)
        self.passage_view.show_citations(citations)
        self.passage_view.show()
        self.passage_view.raise_()
        return self.passage_view

    def _lookup(self, citations: list[Any], on_done: Any) -> None:
        def job(_j: Any) -> list[Any]:
            docs = self.services.documents()
            if docs is None:
                return [None] * len(citations)
            return [docs.passage(c.path, c.start, c.end) if c.start is not None and c.end is not None
                    and c.end > c.start else None for c in citations]

        self.reader.submit(job, on_done=on_done,
                           on_error=lambda e: (log.warning("passage: %s", e), on_done([None] * len(citations))))

    def stop(self) -> None:
        if self._poll.isActive():
            self._poll.stop()
            self.reader.stop()
