"""Fault injection: run real ``hearth`` processes, kill -9 them at seeded random moments, restart.

Shared by ``tests/faults`` (a few bounded rounds in ``make test``) and ``bench/faults.py`` (many
rounds, JSON out). The scenarios live in :mod:`tests.support.faults_scenarios`; this module holds
what they share: a Hearth home with the processes' environment, starting and killing process
groups, a restart that must answer within :data:`RESTART_LIMIT_S`, and the tally.

Figures per round (and in total): ``kills`` (the process was still running when killed),
``lost`` (something acknowledged before the kill — a question, text shown, a committed file, a
finished rename — is gone), ``corrupted`` (a store is unreadable or inconsistent after the
restart), ``false_tamper_alarms`` (``hearth audit`` reports tampering nobody did), ``hangs`` (a
restart that did not answer in time).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RESTART_LIMIT_S = 30.0   # "every restart answers within 30 s"
RESUME_LIMIT_S = 240.0   # finishing interrupted work (re-index, resumed download) on 2 shared cores


@dataclass
class Round:
    op: str
    seed: int
    killed: bool = False
    at_s: float = 0.0
    lost: int = 0
    corrupted: int = 0
    false_tamper_alarms: int = 0
    hangs: int = 0
    full_disk: bool = False
    notes: list[str] = field(default_factory=list)

    def problem(self, kind: str, note: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.notes.append(f"{kind}: {note}")

    @property
    def ok(self) -> bool:
        return not (self.lost or self.corrupted or self.false_tamper_alarms or self.hangs)


@dataclass
class Tally:
    rounds: list[Round] = field(default_factory=list)

    def add(self, r: Round) -> Round:
        self.rounds.append(r)
        return r

    def summary(self) -> dict[str, Any]:
        by_op: dict[str, dict[str, int]] = {}
        for r in self.rounds:
            d = by_op.setdefault(r.op, {"rounds": 0, "kills": 0, "full_disk": 0, "lost": 0, "corrupted": 0,
                                        "false_tamper_alarms": 0, "hangs": 0})
            d["rounds"] += 1
            d["kills"] += int(r.killed)
            d["full_disk"] += int(r.full_disk)
            for k in ("lost", "corrupted", "false_tamper_alarms", "hangs"):
                d[k] += getattr(r, k)
        total = {k: sum(d[k] for d in by_op.values())
                 for k in ("rounds", "kills", "full_disk", "lost", "corrupted", "false_tamper_alarms", "hangs")}
        return {**total, "by_operation": by_op,
                "problems": [{"op": r.op, "seed": r.seed, "notes": r.notes} for r in self.rounds if not r.ok]}

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "details": [asdict(r) for r in self.rounds]}


class Home:
    """One Hearth state directory and the environment its processes run with."""

    def __init__(self, root: Path, extra_env: dict[str, str] | None = None) -> None:
        self.root = root
        self.home = root / "hearth-home"
        self.home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "PYTHON_KEYRING"))}
        env.update({
            "HEARTH_HOME": str(self.home),
            "PYTHONPATH": str(REPO),
            # the OS keyring cannot run here: one file-backed keyring shared by all processes
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.SharedTestKeyring",
            "HEARTH_TEST_KEYRING": str(root / "keyring.json"),
            "QT_QPA_PLATFORM": "offscreen",
        })
        env.update(extra_env or {})
        self.env = env

    @property
    def chats_db(self) -> Path:
        return self.home / "data" / "chats.sqlite3"

    @staticmethod
    def hearth(*args: str) -> list[str]:
        return [sys.executable, "-m", "engine", *args]

    def python(self, code: str, *args: str) -> list[str]:
        return [sys.executable, "-c", code, *args]

    def start(self, argv: list[str]) -> "Running":
        proc = subprocess.Popen(argv, env=self.env, cwd=self.root, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        return Running(proc)

    def run(self, argv: list[str], timeout: float = RESTART_LIMIT_S) -> subprocess.CompletedProcess | None:
        """Run to the end; None if it did not finish within ``timeout`` (it is then killed)."""
        running = self.start(argv)
        if not running.wait(timeout):
            return None
        return subprocess.CompletedProcess(argv, running.proc.returncode, running.text(),
                                           running.err.decode("utf-8", "replace"))


class Running:
    """A started process group whose stdout lines are collected (with their arrival times)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.t0 = time.monotonic()
        self.lines: list[tuple[float, str]] = []
        self.err = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._err_reader = threading.Thread(target=self._read_err, daemon=True)
        self._err_reader.start()

    def _read(self) -> None:
        for raw in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.append((time.monotonic() - self.t0, raw.decode("utf-8", "replace")))

    def _read_err(self) -> None:
        self.err = self.proc.stderr.read()  # type: ignore[union-attr]

    def kill_at(self, seconds: float) -> bool:
        """SIGKILL the whole group (the CLI and its model/parse workers) ``seconds`` after start.
        True if it was still running then (a real kill)."""
        end = self.t0 + seconds
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                break
            time.sleep(min(0.01, max(0.0, end - time.monotonic())))
        alive = self.proc.poll() is None
        self.kill()
        return alive

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        self._reader.join(10)
        self._err_reader.join(10)

    def wait(self, timeout: float) -> bool:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return False
        self._reader.join(10)
        self._err_reader.join(10)
        return True

    def text(self) -> str:
        return "".join(line for _, line in self.lines)

    def json_events(self) -> list[dict]:
        events = []
        for _, line in self.lines:
            if line.endswith("\n"):  # a line cut by the kill was never shown whole
                try:
                    events.append(json.loads(line))
                except ValueError:
                    pass
        return events


def clean_failure(result: subprocess.CompletedProcess | None, words: tuple[str, ...]) -> str | None:
    """Why a command's failure on a full disk is not a clean one (None if it is)."""
    if result is None:
        return "did not finish"
    if "Traceback" in result.stderr:
        return "printed a traceback: " + result.stderr.strip().splitlines()[-1][:200]
    if result.returncode == 0:
        return None  # it fitted after all: fine, the checks decide
    if not any(w in (result.stderr + result.stdout).lower() for w in words):
        return (f"exit {result.returncode} without a clear message: stderr={result.stderr.strip()[-200:]!r} "
                f"stdout={result.stdout.strip()[-200:]!r}")
    return None
