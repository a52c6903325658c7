"""Answers are saved while they stream: a kill -9 keeps everything that was shown.

Before, an answer reached the chats database only at its end: killing the app or the CLI
mid-answer lost all of it. Now each piece is saved before it is shown, the message is tagged
with the writing process, and the next start marks a message whose writer died ``interrupted``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.assistant import Assistant
from engine.chats import ChatStore
from engine.config import Config, ModelSettings, save_config
from engine.events import Done, Token
from engine.inference import ModelHost
from tests.engine.inference.helpers import model_for

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SETTINGS = ModelSettings(n_ctx=1024, n_threads=1, n_gpu_layers=0, temperature=0.0, max_tokens=400, seed=7)
STORY = "Write a long story about a dragon who learns to bake bread."


@pytest.fixture(scope="module")
def host(starter_gguf: Path):
    h = ModelHost(model_for(starter_gguf), SETTINGS)
    h.load()
    yield h
    h.unload()


def test_each_piece_is_in_the_database_before_it_is_shown(host: ModelHost, chats: ChatStore) -> None:
    a = Assistant(Config(model=SETTINGS.model_copy(update={"max_tokens": 40})), chats, host)
    chat = chats.create()
    shown = ""
    with ChatStore(chats.path) as other:  # another connection, as another process would read it
        for ev in a.turn(chat.id, "Tell me about rivers."):
            if isinstance(ev, Token):
                shown += ev.text
                (answer,) = [m for m in other.messages(chat.id) if m.role == "assistant"]
                assert answer.status == "streaming" and answer.content == shown
            if isinstance(ev, Done):
                done = ev
        (answer,) = [m for m in other.messages(chat.id) if m.role == "assistant"]
    assert (answer.id, answer.status, answer.content) == (done.message_id, "complete", shown)
    assert answer.tokens == done.tokens


def test_opening_the_store_during_a_live_stream_does_not_interrupt_it(host: ModelHost, chats: ChatStore) -> None:
    a = Assistant(Config(model=SETTINGS.model_copy(update={"max_tokens": 24})), chats, host)
    chat = chats.create()
    for ev in a.turn(chat.id, "Name a few birds."):
        if isinstance(ev, Token):
            with ChatStore(chats.path) as other:  # the app and a `hearth chats` command at once
                assert other.interrupted_found == 0
                assert other.messages(chat.id)[-1].status == "streaming"
    assert chats.messages(chat.id)[-1].status == "complete"


def test_kill_9_mid_answer_keeps_what_was_shown_and_marks_it_interrupted(hearth_home: Path) -> None:
    save_config(Config(model=SETTINGS))
    env = {**os.environ, "HEARTH_HOME": str(hearth_home), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "engine", "ask", "--quiet", STORY], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    shown = b""
    try:
        deadline = time.monotonic() + 180
        while len(shown) < 120:  # a good part of the answer is on the screen
            assert time.monotonic() < deadline and proc.poll() is None, shown
            shown += os.read(proc.stdout.fileno(), 4096)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its model process, mid-answer
        proc.wait(30)
        proc.stdout.close()
    with ChatStore(hearth_home / "data" / "chats.sqlite3") as store:
        assert store.interrupted_found == 1
        (chat,) = store.list()
        question, answer = store.messages(chat.id)
        assert question.content == STORY
        assert answer.status == "interrupted" and answer.content.startswith(shown.decode("utf-8", "ignore").strip())
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with ChatStore(hearth_home / "data" / "chats.sqlite3") as again:
        assert again.interrupted_found == 0  # marked once
