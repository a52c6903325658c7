"""Conversation-list actions of the main window: rename, pin, delete, export, search.

A mixin of :class:`desktop.main_window.MainWindow` (kept apart so each module stays small): it
uses the window's ``services``, ``sidebar``, ``chat`` and status bar.
"""

from __future__ import annotations

from typing import Any

from desktop.confirm import confirm_destructive


class ChatListActions:
    services: Any
    sidebar: Any
    chat: Any
    current_chat: int | None
    _busy: bool
    def rename_chat(self, chat_id: int, title: str) -> None:
        self.services.with_store(lambda s: s.rename(chat_id, title), lambda _c: self.refresh_chats(), self._error)

    def pin_chat(self, chat_id: int, pinned: bool) -> None:
        self.services.with_store(lambda s: s.pin(chat_id, pinned), lambda _c: self.refresh_chats(), self._error)

    def confirm_delete(self, chat_id: int) -> None:
        chat = self.sidebar.model.chat(chat_id)
        self._delete_box = confirm_destructive(
            self, "Delete conversation",
            f"Delete “{chat.title if chat else chat_id}” and all its messages? This cannot be undone.",
            "Delete", lambda: self.delete_chat(chat_id))

    def delete_chat(self, chat_id: int) -> None:
        if self._busy and chat_id == self.current_chat:
            self.stop()
        if chat_id == self.current_chat:
            self.current_chat = None
            self.chat.clear()
        self.services.with_store(lambda s: s.delete(chat_id), lambda _r: self.refresh_chats(), self._error)

    def export_chat(self, chat_id: int, path: str | None = None) -> None:
        """Save a conversation as Markdown (.md) or JSON (.json); asks for a file when no path is given."""
        if path is None:
            from desktop.file_dialogs import save_dialog, suggested_name
            chat = self.sidebar.model.chat(chat_id)
            self._export_dialog = save_dialog(self, "Export conversation", suggested_name(chat.title if chat else ""),
                                              "Markdown (*.md);;JSON (*.json)", "md",
                                              lambda p: self.export_chat(chat_id, p))
            return

        def job(s: Any) -> str:
            (s.export_json if path.lower().endswith(".json") else s.export_markdown)(chat_id, path)
            return path

        self.services.with_store(job, lambda p: self.statusBar().showMessage(f"Saved {p}", 6000), self._error)

    def search_chats(self, text: str) -> None:
        if not text.strip():
            self.sidebar.model.set_filter("")
            return

        def done(hits: list[Any]) -> None:
            if self.sidebar.search.text() == text:
                self.sidebar.model.set_filter(text, {h.chat_id for h in hits})

        self.services.with_store(lambda s: s.search(text), done, lambda _e: self.sidebar.model.set_filter(text))
