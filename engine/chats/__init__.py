"""Conversations: a SQLite store with versioned schema, search and export.

``from engine.chats import ChatStore`` is the public entry point.
"""

from engine.chats.health import diagnose
from engine.chats.store import DEFAULT_TITLE, Chat, ChatSearchHit, ChatStore, Message

__all__ = ["ChatStore", "Chat", "Message", "ChatSearchHit", "DEFAULT_TITLE", "diagnose"]
