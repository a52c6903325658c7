"""ChatStore: CRUD, ordering, search, export, migrations, restart, and storage failures."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from engine.chats import ChatStore
from engine.chats.schema import LATEST_VERSION, MIGRATIONS
from engine.errors import ChatNotFound, StorageError
from engine.events import Citation
from engine.paths import get_paths


@pytest.fixture
def store(tmp_path: Path):
    s = ChatStore(tmp_path / "chats.sqlite3")
    yield s
    s.close()


def test_default_location_is_under_hearth_home(hearth_home: Path) -> None:
    with ChatStore() as s:
        s.create("x")
    assert get_paths().chats_db.is_file()
    assert str(get_paths().chats_db).startswith(str(hearth_home))


def test_create_get_rename_pin_taint_delete(store: ChatStore) -> None:
    chat = store.create("  ", model="smollm2")
    assert chat.title == "New chat" and chat.model == "smollm2" and not chat.pinned and not chat.tainted
    assert store.rename(chat.id, "  Trip   planning ").title == "Trip planning"
    assert store.pin(chat.id).pinned
    assert store.set_tainted(chat.id).tainted
    store.delete(chat.id)
    with pytest.raises(ChatNotFound, match=str(chat.id)):
        store.get(chat.id)
    for op in (lambda: store.rename(chat.id, "x"), lambda: store.delete(chat.id),
               lambda: store.add_message(chat.id, "user", "hi"), lambda: store.messages(chat.id)):
        with pytest.raises(ChatNotFound):
            op()
    with pytest.raises(StorageError, match="empty"):
        store.rename(store.create().id, "   ")


def test_list_pinned_first_then_most_recent(store: ChatStore) -> None:
    a = store.create("a")
    b = store.create("b")
    store.create("c")
    time.sleep(0.01)
    store.add_message(a.id, "user", "bump a")  # activity makes `a` the newest
    assert [x.title for x in store.list()] == ["a", "c", "b"]
    store.pin(b.id)
    assert [x.title for x in store.list()] == ["b", "a", "c"]
    assert [x.title for x in store.list(limit=2)] == ["b", "a"]
    assert store.get(a.id).message_count == 1


def test_messages_roundtrip_with_metadata(store: ChatStore) -> None:
    chat = store.create("meta")
    cit = Citation(path="/docs/a.pdf", page=3, heading="Intro > Scope", snippet="text", score=0.5, start=1, end=9)
    u = store.add_message(chat.id, "user", "What is in a.pdf?")
    a = store.add_message(chat.id, "assistant", "It says [EMAIL_1] wrote it.", route="redacted",
                          provider="openai", outbound_text="What is in [FILE_1]?", citations=[cit],
                          tokens=12, tokens_per_s=34.5)
    msgs = store.messages(chat.id)
    assert [m.id for m in msgs] == [u.id, a.id]
    got = msgs[1]
    assert (got.route, got.provider, got.outbound_text, got.tokens, got.tokens_per_s) == (
        "redacted", "openai", "What is in [FILE_1]?", 12, 34.5)
    assert got.citations == [cit] and got.status == "complete" and not got.cancelled
    with pytest.raises(ValueError):
        store.add_message(chat.id, "tool", "x")  # type: ignore[arg-type]


def test_update_delete_and_truncate_messages(store: ChatStore) -> None:
    chat = store.create()
    ids = [store.add_message(chat.id, r, f"m{i}").id for i, r in enumerate(["user", "assistant"] * 3)]
    upd = store.update_message(ids[1], content="partial", status="cancelled", tokens=3)
    assert upd.content == "partial" and upd.cancelled and upd.tokens == 3
    with pytest.raises(ValueError):
        store.update_message(ids[1], chat_id=99)
    assert store.delete_messages_after(chat.id, ids[2]) == 3
    assert [m.id for m in store.messages(chat.id)] == ids[:3]
    store.delete_message(ids[0])
    assert [m.content for m in store.messages(chat.id)] == ["partial", "m2"]
    with pytest.raises(ChatNotFound):
        store.delete_message(ids[0])
    with pytest.raises(ChatNotFound):
        store.update_message(ids[0], content="x")


def test_search_titles_and_text(store: ChatStore) -> None:
    recipes = store.create("Bread recipes")
    travel = store.create("Trip")
    store.add_message(travel.id, "user", "Which trains go from Zürich to Milano?")
    m = store.add_message(recipes.id, "user", "How long should sourdough proof?")
    hits = store.search("bread")
    assert [(h.chat_id, h.message_id) for h in hits] == [(recipes.id, None)]
    hits = store.search("sourdough")
    assert [(h.chat_id, h.message_id) for h in hits] == [(recipes.id, m.id)]
    assert "sourdough" in hits[0].snippet
    # prefix match, diacritics folded, punctuation is not query syntax
    assert [h.chat_id for h in store.search("zurich")] == [travel.id]
    assert [h.chat_id for h in store.search('"train" (milano*')] == [travel.id]
    assert store.search("nothing-like-this") == [] and store.search("  ") == []
    # edits and deletes keep the index in step
    store.update_message(m.id, content="How long should rye rest?")
    assert store.search("sourdough") == []
    assert [h.message_id for h in store.search("rye")] == [m.id]
    store.delete(recipes.id)
    assert store.search("rye") == []


def test_search_without_fts_falls_back_to_like(store: ChatStore) -> None:
    chat = store.create("t")
    store.add_message(chat.id, "user", "50% off_sale today")
    store._fts = False  # as on a SQLite build without FTS5
    assert [h.chat_id for h in store.search("50% off_")] == [chat.id]
    assert store.search("50%% off") == []


def test_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    with ChatStore(path) as s:
        chat = s.create("Keep me")
        s.add_message(chat.id, "user", "remember this")
        s.pin(chat.id)
    with ChatStore(path) as s2:
        again = s2.get(chat.id)
        assert again.title == "Keep me" and again.pinned
        assert [m.content for m in s2.messages(chat.id)] == ["remember this"]
        assert [h.chat_id for h in s2.search("remember")] == [chat.id]


def test_export_markdown_and_json(store: ChatStore, tmp_path: Path) -> None:
    chat = store.create("Export me", model="smollm2")
    store.add_message(chat.id, "user", "Where is it?")
    store.add_message(chat.id, "assistant", "Page 2 says so.", citations=[
        Citation(path="/d/guide.pdf", page=2, heading="Setup", snippet="...")], status="cancelled")
    md_path = tmp_path / "out" / "chat.md"
    md = store.export_markdown(chat.id, md_path)
    assert md_path.read_text(encoding="utf-8") == md
    assert md.startswith("# Export me\n")
    assert "## You\n\nWhere is it?" in md and "## Assistant — cancelled" in md
    assert "1. /d/guide.pdf, page 2 — Setup" in md
    js_path = tmp_path / "chat.json"
    store.export_json(chat.id, js_path)
    doc = json.loads(js_path.read_text(encoding="utf-8"))
    assert doc["format"] == "hearth-chat" and doc["chat"]["title"] == "Export me"
    assert [m["content"] for m in doc["messages"]] == ["Where is it?", "Page 2 says so."]
    assert doc["messages"][1]["citations"][0]["page"] == 2
    with pytest.raises(ChatNotFound):
        store.export_json(9999, tmp_path / "nope.json")
    assert not (tmp_path / "nope.json").exists()
    # an export into an unwritable place is a StorageError, and leaves no file behind
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    with pytest.raises(StorageError):
        store.export_markdown(chat.id, blocker / "x.md")


def test_migrates_v1_database(tmp_path: Path) -> None:
    """A file written by the first schema version opens, upgrades, and keeps its data."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO conversations (id, title, created, updated, pinned) VALUES (7, 'Old', 1, 2, 1)")
    conn.execute("INSERT INTO messages (chat_id, role, content, created) VALUES (7, 'user', 'legacy kumquat', 1)")
    conn.commit()
    conn.close()
    with ChatStore(path) as s:
        assert s.schema_version == LATEST_VERSION
        chat = s.get(7)
        assert chat.title == "Old" and chat.pinned and not chat.tainted
        (msg,) = s.messages(7)
        assert msg.content == "legacy kumquat" and msg.route == "local" and msg.citations == []
        assert [h.message_id for h in s.search("kumquat")] == [msg.id]  # old rows were indexed


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    conn.close()
    with pytest.raises(StorageError, match="newer Hearth"):
        ChatStore(path)


