"""Run the local API (or another of Hearth's ASGI apps) with uvicorn on a socket from
:func:`engine.net.listen_socket` (loopback unless the person allowed the network).

:class:`ServerThread` serves in the background — the desktop app, the tests and the benchmark
use it; ``hearth serve`` runs the same thing in the foreground until Ctrl-C.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from engine.errors import HearthError

if TYPE_CHECKING:
    from engine.core import Core
    from engine.serve.app import TokenCheck

log = logging.getLogger(__name__)


class ServerThread:
    """An ASGI app served on ``host:port`` from a daemon thread. ``port=0`` picks a free one."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, allow_network: bool = False,
                 name: str = "hearth-api") -> None:
        import uvicorn

        from engine.net import listen_socket

        self.sock = listen_socket(host, port, allow_network=allow_network)  # raises before any thread starts
        self.host, self.port = host, int(self.sock.getsockname()[1])
        # lifespan "auto": the MCP app starts its session manager there; the API app has none
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto",
                                timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # noqa: BLE001 - kept for start(); a server thread must not die silently
            self.error = exc
            log.exception("the %s server stopped", self._thread.name)

    def start(self, timeout_s: float = 30.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if self.error is not None or not self._thread.is_alive():
                raise HearthError(f"The server on {self.url} did not start: {self.error}.")
            if time.monotonic() > deadline:
                raise HearthError(f"The server on {self.url} did not start within {timeout_s:.0f} s.")
            time.sleep(0.01)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        try:
            self.sock.close()
        except OSError:
            pass

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and bool(self.server.started)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def api_server(core: Core, token: str, *, host: str = "127.0.0.1", port: int | None = None,
               allow_network: bool = False) -> tuple[ServerThread, TokenCheck]:
    """The local API over ``core`` (not started): the server and its token check (for rotation)."""
    from engine.serve.app import TokenCheck, create_app

    settings = core.config.server
    tokens = TokenCheck(token)
    app = create_app(core, tokens, max_request_bytes=settings.max_request_bytes)
    server = ServerThread(app, host=host, port=settings.port if port is None else port, allow_network=allow_network)
    return server, tokens
