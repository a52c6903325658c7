"""What the Assistant layer costs on top of the raw model host and raw SQLite, in one run.

* ``decode_ratio``: decode tokens/s of ``Assistant.turn`` (routing, persistence, events) vs
  ``ModelHost.stream_chat`` on the same prompt, settings and threads (median of alternated runs).
* ``ttft_growth``: time-to-first-token of turn 8 of a conversation driven through the Assistant
  vs turn 1 — flat (≈1) means the history the Assistant rebuilds from the database hits the KV
  cache prefix; a cold prefill of the same prompt is reported next to it.
* ``store_ratio``: ChatStore.add_message rate vs a raw sqlite3 INSERT + COMMIT per message on
  the same kind of file (WAL, synchronous=NORMAL).

Writes bench/out/assistant.json; the last stdout line is that JSON object.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.net import enforce_offline_defaults  # noqa: E402

enforce_offline_defaults()
os.environ["HEARTH_HOME"] = tempfile.mkdtemp(prefix="hearth-bench-assistant-")

from engine.assistant import Assistant  # noqa: E402
from engine.chats import ChatStore  # noqa: E402
from engine.config import Config, ModelSettings  # noqa: E402
from engine.events import Done  # noqa: E402
from engine.inference.host import ModelHost  # noqa: E402
from engine.models.registry import InstalledModel  # noqa: E402
from engine.starter import starter_model_path  # noqa: E402

PROMPT = "Write a short paragraph about the history of bread."
TURNS = ["Tell me about rivers.", "Which is the longest?", "How long is it?", "Which countries does it cross?",
         "What animals live there?", "Is it polluted?", "How old is it?", "Summarise our chat in one line."]


def _settings(max_tokens: int) -> ModelSettings:
    return ModelSettings(n_ctx=4096, n_threads=1, n_gpu_layers=0, temperature=0.0, seed=1, max_tokens=max_tokens)


def decode(host: ModelHost, chats: ChatStore, runs: int = 3) -> dict:
    cfg = Config(model=_settings(128))
    assistant = Assistant(cfg, chats, host)
    system = cfg.model.system_prompt
    raw, via = [], []
    for _ in range(runs):
        host.unload()
        host.load()  # same cold state for both paths
        for _ in host.stream_chat([{"role": "system", "content": system}, {"role": "user", "content": PROMPT}],
                                  max_tokens=128, temperature=0.0):
            pass
        raw.append(host.last_stats.tokens_per_s)
        host.unload()
        host.load()
        chat = chats.create()
        done = [e for e in assistant.turn(chat.id, PROMPT)][-1]
        assert isinstance(done, Done), done
        via.append(done.tokens_per_s)
    r, v = statistics.median(raw), statistics.median(via)
    return {"raw_tokens_per_s": round(r, 1), "assistant_tokens_per_s": round(v, 1),
            "decode_ratio": round(v / r, 3) if r else 0.0}


def conversation(host: ModelHost, chats: ChatStore) -> dict:
    cfg = Config(model=_settings(96))
    assistant = Assistant(cfg, chats, host)
    host.unload()
    host.load()
    chat = chats.create()
    ttft = []
    for text in TURNS:
        done = list(assistant.turn(chat.id, text))[-1]
        assert isinstance(done, Done), done
        ttft.append(done.ttft_s)
    prompt_tokens = host.last_stats.prompt_tokens
    cached = host.last_stats.cached_tokens
    # a cold prefill of exactly the last prompt: reload (empty KV cache) and regenerate it
    msgs = chats.messages(chat.id)
    history = [{"role": m.role, "content": m.content} for m in msgs[:-2]]
    fit = host.fit_messages(cfg.model.system_prompt, history, msgs[-2].content)
    host.unload()
    host.load()
    for _ in host.stream_chat(fit.messages, max_tokens=1):
        pass
    cold = host.last_stats.ttft_s
    return {"ttft_turn1_s": round(ttft[0], 4), "ttft_turn8_s": round(ttft[-1], 4), "ttft_cold_turn8_s": round(cold, 4),
            "ttft_growth": round(ttft[-1] / ttft[0], 3) if ttft[0] else 0.0,
            "ttft_turn8_vs_cold": round(ttft[-1] / cold, 3) if cold else 0.0,
            "turn8_prompt_tokens": prompt_tokens, "turn8_cached_tokens": cached}


def _store_rate(path: Path, n: int, text: str) -> float:
    s = ChatStore(path)
    chat = s.create()
    t0 = time.perf_counter()
    for i in range(n):
        s.add_message(chat.id, "user" if i % 2 == 0 else "assistant", text)
    rate = n / (time.perf_counter() - t0)
    s.close()
    return rate


def _raw_rate(path: Path, n: int, text: str) -> float:
    # the same SQL work by hand: same schema (FTS triggers included), touch + insert + read back
    from engine.chats.schema import MIGRATIONS

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    for migrate in MIGRATIONS:
        migrate(conn)
    conn.execute("INSERT INTO conversations (id, title, created, updated) VALUES (1, 'x', 0, 0)")
    t0 = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE conversations SET updated = ? WHERE id = 1", (time.time(),))
        cur = conn.execute("INSERT INTO messages (chat_id, role, content, created) VALUES (1, ?, ?, ?)",
                           ("user" if i % 2 == 0 else "assistant", text, time.time()))
        conn.execute("COMMIT")
        conn.execute("SELECT * FROM messages WHERE id = ?", (cur.lastrowid,)).fetchone()
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


def store(n: int = 400, rounds: int = 3) -> dict:
    """Alternated rounds on fresh files; medians (the disk and the other processes are noisy)."""
    tmp = Path(tempfile.mkdtemp(prefix="hearth-bench-store-"))
    text = "A message of ordinary length, about the size of a short question or answer. " * 4
    ours, raw = [], []
    for r in range(rounds):
        ours.append(_store_rate(tmp / f"store{r}.sqlite3", n, text))
        raw.append(_raw_rate(tmp / f"raw{r}.sqlite3", n, text))
    o, w = statistics.median(ours), statistics.median(raw)
    return {"store_msgs_per_s": round(o), "raw_sqlite_msgs_per_s": round(w), "store_ratio": round(o / w, 3)}


def main() -> None:
    host = ModelHost(InstalledModel("smollm2", starter_model_path(), "starter"), _settings(128))
    chats = ChatStore()
    try:
        result = {"bench": "assistant", **decode(host, chats), **conversation(host, chats), **store()}
    finally:
        host.unload()
        chats.close()
    out = Path(__file__).resolve().parent / "out" / "assistant.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