def test_corrupt_file_is_a_clear_error_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    junk = b"this is not sqlite at all\x00" * 200
    path.write_bytes(junk)
    with pytest.raises(StorageError, match="damaged") as info:
        ChatStore(path)
    assert "Move chats.sqlite3" in (info.value.hint or "")
    assert path.read_bytes() == junk  # the user's file is not overwritten


def test_full_disk_leaves_nothing_half_written(store: ChatStore) -> None:
    chat = store.create("full")
    store.add_message(chat.id, "user", "before")
    before = store.get(chat.id)
    # SQLite's own size cap raises SQLITE_FULL exactly as a full disk does.
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="disk is full"):
        store.add_message(chat.id, "assistant", "x" * 200_000)
    assert [m.content for m in store.messages(chat.id)] == ["before"]
    assert store.get(chat.id).updated == before.updated  # the touch was rolled back too
    store._conn.execute("PRAGMA max_page_count = 1073741823")
    store.add_message(chat.id, "assistant", "after")  # the store still works
    assert len(store.messages(chat.id)) == 2


def test_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    s = ChatStore(path, timeout_s=0.1)
    chat = s.create("locked")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(StorageError, match="locked"):
            s.add_message(chat.id, "user", "hello")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert s.messages(chat.id) == []
    s.add_message(chat.id, "user", "hello")
    assert len(s.messages(chat.id)) == 1
    s.close()
