"""The chats database schema, as an ordered list of migrations.

``PRAGMA user_version`` records how many migrations a file has had. Opening a file runs the
missing ones in order, each in its own transaction, so an old file is upgraded step by step
and a crash mid-upgrade leaves it at the previous version. Never edit a shipped migration;
append a new one.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

Migration = Callable[[sqlite3.Connection], None]


def _v1_base(conn: sqlite3.Connection) -> None:
    # The first shipped layout: conversations and their messages, nothing else.
    conn.execute("""
        CREATE TABLE conversations (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids never reused: the UI and exports refer to them
            title    TEXT NOT NULL,
            created  REAL NOT NULL,
            updated  REAL NOT NULL,
            pinned   INTEGER NOT NULL DEFAULT 0,
            model    TEXT
        )""")
    conn.execute("""
        CREATE TABLE messages (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids never reused: the UI and exports refer to them
            chat_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role     TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content  TEXT NOT NULL,
            created  REAL NOT NULL
        )""")
    conn.execute("CREATE INDEX messages_chat ON messages(chat_id, id)")


def _v2_routing(conn: sqlite3.Connection) -> None:
    # Privacy routing and generation stats per message; taint per conversation.
    conn.execute("ALTER TABLE conversations ADD COLUMN tainted INTEGER NOT NULL DEFAULT 0")
    for ddl in (
        "route TEXT NOT NULL DEFAULT 'local'",
        "provider TEXT",
        "outbound_text TEXT",
        "citations TEXT NOT NULL DEFAULT '[]'",
        "tokens INTEGER NOT NULL DEFAULT 0",
        "tokens_per_s REAL NOT NULL DEFAULT 0",
        "status TEXT NOT NULL DEFAULT 'complete'",  # complete | cancelled | failed
    ):
        conn.execute(f"ALTER TABLE messages ADD COLUMN {ddl}")
    conn.execute("CREATE INDEX conversations_order ON conversations(pinned DESC, updated DESC)")


def fts5_available(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp._fts5_probe USING fts5(x)")
        conn.execute("DROP TABLE temp._fts5_probe")
        return True
    except sqlite3.OperationalError:
        return False


def _v3_fulltext(conn: sqlite3.Connection) -> None:
    # Full-text index over message text, kept in step by triggers. Without FTS5 in this SQLite
    # build, search falls back to LIKE (see ChatStore.search), so this step is then a no-op.
    if not fts5_available(conn):
        return
    conn.execute("""
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""")
    conn.execute("""
        CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""")
    conn.execute("""
        CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        END""")
    conn.execute("""
        CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""")
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")  # index rows from v1/v2


def _v4_cloud_thread(conn: sqlite3.Connection) -> None:
    # What the cloud saw: on a user message the exact text sent (after redaction), on an assistant
    # message the reply as the provider wrote it (placeholders not restored). NULL = never sent,
    # so the turn is not part of the cloud's thread. Per chat, the placeholder mapping so far
    # (it holds the originals, so it never leaves this machine).
    conn.execute("ALTER TABLE messages ADD COLUMN sent_text TEXT")
    # Why an answer was produced where it was (the router's reasons in words, JSON list): the Local
    # and Cloud badges show it.
    conn.execute("ALTER TABLE messages ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]'")
    conn.execute("ALTER TABLE conversations ADD COLUMN placeholders TEXT")


MIGRATIONS: list[Migration] = [_v1_base, _v2_routing, _v3_fulltext, _v4_cloud_thread]
LATEST_VERSION = len(MIGRATIONS)
