"""Conversations in one SQLite file: the single owner of the chats database.

Every write is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``): a full disk, a locked file or
a crash leaves the previous state, never half a turn. SQLite errors surface as
:class:`StorageError` with a message a person can act on; a missing conversation is
:class:`ChatNotFound`. The connection may be used from several threads one at a time (the app
hands the store between workers), so every call holds a lock.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal

from engine.errors import ChatNotFound, StorageError
from engine.events import Citation
from engine.chats.schema import LATEST_VERSION, MIGRATIONS

Role = Literal["system", "user", "assistant"]
Status = Literal["complete", "cancelled", "failed"]
DEFAULT_TITLE = "New chat"

_MESSAGE_FIELDS = ("content", "route", "provider", "outbound_text", "citations", "tokens",
                   "tokens_per_s", "status", "sent_text", "reasons")


@dataclass(frozen=True)
class Chat:
    id: int
    title: str
    created: float
    updated: float
    pinned: bool = False
    tainted: bool = False
    model: str | None = None
    message_count: int = 0
    placeholders: str | None = None   # JSON of the chat's placeholder mapping (engine.privacy.redact.Mapping)


@dataclass(frozen=True)
class Message:
    id: int
    chat_id: int
    role: Role
    content: str
    created: float
    route: str = "local"
    provider: str | None = None
    outbound_text: str | None = None
    citations: list[Citation] = field(default_factory=list)
    tokens: int = 0
    tokens_per_s: float = 0.0
    status: Status = "complete"
    sent_text: str | None = None   # what the cloud saw of this message (None: it never left)
    reasons: list[str] = field(default_factory=list)  # why it was answered where it was, in words

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class ChatSearchHit:
    chat_id: int
    title: str
    message_id: int | None  # None when the title matched
    snippet: str


def _citations_to_json(items: list[Citation] | None) -> str:
    return json.dumps([asdict(c) for c in items or []], ensure_ascii=False)


def _citations_from_json(text: str | None) -> list[Citation]:
    try:
        return [Citation(**d) for d in json.loads(text or "[]")]
    except (ValueError, TypeError):
        return []  # a damaged citations cell must not hide the message itself


def _storage_error(path: Path, exc: sqlite3.Error) -> StorageError:
    text = str(exc).lower()
    if "full" in text:
        return StorageError(f"The disk is full: could not save to the chats database {path}.",
                            "Free some space and try again; nothing was half-saved.")
    if "locked" in text or "busy" in text:
        return StorageError(f"The chats database {path} is locked by another program.",
                            "Close other Hearth windows or commands and try again; nothing was changed.")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StorageError(f"The chats database {path} is damaged ({exc}).",
                            f"Move {path.name} somewhere safe (Hearth will start a fresh history) "
                            "or restore it from a backup.")
    if "readonly" in text or "unable to open" in text:
        return StorageError(f"Cannot write the chats database {path}: {exc}.",
                            "Check that the folder exists and that you may write to it.")
    return StorageError(f"The chats database {path} failed: {exc}.", "Nothing was changed; try again.")


class ChatStore:
    """Conversations and their messages (see module doc)."""

    def __init__(self, path: Path | str | None = None, *, timeout_s: float = 5.0) -> None:
        if path is None:
            from engine.paths import get_paths

            path = get_paths().chats_db
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create the folder for the chats database {self.path.parent}: "
                               f"{exc.strerror}.", "Check the permissions of that folder.") from exc
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly
            # what the code says and nothing is committed implicitly.
            self._conn = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as exc:
            raise _storage_error(self.path, exc) from exc
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: no corruption on power loss
            self._migrate()
            self._fts = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'messages_fts'").fetchone() is not None
        except sqlite3.Error as exc:
            self._conn.close()
            raise _storage_error(self.path, exc) from exc
        except StorageError:
            self._conn.close()
            raise

    # -- plumbing ------------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST_VERSION:
            raise StorageError(
                f"The chats database {self.path} was written by a newer Hearth (schema {version}, "
                f"this version knows up to {LATEST_VERSION}).", "Update Hearth to open these chats.")
        for number in range(version + 1, LATEST_VERSION + 1):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[number - 1](self._conn)
                self._conn.execute(f"PRAGMA user_version = {number}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        with self._read() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; any failure rolls it back and becomes a StorageError."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _storage_error(self.path, exc) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _storage_error(self.path, exc) from exc
                raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise _storage_error(self.path, exc) from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "ChatStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- conversations ---------------------------------------------------------------------------

    _CHAT_SELECT = """
        SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id) AS message_count
        FROM conversations c"""

    @staticmethod
    def _chat(row: sqlite3.Row) -> Chat:
        return Chat(id=row["id"], title=row["title"], created=row["created"], updated=row["updated"],
                    pinned=bool(row["pinned"]), tainted=bool(row["tainted"]), model=row["model"],
                    message_count=row["message_count"], placeholders=row["placeholders"])

    def create(self, title: str = DEFAULT_TITLE, *, model: str | None = None) -> Chat:
        now = time.time()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO conversations (title, created, updated, model) VALUES (?, ?, ?, ?)",
                (title.strip() or DEFAULT_TITLE, now, now, model))
            chat_id = cur.lastrowid
        return self.get(chat_id)

    def get(self, chat_id: int) -> Chat:
        with self._read() as conn:
            row = conn.execute(self._CHAT_SELECT + " WHERE c.id = ?", (chat_id,)).fetchone()
        if row is None:
            raise ChatNotFound(f"There is no conversation with id {chat_id}.",
                               "See your conversations with: hearth chats list")
        return self._chat(row)

    def list(self, limit: int | None = None) -> list[Chat]:
        """Pinned first, then most recently active first."""
        sql = self._CHAT_SELECT + " ORDER BY c.pinned DESC, c.updated DESC, c.id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._read() as conn:
            return [self._chat(r) for r in conn.execute(sql, params)]

    def _update_chat(self, chat_id: int, sql: str, params: tuple[Any, ...], *, touch: bool = False) -> Chat:
        with self._write() as conn:
            cur = conn.execute(f"UPDATE conversations SET {sql}" + (", updated = ?" if touch else "")
                               + " WHERE id = ?", params + ((time.time(),) if touch else ()) + (chat_id,))
            if cur.rowcount == 0:
                raise ChatNotFound(f"There is no conversation with id {chat_id}.",
                                   "See your conversations with: hearth chats list")
        return self.get(chat_id)

    def rename(self, chat_id: int, title: str) -> Chat:
        title = " ".join(title.split())
        if not title:
            raise StorageError("A conversation title cannot be empty.", "Give it a few words.")
        return self._update_chat(chat_id, "title = ?", (title,))

    def pin(self, chat_id: int, pinned: bool = True) -> Chat:
        return self._update_chat(chat_id, "pinned = ?", (int(pinned),))

    def set_tainted(self, chat_id: int, tainted: bool = True) -> Chat:
        """A tainted conversation held private content: those turns never reach the cloud, and
        messages that follow up on them stay local (engine.privacy.conversation)."""
        return self._update_chat(chat_id, "tainted = ?", (int(tainted),))

    def set_placeholders(self, chat_id: int, mapping_json: str | None) -> Chat:
        """The chat's placeholder mapping, so later turns reuse the same placeholders."""
        return self._update_chat(chat_id, "placeholders = ?", (mapping_json,))

    def set_model(self, chat_id: int, model: str | None) -> Chat:
        return self._update_chat(chat_id, "model = ?", (model,))

    def delete(self, chat_id: int) -> None:
        with self._write() as conn:
            if conn.execute("DELETE FROM conversations WHERE id = ?", (chat_id,)).rowcount == 0:
                raise ChatNotFound(f"There is no conversation with id {chat_id}.",
                                   "See your conversations with: hearth chats list")

    # -- messages --------------------------------------------------------------------------------

    @staticmethod
    def _message(row: sqlite3.Row) -> Message:
        return Message(id=row["id"], chat_id=row["chat_id"], role=row["role"], content=row["content"],
                       created=row["created"], route=row["route"], provider=row["provider"],
                       outbound_text=row["outbound_text"], citations=_citations_from_json(row["citations"]),
                       tokens=row["tokens"], tokens_per_s=row["tokens_per_s"], status=row["status"],
                       sent_text=row["sent_text"], reasons=json.loads(row["reasons"] or "[]"))

    def add_message(self, chat_id: int, role: Role, content: str, *, route: str = "local",
                    provider: str | None = None, outbound_text: str | None = None,
                    citations: list[Citation] | None = None, tokens: int = 0,
                    tokens_per_s: float = 0.0, status: Status = "complete",
                    sent_text: str | None = None, reasons: list[str] | None = None) -> Message:
        if role not in ("system", "user", "assistant"):
            raise ValueError(f"unknown role {role!r}")
        now = time.time()
        with self._write() as conn:
            if conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, chat_id)).rowcount == 0:
                raise ChatNotFound(f"There is no conversation with id {chat_id}.",
                                   "See your conversations with: hearth chats list")
            cur = conn.execute(
                """INSERT INTO messages (chat_id, role, content, created, route, provider, outbound_text,
                                         citations, tokens, tokens_per_s, status, sent_text, reasons)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (chat_id, role, content, now, route, provider, outbound_text,
                 _citations_to_json(citations), tokens, tokens_per_s, status, sent_text,
                 json.dumps(list(reasons or []), ensure_ascii=False)))
            message_id = cur.lastrowid
        return self.get_message(message_id)

    def get_message(self, message_id: int) -> Message:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise ChatNotFound(f"There is no message with id {message_id}.")
        return self._message(row)

    def messages(self, chat_id: int) -> list[Message]:
        self.get(chat_id)  # ChatNotFound rather than a silent empty list
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM messages WHERE chat_id = ? ORDER BY id", (chat_id,)).fetchall()
        return [self._message(r) for r in rows]

    def update_message(self, message_id: int, **changes: Any) -> Message:
        """Change stored fields of a message (content, route, stats, status, citations …)."""
        unknown = set(changes) - set(_MESSAGE_FIELDS)
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        if "citations" in changes:
            changes["citations"] = _citations_to_json(changes["citations"])
        if "reasons" in changes:
            changes["reasons"] = json.dumps(list(changes["reasons"] or []), ensure_ascii=False)
        if not changes:
            return self.get_message(message_id)
        cols = ", ".join(f"{k} = ?" for k in changes)
        with self._write() as conn:
            cur = conn.execute(f"UPDATE messages SET {cols} WHERE id = ? RETURNING chat_id",
                               (*changes.values(), message_id))
            row = cur.fetchone()
            if row is None:
                raise ChatNotFound(f"There is no message with id {message_id}.")
            conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (time.time(), row[0]))
        return self.get_message(message_id)

    def delete_message(self, message_id: int) -> None:
        with self._write() as conn:
            if conn.execute("DELETE FROM messages WHERE id = ?", (message_id,)).rowcount == 0:
                raise ChatNotFound(f"There is no message with id {message_id}.")

    def delete_messages_after(self, chat_id: int, message_id: int) -> int:
        """Drop every message of the chat that came after ``message_id`` (edit / regenerate)."""
        with self._write() as conn:
            cur = conn.execute("DELETE FROM messages WHERE chat_id = ? AND id > ?", (chat_id, message_id))
            return cur.rowcount

    # -- search ----------------------------------------------------------------------------------

    @staticmethod
    def _fts_query(text: str) -> str:
        # Each word quoted (so user punctuation is never FTS syntax), all required, prefix-matched.
        words = re.findall(r"\w+", text)
        return " ".join('"' + w.replace('"', '""') + '"*' for w in words)

    def search(self, text: str, limit: int = 50) -> list[ChatSearchHit]:
        """Conversations whose title or message text matches ``text``: title hits first."""
        text = text.strip()
        if not text:
            return []
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        hits: list[ChatSearchHit] = []
        with self._read() as conn:
            for r in conn.execute(
                    "SELECT id, title FROM conversations WHERE title LIKE ? ESCAPE '\\' "
                    "ORDER BY updated DESC LIMIT ?", (like, limit)):
                hits.append(ChatSearchHit(r["id"], r["title"], None, r["title"]))
            query = self._fts_query(text) if self._fts else ""
            if query:
                rows = conn.execute(
                    """SELECT m.id, m.chat_id, c.title,
                              snippet(messages_fts, 0, '[', ']', '…', 12) AS snip
                       FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
                       JOIN conversations c ON c.id = m.chat_id
                       WHERE messages_fts MATCH ? ORDER BY rank LIMIT ?""", (query, limit)).fetchall()
            else:
                rows = conn.execute(
                    """SELECT m.id, m.chat_id, c.title, substr(m.content, 1, 120) AS snip
                       FROM messages m JOIN conversations c ON c.id = m.chat_id
                       WHERE m.content LIKE ? ESCAPE '\\' ORDER BY m.id DESC LIMIT ?""",
                    (like, limit)).fetchall()
        hits += [ChatSearchHit(r["chat_id"], r["title"], r["id"], r["snip"]) for r in rows]
        return hits[:limit]

    # -- export ----------------------------------------------------------------------------------

    def export_markdown(self, chat_id: int, path: Path | str | None = None) -> str:
        from engine.chats.export import to_markdown, write_export

        text = to_markdown(self.get(chat_id), self.messages(chat_id))
        if path is not None:
            write_export(Path(path), text)
        return text

    def export_json(self, chat_id: int, path: Path | str | None = None) -> str:
        from engine.chats.export import to_json, write_export

        text = to_json(self.get(chat_id), self.messages(chat_id))
        if path is not None:
            write_export(Path(path), text)
        return text
