"""The cancel flag shared with the model process survives the process being killed mid-check.

With ``multiprocessing.Event`` a child killed while checking the event (it does, every token)
could leave the event's lock held, and the parent's next ``clear()`` hung for ever — the retry
after a model crash never started. The reader below checks in a tight loop, as the child does,
and is killed mid-loop."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

from engine.inference.cancel_flag import CancelFlag


def _spin(flag: CancelFlag, ready) -> None:
    ready.set()
    while True:
        flag.is_set()


def test_flag_still_works_after_a_reader_is_killed_mid_check():
    ctx = multiprocessing.get_context("spawn")
    flag, ready = CancelFlag(ctx), ctx.Event()
    reader = ctx.Process(target=_spin, args=(flag, ready), daemon=True)
    reader.start()
    assert ready.wait(60)
    time.sleep(0.2)
    os.kill(reader.pid, signal.SIGKILL)
    reader.join(10)

    done = threading.Event()

    def use() -> None:
        flag.set()
        assert flag.is_set()
        flag.clear()
        assert not flag.is_set()
        done.set()

    threading.Thread(target=use, daemon=True).start()
    # A hang check, not a timing one: the calls either return at once or never.
    assert done.wait(30), "the cancel flag is wedged by the killed reader"
