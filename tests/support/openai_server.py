"""A real OpenAI-compatible server on loopback — ``python -m llama_cpp.server`` with a GGUF —
behind a small recording reverse proxy, so tests see exactly what the client sent.

    with LlamaServer(gguf) as upstream, RecordingProxy(upstream.url) as proxy:
        client -> proxy.url/v1 ...; proxy.received[-1].body

The proxy streams responses through chunk by chunk (SSE works), and ``proxy.fail`` queues HTTP
error statuses to answer with instead of forwarding (401, 429, 500 handling).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.support.loopback import LoopbackServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` on 127.0.0.1 with the given model; started and stopped by the test."""

    def __init__(self, model: Path, n_ctx: int = 1024, startup_s: float = 120.0, api_key: str | None = None) -> None:
        self.model = Path(model)
        self.api_key = api_key  # the server's --api_key: requests need it as the bearer token
        self.port = free_port()
        self.n_ctx = n_ctx
        self.startup_s = startup_s
        self.proc: subprocess.Popen | None = None
        self.log = b""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LlamaServer":
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--host", "127.0.0.1",
             "--port", str(self.port), "--n_ctx", str(self.n_ctx), "--n_threads", "1", "--verbose", "False"]
            + (["--api_key", self.api_key] if self.api_key else []),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise RuntimeError(f"llama_cpp.server exited early:\n{out[-2000:]}")
            try:
                req = urllib.request.Request(self.url + "/v1/models", headers={
                    "Authorization": f"Bearer {self.api_key}"} if self.api_key else {})
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("llama_cpp.server did not start in time")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: dict | None


@dataclass
class RecordingProxy:
    upstream: str
    received: list[Received] = field(default_factory=list)
    fail: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        proxy = self
        host, port = self.upstream.split("//", 1)[1].split(":")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                proxy.received.append(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if proxy.fail:
                    status = proxy.fail.pop(0)
                    data = json.dumps({"error": {"message": f"test failure {status}", "type": "test",
                                                 "code": status}}).encode()
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    if status == 429:
                        self.send_header("retry-after", "0")
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(host, int(port), timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=raw or None, headers=headers)
                resp = conn.getresponse()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(k, v)
                self.send_header("connection", "close")
                self.end_headers()
                while True:
                    chunk = resp.read1(65536)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    self.wfile.flush()
                conn.close()
                self.close_connection = True

            do_GET = do_POST = _forward

        self._server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> "RecordingProxy":
        self._server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)
