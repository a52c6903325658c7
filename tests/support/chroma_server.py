"""A real ``chroma run`` on a temp path and a free loopback port, for tests and benches."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chroma_server(data: Path, start_timeout_s: float = 90) -> Iterator[str]:
    """Yields the server's URL once its heartbeat answers; stops it (and its log) on exit.
    Raises RuntimeError with the end of the server's log when it does not start."""
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(data / "server.log", "wb") as log:
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data / "db"), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + start_timeout_s
            while True:
                try:
                    urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("chroma run did not start: "
                                           + (data / "server.log").read_text(errors="replace")[-2000:]) from None
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
