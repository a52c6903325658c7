"""A model file whose chat template never finishes: formatting is time-bound, the host recovers.

The crafted model is the real starter GGUF with its ``tokenizer.chat_template`` replaced (see
tests/support/gguf_patch.py). Before the limit, ``fit_messages`` (and with it every turn) waited
on the model process forever.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from engine.assistant import Assistant
from engine.config import Config, ModelSettings
from engine.errors import ModelError
from engine.events import Failed
from engine.inference import ModelHost
from engine.models.registry import InstalledModel
from tests.support.gguf_patch import with_chat_template

pytestmark = pytest.mark.slow

# 10^10 loop iterations: the sandbox caps each range() at 100,000, not their product.
LOOPS = ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
         "{% for m in messages %}{{ m['content'] }}{% endfor %}")
SANE = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n"
SETTINGS = ModelSettings(n_ctx=512, n_threads=1, n_gpu_layers=0, temperature=0.0, max_tokens=8)


@pytest.fixture(scope="module")
def looping_gguf(starter_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return with_chat_template(starter_gguf, tmp_path_factory.mktemp("hostile") / "loops.gguf", LOOPS)


def _host(path: Path, **kw) -> ModelHost:
    return ModelHost(InstalledModel("hostile", path, "test"), SETTINGS, **kw)


def test_huge_loops_end_in_a_clear_error_and_the_model_process_lives_on(looping_gguf: Path) -> None:
    host = _host(looping_gguf, render_timeout_s=2)
    try:
        host.load()
        pid = host.pid
        t0 = time.monotonic()
        with pytest.raises(ModelError) as err:
            host.fit_messages("Be brief.", [], "Hello?")
        assert time.monotonic() - t0 < 15
        assert "chat template" in err.value.message and "2 s" in err.value.message
        assert "override" in (err.value.hint or "")
        # the same process answers the next request (no restart needed), again within the limit
        t0 = time.monotonic()
        with pytest.raises(ModelError):
            list(host.stream_chat([{"role": "user", "content": "Hello?"}]))
        assert time.monotonic() - t0 < 15 and host.pid == pid and host.loaded
    finally:
        host.unload()


def test_a_child_that_misses_the_deadline_is_replaced_and_the_host_recovers(looping_gguf: Path) -> None:
    """As on a platform without an interval timer: the parent's own deadline ends the child."""
    host = _host(looping_gguf, render_timeout_s=600)  # the child's limit will not fire in time
    host.reply_deadline_s = 3
    try:
        host.load()
        stuck = host.pid
        t0 = time.monotonic()
        with pytest.raises(ModelError) as err:
            host.count_tokens([{"role": "user", "content": "Hello?"}])
        assert time.monotonic() - t0 < 15 and "took longer than 3 s" in err.value.message
        assert not psutil.pid_exists(stuck) or psutil.Process(stuck).status() == psutil.STATUS_ZOMBIE
        host.settings = SETTINGS.model_copy(update={"chat_template": SANE})  # the person sets an override
        assert host.count_tokens([{"role": "user", "content": "Hello?"}]) > 0
        assert host.pid != stuck and host.info.chat_template_source == "settings"
    finally:
        host.unload()


def test_a_turn_with_the_hostile_model_fails_cleanly(looping_gguf: Path, chats) -> None:
    host = _host(looping_gguf, render_timeout_s=2)
    try:
        assistant = Assistant(Config(model=SETTINGS), chats, host)
        chat = chats.create()
        t0 = time.monotonic()
        events = list(assistant.turn(chat.id, "Hello?"))
        assert time.monotonic() - t0 < 60
        assert isinstance(events[-1], Failed) and "chat template" in events[-1].message
        assert [m.content for m in chats.messages(chat.id)] == ["Hello?"]  # what was typed is kept
    finally:
        host.unload()
