"""The keyword index cache: rebuilt when its generation changes, refreshed in the background
when the caller says the cached index may still answer (a shared collection's periodic refresh)."""

from __future__ import annotations

import threading
import time

from engine.docs.keyword import KeywordCache


def _rows(word: str):
    return lambda: [("c1", f"{word} alpha"), ("c2", "beta gamma")]


def test_a_new_generation_is_built_before_answering() -> None:
    cache = KeywordCache()
    assert cache.get(1, "g1", _rows("sourdough")).search("sourdough", 5)[0][0] == "c1"
    index = cache.get(1, "g2", _rows("rye"))
    assert index.search("rye", 5) and not index.search("sourdough", 5)


def test_a_due_refresh_answers_from_the_cached_index_and_rebuilds_in_the_background() -> None:
    cache = KeywordCache()
    cache.get(1, (2, 0), _rows("sourdough"))
    release = threading.Event()

    def slow_rows():  # a server that takes its time to list 100k chunks
        release.wait(10)
        return _rows("rye")()

    started = time.monotonic()
    index = cache.get(1, (2, 1), slow_rows, stale_ok=lambda cached, wanted: cached[0] == wanted[0])
    assert time.monotonic() - started < 5 and index.search("sourdough", 5)  # the old index, at once
    release.set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fresh = cache.get(1, (2, 1), _rows("never-used"), stale_ok=lambda c, w: c[0] == w[0])
        if fresh.search("rye", 5):
            break
        time.sleep(0.05)
    assert fresh.search("rye", 5), "the background refresh never landed"


def test_a_changed_count_is_never_answered_from_the_stale_index() -> None:
    cache = KeywordCache()
    cache.get(1, (2, 0), _rows("sourdough"))
    index = cache.get(1, (3, 0), _rows("rye"), stale_ok=lambda cached, wanted: cached[0] == wanted[0])
    assert index.search("rye", 5)


def test_a_failed_background_refresh_keeps_the_old_index() -> None:
    cache = KeywordCache()
    cache.get(1, (2, 0), _rows("sourdough"))

    def broken():
        raise ConnectionError("server went away")

    assert cache.get(1, (2, 1), broken, stale_ok=lambda c, w: True).search("sourdough", 5)
    time.sleep(0.2)
    assert cache.get(1, (2, 1), broken, stale_ok=lambda c, w: True).search("sourdough", 5)
