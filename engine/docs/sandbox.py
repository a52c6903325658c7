"""Parse files in a child process with a time limit and a memory limit.

One reusable worker process (``engine.docs.parse_worker``) parses files one at a time. If it
overruns the time limit it is killed; if it dies (crash, memory) it is restarted on the next
file. Either way the file is reported as failed with a reason and indexing carries on.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine

_REPO_ROOT = str(Path(engine.__file__).resolve().parent.parent)


@dataclass
class ParseResult:
    status: str                      # "ok" | "skipped" | "failed"
    reason: str = ""
    doc: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ParseSandbox:
    """A restartable parse worker. Not thread-safe: one caller (the indexer's parse thread)."""

    def __init__(self, timeout_s: float = 60.0, memory_mb: int = 1024,
                 max_text_bytes: int = 64 * 2**20) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.max_text_bytes = max_text_bytes
        self._proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    # -- process management
    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["PYTHONPATH"] = _REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "engine.docs.parse_worker", str(self.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, close_fds=True)
        return self._proc

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.kill()
        except OSError:
            pass
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream and stream.close()
            except OSError:
                pass

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

    def __enter__(self) -> "ParseSandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one operation
    def parse(self, path: Path) -> ParseResult:
        proc = self._proc if self._proc and self._proc.poll() is None else self._start()
        request = json.dumps({"path": str(path), "max_text_bytes": self.max_text_bytes}) + "\n"
        try:
            proc.stdin.write(request.encode("utf-8"))  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            self._kill()
            self.restarts += 1
            return ParseResult("failed", "the parser process could not be started")
        deadline = time.monotonic() + self.timeout_s
        fd = proc.stdout.fileno()  # type: ignore[union-attr]
        buf = bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._kill()
                self.restarts += 1
                return ParseResult("failed", f"took longer than {self.timeout_s:g} s to parse (time limit)")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            piece = os.read(fd, 1 << 20)
            if not piece:  # EOF: the worker died
                code = proc.wait()
                self._kill()
                self.restarts += 1
                if code in (-6, -9):  # SIGABRT/SIGKILL: how native code dies when an allocation is refused
                    return ParseResult("failed", f"the parser ran out of memory on this file (memory limit "
                                                 f"{self.memory_mb} MB; signal {-code})")
                how = f"signal {-code}" if code and code < 0 else f"exit code {code}"
                return ParseResult("failed", f"the parser crashed on this file ({how})")
            buf += piece
            if buf.endswith(b"\n"):
                break
        try:
            response = json.loads(buf)
        except ValueError:
            self._kill()
            return ParseResult("failed", "the parser returned garbage")
        reason = response.get("reason", "")
        if reason == "memory":
            reason = f"needs more than {self.memory_mb} MB of memory to parse (memory limit)"
        return ParseResult(response["status"], reason, response.get("doc") or {})
