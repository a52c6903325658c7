"""The local API server as a front end runs it inside itself: ``core.api``.

The desktop app serves Hearth's OpenAI-compatible API (``engine.serve``) while it runs when the
person turns it on (Settings → API server). This is the same server ``hearth serve`` runs, over
the same core, so an answer through the API is routed, audited and serialised with the app's
own turns. The token is the one ``hearth serve`` uses (``engine.core.tokens``: the keyring);
rotating it here swaps it in the running server at once.

Starting and stopping block briefly (binding a socket, uvicorn's start-up): call them from a
worker thread in the app. Loopback only: the app never offers the network.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.core import tokens

if TYPE_CHECKING:
    from engine.core.core import Core
    from engine.core.tokens import Token
    from engine.serve.app import TokenCheck
    from engine.serve.server import ServerThread


@dataclass(frozen=True)
class ApiStatus:
    running: bool
    port: int
    url: str | None = None      # the base URL clients use (…/v1), when running
    error: str | None = None    # why it is not running although it was asked to


class ApiServerOps:
    """``core.api`` (see module doc). Thread-safe."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._lock = threading.Lock()
        self._server: ServerThread | None = None
        self._tokens: TokenCheck | None = None
        self._error: str | None = None

    def status(self) -> ApiStatus:
        with self._lock:
            return self._status()

    def _status(self) -> ApiStatus:
        s = self._server
        if s is not None and s.running:
            return ApiStatus(True, s.port, f"{s.url}/v1")
        return ApiStatus(False, self._core.config.server.port, None, self._error)

    def start(self) -> ApiStatus:
        """Serve on 127.0.0.1 at the settings' port (restarting on another port if it changed).
        A port in use or no keyring for the token is reported in the status, not raised."""
        from engine.errors import HearthError
        from engine.serve.server import api_server

        with self._lock:
            port = self._core.config.server.port
            if self._server is not None and self._server.running and self._server.port == port:
                return self._status()
            self._stop_unlocked()
            try:
                token = tokens.get_or_create().value
                server, checks = api_server(self._core, token, port=port)
                server.start()
            except (HearthError, OSError) as exc:
                self._error = exc.user_text() if isinstance(exc, HearthError) else f"Port {port}: {exc.strerror or exc}."
                return ApiStatus(False, port, None, self._error)
            self._server, self._tokens, self._error = server, checks, None
            return self._status()

    def stop(self) -> None:
        with self._lock:
            self._stop_unlocked()
            self._error = None

    def _stop_unlocked(self) -> None:
        server, self._server, self._tokens = self._server, None, None
        if server is not None:
            server.stop()

    def apply(self) -> ApiStatus:
        """Match the settings: serve when ``server.enabled``, else stop."""
        if self._core.config.server.enabled:
            return self.start()
        self.stop()
        return self.status()

    # -- the token ----------------------------------------------------------------------------------
    @staticmethod
    def token() -> Token:
        """The token clients send (made and stored the first time: ``created`` is then True)."""
        return tokens.get_or_create()

    def rotate_token(self) -> Token:
        """A new token; the old one stops working at once, in this server too."""
        tok = tokens.rotate()
        with self._lock:
            if self._tokens is not None:
                self._tokens.set(tok.value)
        return tok
