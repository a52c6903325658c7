"""Fixtures for the desktop tests: one real window (real engine, real SmolLM2) per module."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from PySide6.QtCore import QEventLoop, QTimer

from engine.config import Config, load_config, save_config
from tests.support.memory_keyring import MemoryKeyring  # noqa: F401  (re-exported for desktop tests)


def wait_until(pred: Callable[[], object], timeout: float = 90.0, what: str = "condition") -> None:
    """Spin the Qt event loop until ``pred()`` is true (generous timeout: 2 shared cores)."""
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        # Block in a real event loop (not a processEvents spin) so the model child gets the CPU.
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def test_config(**sections: dict) -> Config:
    """Deterministic, short answers from the starter model; welcome already seen."""
    cfg = Config()
    cfg.appearance.welcomed = True
    cfg.model.max_tokens = 24  # the machine is shared: keep turns short
    cfg.model.temperature = 0.0
    cfg.model.seed = 7
    cfg.model.n_ctx = 1024
    cfg.model.n_threads = 1  # on a loaded 2-core machine 2 spinning llama.cpp threads run ~20x slower
    for name, values in sections.items():
        section = getattr(cfg, name)
        for k, v in values.items():
            setattr(section, k, v)
    return cfg


test_config.__test__ = False  # not a test


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A HEARTH_HOME shared by one module's window (the per-test home is set after it)."""
    home = tmp_path_factory.mktemp("desktop-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HEARTH_HOME", str(home))
    yield home
    mp.undo()


def open_window(cfg: Config, *, wait_ready: bool = True):
    from desktop.app import build_window

    save_config(cfg)
    states: list[str] = []
    w = build_window(load_config())
    w.services.model_state.connect(lambda s, _p: states.append(s))
    w.seen_states = states
    if wait_ready:
        wait_until(lambda: w.services.state in ("ready", "error"), 180, "the model to load")
        assert w.services.state == "ready", [b.message.text() for b in w.banners.banners()]
        wait_until(lambda: w.services.chats is not None, 30, "the chats database")
    return w


