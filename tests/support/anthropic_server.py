"""A loopback server speaking the Anthropic messages API (plain and SSE-streamed), for tests.

It records every request it receives (path, headers, JSON body) so tests can assert on exactly
what left the machine. ``reply`` builds the answer from the request (default: echo the last user
message, so placeholders sent out come back and must be restored); ``fail`` queues HTTP error
statuses to return before answering normally (to exercise 401/429/500 handling and retries).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Callable

from tests.support.loopback import LoopbackServer


@dataclass
class Received:
    path: str
    headers: dict
    body: dict


def _echo(body: dict) -> str:
    last = [m for m in body.get("messages", []) if m.get("role") == "user"][-1]["content"]
    if isinstance(last, list):
        last = " ".join(b.get("text", "") for b in last)
    return f"You said: {last}"


@dataclass
class AnthropicServer:
    reply: Callable[[dict], str] = _echo
    received: list[Received] = field(default_factory=list)
    fail: list[int] = field(default_factory=list)
    chunk_chars: int = 3   # stream the answer in small pieces so placeholders get split
    drop_after: int | None = None  # close the connection after this many text chunks (a crash)
    delay_s: float = 0.0  # pause before each text chunk (a slow stream, so a client can be killed mid-way)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                if status == 429:
                    self.send_header("retry-after", "0")
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if not self.path.startswith("/v1/messages"):
                    return self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "no"}})
                if server.fail:
                    status = server.fail.pop(0)
                    kinds = {401: "authentication_error", 429: "rate_limit_error", 500: "api_error",
                             529: "overloaded_error"}
                    return self._json(status, {"type": "error", "error": {"type": kinds.get(status, "api_error"),
                                                                          "message": f"test failure {status}"}})
                text = server.reply(body)
                usage_in = sum(len(str(m.get("content", ""))) // 4 for m in body.get("messages", []))
                if not body.get("stream"):
                    return self._json(200, {
                        "id": "msg_test", "type": "message", "role": "assistant", "model": body.get("model"),
                        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                        "stop_sequence": None, "usage": {"input_tokens": usage_in, "output_tokens": len(text) // 4}})
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()

                def event(name: str, data: dict) -> None:
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                    self.wfile.flush()

                event("message_start", {"type": "message_start", "message": {
                    "id": "msg_test", "type": "message", "role": "assistant", "model": body.get("model"),
                    "content": [], "stop_reason": None, "stop_sequence": None,
                    "usage": {"input_tokens": usage_in, "output_tokens": 0}}})
                event("content_block_start", {"type": "content_block_start", "index": 0,
                                              "content_block": {"type": "text", "text": ""}})
                for n, i in enumerate(range(0, len(text), server.chunk_chars)):
                    if server.drop_after is not None and n >= server.drop_after:
                        self.close_connection = True
                        self.connection.shutdown(2)  # vanish mid-stream, like a crashed server
                        return
                    if server.delay_s:
                        time.sleep(server.delay_s)
                    event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                  "delta": {"type": "text_delta", "text": text[i:i + server.chunk_chars]}})
                event("content_block_stop", {"type": "content_block_stop", "index": 0})
                event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                                           "stop_sequence": None},
                                        "usage": {"output_tokens": max(1, len(text) // 4)}})
                event("message_stop", {"type": "message_stop"})
                self.close_connection = True

        self._server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> "AnthropicServer":
        self._server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)
